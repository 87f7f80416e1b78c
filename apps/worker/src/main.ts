import { loadWorkerConfig } from '@fallback/config';
import { createLogger, installShutdown, runMain } from '@fallback/observability';
import { assertRedisReachable, checkRedisDurability, createRedis, redactRedisUrl } from '@fallback/queue';
import { BreakerStore, breakerGauges } from '@fallback/breaker';
import { loadBreakers, startBreakerEvaluator } from './breaker.js';
import { buildGenesys } from './genesys.js';
import { createFallbackWorker } from './worker.js';
import { createWorkerInstruments, genesysHooks, startWorkerOps } from './instrument.js';

runMain('worker', async () => {
  const config = loadWorkerConfig(process.env);
  const breakers = loadBreakers(config);
  const logger = createLogger({ name: 'worker', level: config.log.level, pretty: config.log.pretty });
  await assertRedisReachable(config.redisUrl);

  const connection = createRedis(config.redisUrl, {
    role: 'worker',
    name: 'fallback-worker',
    onStatus: (s) => (s.status === 'down' ? logger.error(s, 'Redis connection lost; waiting for it') : logger.info(s, 'Redis connection restored')),
  });
  await checkRedisDurability(connection, { requireDurable: config.redisRequireDurable, warn: (line) => logger.warn({ redis: redactRedisUrl(config.redisUrl) }, line) });
  const instruments = createWorkerInstruments();
  const genesys = await buildGenesys(config, connection, logger, genesysHooks(instruments.metrics));
  const fallbackWorker = createFallbackWorker({
    config,
    connection,
    genesys: genesys.client,
    reader: genesys.reader,
    pressure: () => genesys.gate.pressure(),
    onExtra: (kind, outcome) => instruments.metrics.routeExtra(kind, outcome),
    logger,
  });
  const ops = await startWorkerOps({
    instruments,
    worker: fallbackWorker.worker,
    connection,
    queuePrefix: config.queuePrefix,
    http: config.http,
    ...(breakers.length > 0 ? { breakers: breakerGauges(new BreakerStore(connection, config.queuePrefix), breakers) } : {}),
  });
  // The outage breaker: every worker evaluates, the one holding the Redis lease decides and flips.
  const evaluator = await startBreakerEvaluator({
    specs: breakers,
    connection,
    queuePrefix: config.queuePrefix,
    switches: genesys.client,
    logger: logger.child({ component: 'breaker' }),
    onFlip: (report) => instruments.metrics.breakerFlip(report),
  });

  installShutdown({
    logger,
    // The worker's own grace period first, then a margin for closing connections.
    timeoutMs: config.shutdownTimeoutMs + 5000,
    // On a crash line: enough to tell which deployment and settings it was, and that its jobs will be re-run.
    context: () => ({ queuePrefix: config.queuePrefix, concurrency: config.concurrency, lockDurationMs: config.lockDurationMs }),
    steps: () => [
      // First give the breaker lease up, so another worker decides at once while this one drains.
      { name: 'breaker', run: async () => evaluator?.stop() },
      // Stop taking jobs; let active ones finish (their callers are on the line), hand back the rest at the deadline.
      { name: 'worker', run: () => fallbackWorker.close(config.shutdownTimeoutMs) },
      { name: 'ops-http', run: () => ops.close() },
      { name: 'genesys', run: () => genesys.close() },
      { name: 'redis', run: () => connection.quit() },
    ],
  });

  await fallbackWorker.worker.waitUntilReady();
  logger.info(
    {
      api: config.genesys.hosts.apiBaseUrl,
      clients: config.clients.map((c) => c.clientId),
      concurrency: config.concurrency,
      strategy: config.genesys.strategy,
      requestsPerMinute: config.pacing.requestsPerMinute,
      analyticsReads: genesys.reader.usesAnalytics,
      lockDurationMs: config.lockDurationMs,
      prefix: config.queuePrefix,
      opsUrl: ops.server?.url,
      breakers: breakers.map((b) => `${b.name} (${b.switch.kind})`),
    },
    'worker ready',
  );
});
