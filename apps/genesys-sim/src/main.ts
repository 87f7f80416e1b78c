import { loadSimConfig } from '@fallback/config';
import { SEED, createSimulator } from '@fallback/genesys-sim';
import { createLogger, installShutdown, runMain } from '@fallback/observability';

runMain('genesys-sim', async () => {
  const config = loadSimConfig(process.env);
  const logger = createLogger({ name: 'genesys-sim', level: config.log.level, pretty: config.log.pretty });
  const sim = createSimulator({
    rateLimitPerMinute: config.rateLimitPerMinute,
    orgRateLimitPerMinute: config.orgRateLimitPerMinute,
    transferDelayMs: config.transferDelayMs,
    tokenTtlSec: config.tokenTtlSec,
    latencyMs: config.latencyMs,
    clients: { [config.clientId]: config.clientSecret },
    seed: config.seed,
  });
  const seeded = Array.from({ length: config.seedConversations }, () => sim.createConversation());
  installShutdown({ logger, timeoutMs: 5000, steps: () => [{ name: 'http', run: () => sim.close() }] });
  const url = await sim.listen(config.port, config.host);
  logger.info(
    {
      url,
      fallbackQueueId: SEED.fallbackQueue.id,
      clientId: config.clientId,
      rateLimitPerMinute: config.rateLimitPerMinute,
      seededConversations: seeded.map((c) => c.id),
    },
    'Genesys Cloud SIMULATOR listening (not a real Genesys org)',
  );
});
