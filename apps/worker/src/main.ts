import { loadWorkerConfig } from '@fallback/config';
import { ClientCredentialsTokenProvider, GenesysClient, createHttp } from '@fallback/genesys';
import { createLogger, installShutdown, runMain } from '@fallback/observability';
import { assertRedisReachable, createRedis } from '@fallback/queue';
import { createFallbackWorker } from './worker.js';

runMain('worker', async () => {
  const config = loadWorkerConfig(process.env);
  const logger = createLogger({ name: 'worker', level: config.log.level, pretty: config.log.pretty });
  await assertRedisReachable(config.redisUrl);

  const connection = createRedis(config.redisUrl, {
    role: 'worker',
    name: 'fallback-worker',
    onStatus: (s) => (s.status === 'down' ? logger.error(s, 'Redis connection lost; waiting for it') : logger.info(s, 'Redis connection restored')),
  });
  const http = createHttp({ maxSockets: Math.max(64, config.concurrency * 2) });
  const tokens = new ClientCredentialsTokenProvider({
    http,
    loginBaseUrl: config.genesys.hosts.loginBaseUrl,
    clientId: config.genesys.clientId,
    clientSecret: config.genesys.clientSecret,
    timeoutMs: config.genesys.timeoutMs,
    onRefresh: ({ clientId, expiresInSec }) => logger.info({ clientId, expiresInSec }, 'Genesys token obtained'),
  });
  const genesys = new GenesysClient({
    apiBaseUrl: config.genesys.hosts.apiBaseUrl,
    tokens,
    http,
    timeoutMs: config.genesys.timeoutMs,
    readEndpoint: config.genesys.readEndpoint,
    maxRetryAfterMs: config.genesys.maxRetryAfterMs,
  });
  const fallbackWorker = createFallbackWorker({ config, connection, genesys, logger });

  installShutdown({
    logger,
    timeoutMs: config.shutdownTimeoutMs,
    steps: () => [
      // Stop taking jobs and let active ones finish (their callers are on the line).
      { name: 'worker', run: () => fallbackWorker.close() },
      { name: 'redis', run: () => connection.quit() },
    ],
  });

  await fallbackWorker.worker.waitUntilReady();
  logger.info(
    {
      api: config.genesys.hosts.apiBaseUrl,
      clientId: config.genesys.clientId,
      concurrency: config.concurrency,
      strategy: config.genesys.strategy,
      prefix: config.queuePrefix,
    },
    'worker ready',
  );
});
