import { loadSimConfig } from '@fallback/config';
import { SEED, createSimulator, type FaultRule } from '@fallback/genesys-sim';
import { createLogger, installShutdown, runMain } from '@fallback/observability';

runMain('genesys-sim', async () => {
  const config = loadSimConfig(process.env);
  const logger = createLogger({ name: 'genesys-sim', level: config.log.level, pretty: config.log.pretty });
  // createSimulator validates SIM_FAULTS rule by rule and throws naming the bad field (rules[i].action.status …).
  const sim = createSimulator({
    rateLimitPerMinute: config.rateLimitPerMinute,
    orgRateLimitPerMinute: config.orgRateLimitPerMinute,
    transferDelayMs: config.transferDelayMs,
    tokenTtlSec: config.tokenTtlSec,
    latencyMs: config.latencyMs,
    hangupAfterMs: config.hangupAfterMs,
    requestLedgerLimit: config.requestLedgerLimit,
    clients: { [config.clientId]: config.clientSecret },
    seed: config.seed,
    faults: config.faults as FaultRule[],
  });
  const seeded = Array.from({ length: config.seedConversations }, () => sim.createConversation());
  installShutdown({ logger, timeoutMs: 5000, steps: () => [{ name: 'http', run: () => sim.close() }] });
  const url = await sim.listen(config.port, config.host);
  logger.info(
    {
      url,
      fallbackQueueId: SEED.fallbackQueue.id,
      emergencyGroupId: SEED.emergencyGroup.id,
      datatable: { id: SEED.datatable.id, rowId: SEED.datatable.rowId },
      clientId: config.clientId,
      rateLimitPerMinute: config.rateLimitPerMinute,
      hangupAfterMs: config.hangupAfterMs,
      faults: config.faults.length,
      seededConversations: seeded.map((c) => c.id),
    },
    'Genesys Cloud SIMULATOR listening (not a real Genesys org)',
  );
});
