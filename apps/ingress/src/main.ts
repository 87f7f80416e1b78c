import { readFileSync } from 'node:fs';
import { BreakerCounter, BreakerStore, breakerGauges } from '@fallback/breaker';
import { ConfigError, loadIngressConfig, type IngressConfig } from '@fallback/config';
import type { FallbackJobData, FallbackResult } from '@fallback/core';
import { RoutesFileError, parseRoutesFile, policyFromEnv, strategyProblems, type IngressPolicy, type PolicyDefaults } from '@fallback/ingress-core';
import { assertReady, createLogger, installShutdown, readinessProbe, runMain } from '@fallback/observability';
import { FallbackProducer, FallbackWaiter, openQueueEvents, assertRedisReachable, checkRedisDurability, createRedis, openFallbackQueue, redactRedisUrl, waitUntilReady } from '@fallback/queue';
import { buildApp } from './app.js';
import { registerAdmin } from './admin.js';
import { registerDocsUi } from './docs-ui.js';
import { registerBreakerAdmin } from './breaker-admin.js';
import { registerMetrics } from './metrics.js';

/**
 * Sources and routes: ROUTES_FILE when set, else the quick start's environment (API keys + DEFAULT_QUEUE_ID).
 * Every target must be reachable with the workers' TRANSFER_STRATEGY: the worker never sees the routes, so a
 * target it cannot express would fail each job routed there, after the sender was told 202.
 */
function loadPolicy(config: IngressConfig, env: NodeJS.ProcessEnv): IngressPolicy {
  const policy = readPolicy(config, env);
  const problems = strategyProblems(policy, config.transferStrategy);
  if (problems.length) throw new ConfigError(problems);
  return policy;
}

function readPolicy(config: IngressConfig, env: NodeJS.ProcessEnv): IngressPolicy {
  const defaults: PolicyDefaults = {
    apiKeys: config.apiKeys,
    webhookSecrets: config.webhookSecrets,
    ...(config.routing.defaultQueueId ? { defaultQueueId: config.routing.defaultQueueId } : {}),
    ...(config.routing.referTo ? { referTo: config.routing.referTo } : {}),
    ...(config.rateLimit.max > 0 ? { rateLimit: config.rateLimit } : {}),
    breaker: config.breaker,
  };
  try {
    if (!config.routesFile) return policyFromEnv(defaults);
    let text: string;
    try {
      text = readFileSync(config.routesFile, 'utf8');
    } catch (err) {
      throw new ConfigError([`ROUTES_FILE: cannot read ${config.routesFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
    }
    return parseRoutesFile(text, { fileName: config.routesFile, env, defaults });
  } catch (err) {
    // Printed as one clear message at startup (runMain), each problem naming its rule.
    if (err instanceof RoutesFileError) throw new ConfigError(err.problems.map((p) => `${err.file}: ${p}`));
    throw err;
  }
}

runMain('ingress', async () => {
  const config = loadIngressConfig(process.env);
  const logger = createLogger({ name: 'ingress', level: config.log.level, pretty: config.log.pretty });
  const policy = loadPolicy(config, process.env);
  for (const warning of policy.warnings) logger.warn(warning);
  await assertRedisReachable(config.redisUrl);

  const redis = createRedis(config.redisUrl, {
    role: 'producer',
    name: 'fallback-ingress',
    onStatus: (s) => (s.status === 'down' ? logger.error(s, 'Redis connection lost; answering 503 until it is back') : logger.info(s, 'Redis connection restored')),
  });
  await waitUntilReady(redis);
  await checkRedisDurability(redis, { requireDurable: config.redisRequireDurable, warn: (line) => logger.warn({ redis: redactRedisUrl(config.redisUrl) }, line) });
  const queue = openFallbackQueue<FallbackJobData, FallbackResult>(redis, config.queuePrefix);
  const producer = new FallbackProducer({
    queue,
    redis,
    prefix: config.queuePrefix,
    policy: config.jobPolicy,
    dedupeTtlSec: config.dedupeTtlSec,
  });
  // One QueueEvents per process, opened by the first `?wait=` (its XREAD needs a connection of its own).
  const waiter = new FallbackWaiter(queue, () =>
    openQueueEvents(config.redisUrl, config.queuePrefix, 'fallback-ingress-events', (err) => logger.debug({ err: err.message }, 'queue events error')),
  );
  // Outage breakers: this process counts failures; the workers decide and flip (they read the same configuration).
  const breakers = policy.breakers ?? [];
  const breakerStore = new BreakerStore(redis, config.queuePrefix);
  await breakerStore.register(breakers);
  const app = await buildApp({
    config,
    policy,
    producer,
    queue,
    redis,
    waiter,
    logger,
    ready: () => assertReady(readinessProbe({ redis: () => redis.ping() })),
    ...(breakers.length > 0 ? { breakers: new BreakerCounter(breakerStore, breakers, (err) => logger.debug({ err: err.message }, 'a failure could not be counted toward the breakers')) } : {}),
  });
  await registerMetrics(app, { queue, redis, ...(breakers.length > 0 ? { breakers: breakerGauges(breakerStore, breakers) } : {}) });
  await registerAdmin(app, { queue, redis, admin: config.admin });
  if (config.docsUi) await registerDocsUi(app);
  if (breakers.length > 0 && config.admin.password) await registerBreakerAdmin(app, { store: breakerStore, specs: breakers, admin: config.admin });
  else if (breakers.length > 0) logger.warn('outage breakers are on but ADMIN_PASSWORD is unset: GET/POST /admin/breaker are off (fallbackctl breaker still shows them)');

  installShutdown({
    logger,
    timeoutMs: 10_000,
    context: () => ({ port: config.port, queuePrefix: config.queuePrefix }),
    steps: () => [
      // Fastify answers 503 to new requests while in-flight ones (including ?wait ones, ≤ 8 s) finish.
      { name: 'http', run: () => app.close() },
      { name: 'queue-events', run: () => waiter.close() },
      { name: 'queue', run: () => queue.close() },
      { name: 'redis', run: () => redis.quit() },
    ],
  });

  await app.listen({ host: config.host, port: config.port });
  logger.info(
    {
      host: config.host,
      port: config.port,
      prefix: config.queuePrefix,
      sources: policy.sources.map((s) => ({ name: s.name, keyCount: s.apiKeys.length, secretCount: s.webhookSecrets.length, rateLimit: s.rateLimit ?? 'off' })),
      rules: policy.routing.rules.map((r) => r.name),
      default: policy.defaultFrom,
      breakers: breakers.map((b) => b.name),
    },
    'ingress listening',
  );
});
