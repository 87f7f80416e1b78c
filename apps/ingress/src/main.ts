import { loadIngressConfig } from '@fallback/config';
import { defaultQueueRouter, type FallbackJobData, type FallbackResult } from '@fallback/core';
import { assertReady, createLogger, installShutdown, readinessProbe, runMain } from '@fallback/observability';
import { FallbackProducer, assertRedisReachable, createRedis, openFallbackQueue, waitUntilReady } from '@fallback/queue';
import { buildApp } from './app.js';
import { registerAdmin } from './admin.js';
import { registerMetrics } from './metrics.js';

runMain('ingress', async () => {
  const config = loadIngressConfig(process.env);
  const logger = createLogger({ name: 'ingress', level: config.log.level, pretty: config.log.pretty });
  await assertRedisReachable(config.redisUrl);

  const redis = createRedis(config.redisUrl, {
    role: 'producer',
    name: 'fallback-ingress',
    onStatus: (s) => (s.status === 'down' ? logger.error(s, 'Redis connection lost; answering 503 until it is back') : logger.info(s, 'Redis connection restored')),
  });
  const queue = openFallbackQueue<FallbackJobData, FallbackResult>(redis, config.queuePrefix);
  const producer = new FallbackProducer({
    queue,
    redis,
    prefix: config.queuePrefix,
    policy: config.jobPolicy,
    dedupeTtlSec: config.dedupeTtlSec,
  });
  const router = defaultQueueRouter(config.routing.defaultQueueId, config.routing.referTo);
  const app = await buildApp({
    config,
    producer,
    queue,
    router,
    logger,
    ready: () => assertReady(readinessProbe({ redis: () => redis.ping() })),
  });
  await registerMetrics(app, { queue });
  await registerAdmin(app, { queue, admin: config.admin });

  installShutdown({
    logger,
    timeoutMs: 10_000,
    steps: () => [
      // Fastify answers 503 to new requests while in-flight ones finish.
      { name: 'http', run: () => app.close() },
      { name: 'queue', run: () => queue.close() },
      { name: 'redis', run: () => redis.quit() },
    ],
  });

  await waitUntilReady(redis);
  await app.listen({ host: config.host, port: config.port });
  logger.info({ host: config.host, port: config.port, prefix: config.queuePrefix }, 'ingress listening');
});
