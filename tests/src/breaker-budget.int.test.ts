/**
 * The breaker's Genesys requests go through the worker's own GenesysClient and gate (buildGenesys, as main.ts
 * wires it): they take slots from the same request budget as the transfers and honour the same Retry-After.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { BreakerStore } from '@fallback/breaker';
import { loadWorkerConfig } from '@fallback/config';
import { SEED, createSimulator, type Simulator } from '@fallback/genesys-sim';
import { createLogger } from '@fallback/observability';
import { createRedis } from '@fallback/queue';
import { deleteByPrefix, uniquePrefix, waitFor } from '@fallback/testing';
import { buildGenesys, loadBreakers, startBreakerEvaluator } from '@fallback/worker';

const G = SEED.emergencyGroup.id;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function start(sim: Simulator, env: Record<string, string>) {
  const url = await sim.listen(0);
  const prefix = uniquePrefix('breaker-budget');
  const config = loadWorkerConfig({
    REDIS_URL: inject('redisUrl'),
    QUEUE_PREFIX: prefix,
    GENESYS_API_URL: url,
    GENESYS_LOGIN_URL: url,
    GENESYS_CLIENT_ID: SEED.clientId,
    GENESYS_CLIENT_SECRET: SEED.clientSecret,
    ANALYTICS_READS: 'off',
    BREAKER_EMERGENCY_GROUP_ID: G,
    BREAKER_THRESHOLD: '3',
    BREAKER_RECOVER_SECONDS: '600',
    ...env,
  });
  const connection = createRedis(config.redisUrl, { role: 'worker', name: 'breaker-budget' });
  const logger = createLogger({ name: 'worker', level: 'silent' });
  const genesys = await buildGenesys(config, connection, logger);
  const specs = loadBreakers(config);
  const evaluator = await startBreakerEvaluator({ specs, connection, queuePrefix: prefix, switches: genesys.client, logger });
  const store = new BreakerStore(connection, prefix);
  cleanup = async () => {
    await evaluator?.stop();
    await genesys.close();
    await sim.close();
    await deleteByPrefix(connection, prefix);
    await connection.quit();
  };
  return { genesys, burst: async () => { for (let i = 0; i < 3; i += 1) await store.count(specs); } };
}

const firstGroupRequest = (sim: Simulator) => sim.requests().find((r) => r.endpoint.startsWith('emergencygroups/'));

describe('the breaker spends the workers\' request budget', () => {
  it('a trip waits for a slot when the transfers spent the budget', async () => {
    const sim = createSimulator({ rateLimitPerMinute: 0 });
    const { genesys, burst } = await start(sim, { GENESYS_REQUESTS_PER_MINUTE: '4', GENESYS_BUDGET_WINDOW_SECONDS: '3' });
    const conv = sim.createConversation();
    // Four reads, as jobs would send them: the client's whole budget for the next 3 s.
    for (let i = 0; i < 4; i += 1) await genesys.client.getConversation(conv.id, { priority: 'high', maxWaitMs: 5000 });
    const spentBy = sim.requests().filter((r) => r.endpoint === 'conversations/read').at(-1)!.at;
    await burst();
    await waitFor(() => sim.flips().length === 1, { timeoutMs: 15_000, what: 'the trip' });
    const first = sim.requests().filter((r) => r.endpoint === 'conversations/read')[0]!.at;
    // The group's read left only once the first read had left the 3 s window.
    expect(firstGroupRequest(sim)!.at - first).toBeGreaterThanOrEqual(3000);
    expect(firstGroupRequest(sim)!.at).toBeGreaterThan(spentBy);
    expect(sim.stats().earlyRequests).toBe(0);
  });

  it('a trip never goes out before a Retry-After a transfer was given', async () => {
    const sim = createSimulator({ rateLimitPerMinute: 0, faults: [{ endpoint: 'read', action: { type: 'status', status: 429, retryAfterSec: 2 }, count: 1 }] });
    const { genesys, burst } = await start(sim, {});
    const conv = sim.createConversation();
    await expect(genesys.client.getConversation(conv.id, { priority: 'high', maxWaitMs: 100 })).rejects.toMatchObject({ kind: 'rate-limited' });
    const limitedAt = sim.requests().find((r) => r.status === 429)!.at;
    await burst();
    await waitFor(() => sim.flips().length === 1, { timeoutMs: 15_000, what: 'the trip' });
    expect(firstGroupRequest(sim)!.at - limitedAt).toBeGreaterThanOrEqual(2000);
    expect(sim.stats().earlyRequests).toBe(0);
    expect(sim.flips()).toHaveLength(1);
  });
});
