import { afterEach, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { ClientCredentialsTokenProvider, GenesysClient, createHttp, isGenesysApiError } from '@fallback/genesys';
import { SEED, createSimulator, type Simulator } from '@fallback/genesys-sim';
import { RedisPacer } from '@fallback/queue';
import { deleteByPrefix, uniquePrefix, waitFor } from '@fallback/testing';
import { PacedGenesys } from './paced-genesys.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** One "process": its own Redis connections, pacer, block subscription and Genesys client on the simulator. */
async function process_(sim: Simulator, simUrl: string, prefix: string, requestsPerMinute: number) {
  const redis = new Redis(inject('redisUrl'));
  const subscriber = redis.duplicate();
  const http = createHttp();
  const tokens = new ClientCredentialsTokenProvider({ http, loginBaseUrl: simUrl, clientId: SEED.clientId, clientSecret: SEED.clientSecret, timeoutMs: 2000 });
  const client = new GenesysClient({ apiBaseUrl: simUrl, tokens, http, timeoutMs: 2000 });
  const pacer = new RedisPacer(redis, prefix, { requestsPerMinute, burst: 1 });
  const genesys = new PacedGenesys({
    clients: [{ clientId: SEED.clientId, client }],
    pacer,
    blocksWatched: !pacer.paced,
    defaultMaxWaitMs: 10_000,
    requestTimeoutMs: 2000,
  });
  const stop = pacer.paced ? undefined : await pacer.watchBlocks(subscriber, [SEED.clientId], (id, ms) => genesys.noteBlock(id, ms));
  cleanup.push(async () => {
    stop?.();
    await deleteByPrefix(redis, prefix);
    await Promise.all([redis.quit(), subscriber.quit()]);
  });
  return genesys;
}

describe('PacedGenesys without a budget', () => {
  it('learns a 429 recorded by another process by pub/sub and sends nothing until its Retry-After has run out', async () => {
    const sim = createSimulator({ rateLimitPerMinute: 0 });
    const simUrl = await sim.listen(0);
    cleanup.push(() => sim.close());
    const prefix = uniquePrefix('watch');
    const [a, b] = [await process_(sim, simUrl, prefix, 0), await process_(sim, simUrl, prefix, 0)];
    const conv = sim.createConversation();
    await b.getConversation(conv.id); // b is warm (token fetched)
    sim.installFaults([{ endpoint: 'read', action: { type: 'status', status: 429, retryAfterSec: 2 }, count: 1 }]);
    const refusedByGenesys = await a.getConversation(conv.id).catch((e) => e);
    expect(isGenesysApiError(refusedByGenesys) && refusedByGenesys.status).toBe(429);
    // The message takes a moment to arrive; once b has heard of it, b refuses locally: no request to Genesys.
    const refusedLocally = await waitFor(async () => {
      const err = await b.getConversation(conv.id).then(() => undefined, (e) => e);
      return err && isGenesysApiError(err) && err.code === 'client.pacing' ? err : undefined;
    }, { timeoutMs: 1000, intervalMs: 5, what: 'b to learn of the block' });
    expect(refusedLocally.retryAfterMs).toBeGreaterThan(1500);
    const before = sim.requests().length;
    for (let i = 0; i < 5; i += 1) await expect(b.getConversation(conv.id)).rejects.toMatchObject({ code: 'client.pacing' });
    expect(sim.requests().length).toBe(before);
    expect(sim.stats().earlyRequests).toBe(0);
  });
});
