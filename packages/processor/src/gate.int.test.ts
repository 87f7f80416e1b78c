import { afterEach, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { ClientCredentialsTokenProvider, GenesysClient, createHttp, isGenesysApiError, type RequestContext } from '@fallback/genesys';
import { SEED, createSimulator, type Simulator } from '@fallback/genesys-sim';
import { RedisPacer } from '@fallback/queue';
import { deleteByPrefix, uniquePrefix, waitFor } from '@fallback/testing';
import { PacerGate } from './gate.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const high: RequestContext = { priority: 'high', maxWaitMs: 10_000 };
const low: RequestContext = { priority: 'low', maxWaitMs: 10_000 };

async function simulator(opts: Parameters<typeof createSimulator>[0] = {}): Promise<{ sim: Simulator; url: string }> {
  const sim = createSimulator({ rateLimitPerMinute: 0, ...opts });
  const url = await sim.listen(0);
  cleanup.push(() => sim.close());
  return { sim, url };
}

/** One "process": its own Redis connections, pacer, gate and Genesys client on the simulator. */
async function worker(url: string, prefix: string, budget: number, windowMs = 60_000) {
  const redis = new Redis(inject('redisUrl'));
  const subscriber = redis.duplicate();
  const http = createHttp();
  const tokens = new ClientCredentialsTokenProvider({ http, loginBaseUrl: url, clientId: SEED.clientId, clientSecret: SEED.clientSecret, timeoutMs: 2000 });
  const pacer = new RedisPacer(redis, prefix, { budget, windowMs });
  let early = 0;
  const gate = new PacerGate({ pacer, clientIds: [SEED.clientId], holdMs: 5000, blocksWatched: !pacer.paced, onEarlyRequest: () => (early += 1) });
  const client = new GenesysClient({ apiBaseUrl: url, credentials: [{ clientId: SEED.clientId, tokens }], http, timeoutMs: 2000, gate });
  const stop = pacer.paced ? undefined : await pacer.watchBlocks(subscriber, [SEED.clientId], (id, ms) => gate.noteBlock(id, ms));
  cleanup.push(async () => {
    stop?.();
    await deleteByPrefix(redis, prefix);
    await Promise.all([redis.quit(), subscriber.quit()]);
  });
  return { client, gate, pacer, early: () => early };
}

/** Most API requests the simulator saw in any `windowMs` (arrival times). */
function peak(sim: Simulator, windowMs: number): number {
  const at = sim
    .requests()
    .filter((r) => r.endpoint !== 'oauth/token')
    .map((r) => r.at)
    .sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < at.length; i += 1) {
    while (at[i]! - at[j]! >= windowMs) j += 1;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('PacerGate with a budget (two worker processes on one OAuth client)', () => {
  it('spends the budget at once, never more than it in any window, one request of the client at a time', async () => {
    const { sim, url } = await simulator();
    const prefix = uniquePrefix('gate-budget');
    const a = await worker(url, prefix, 8, 1500);
    const b = await worker(url, prefix, 8, 1500);
    const conv = sim.createConversation();
    const started = Date.now();
    const results = await Promise.allSettled([...Array.from({ length: 12 }, () => a.client.getConversation(conv.id, high)), ...Array.from({ length: 12 }, () => b.client.getConversation(conv.id, high))]);
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    // The first eight go at once (a quiet client spends its budget), the rest wait for the window to slide.
    expect(ok).toBe(24);
    expect(Date.now() - started).toBeGreaterThan(1400);
    expect(peak(sim, 1500)).toBeLessThanOrEqual(8);
    expect(sim.stats()).toMatchObject({ earlyRequests: 0, rateLimited: 0 });
  });

  it('a 429 during a burst blocks the client for every process: nothing arrives before its Retry-After', async () => {
    const { sim, url } = await simulator();
    const prefix = uniquePrefix('gate-429');
    const a = await worker(url, prefix, 1000);
    const b = await worker(url, prefix, 1000);
    const conv = sim.createConversation();
    await Promise.all([a.client.getConversation(conv.id, high), b.client.getConversation(conv.id, high)]); // tokens fetched
    sim.installFaults([{ endpoint: 'read', action: { type: 'status', status: 429, retryAfterSec: 1 }, skip: 5, count: 1 }]);
    const results = await Promise.allSettled([...Array.from({ length: 20 }, () => a.client.getConversation(conv.id, high)), ...Array.from({ length: 20 }, () => b.client.getConversation(conv.id, high))]);
    const refusals = results.flatMap((r) => (r.status === 'rejected' && isGenesysApiError(r.reason) ? [r.reason] : []));
    expect(refusals.filter((e) => e.status === 429)).toHaveLength(1);
    // Requests queued behind the 429 waited out the Retry-After (1 s fits their 10 s) and then went through.
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(39);
    expect(sim.stats()).toMatchObject({ earlyRequests: 0, rateLimited: 1 });
    expect(a.early() + b.early()).toBe(0);
  });

  it('a caller who cannot wait for the end of a Retry-After is told at once, without a request', async () => {
    const { sim, url } = await simulator();
    const a = await worker(url, uniquePrefix('gate-wait'), 1000);
    const conv = sim.createConversation();
    await a.client.getConversation(conv.id, high);
    await a.pacer.block(SEED.clientId, 5000);
    const before = sim.requests().length;
    const err = await a.client.getConversation(conv.id, { priority: 'high', maxWaitMs: 500 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'rate-limited', status: 0, code: 'client.blocked' });
    expect(isGenesysApiError(err) && err.retryAfterMs).toBeGreaterThan(4000);
    expect(sim.requests().length).toBe(before);
  });

  it('puts a caller\'s request before a confirmation waiting for the same client', async () => {
    const { sim, url } = await simulator({ latencyMs: 30 });
    const a = await worker(url, uniquePrefix('gate-prio'), 1000);
    const conv = sim.createConversation();
    await a.client.getConversation(conv.id, high);
    const order: string[] = [];
    const busy = a.client.getConversation(conv.id, high); // holds the client (30 ms)
    const confirmation = a.client.getConversation(conv.id, low).then(() => order.push('low'));
    const caller = a.client.getConversation(conv.id, high).then(() => order.push('high'));
    await Promise.all([busy, confirmation, caller]);
    expect(order).toEqual(['high', 'low']);
  });

  it('defers a confirmation while callers compete for a budget half spent', async () => {
    const { sim, url } = await simulator();
    const a = await worker(url, uniquePrefix('gate-defer'), 4);
    const conv = sim.createConversation();
    for (let i = 0; i < 2; i += 1) await a.client.getConversation(conv.id, high);
    expect(a.gate.pressure()).toBe(true);
    const err = await a.client.getConversation(conv.id, low).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'rate-limited', status: 0, code: 'client.deferred' });
  });

  it('a 401 retry takes a slot of its own from the budget', async () => {
    const { sim, url } = await simulator();
    const a = await worker(url, uniquePrefix('gate-401'), 1000);
    const conv = sim.createConversation();
    await a.client.getConversation(conv.id, high);
    sim.revokeTokens();
    await a.client.getConversation(conv.id, high);
    const api = sim.requests().filter((r) => r.endpoint !== 'oauth/token');
    expect(api.map((r) => r.status)).toEqual([200, 401, 200]);
    expect(await a.pacer.usage([SEED.clientId])).toEqual([3]);
  });
});

describe('PacerGate without a budget', () => {
  it('learns a 429 recorded by another process by pub/sub and sends nothing until its Retry-After has run out', async () => {
    const { sim, url } = await simulator();
    const prefix = uniquePrefix('gate-watch');
    const [a, b] = [await worker(url, prefix, 0), await worker(url, prefix, 0)];
    const conv = sim.createConversation();
    await b.client.getConversation(conv.id, high); // b is warm (token fetched)
    sim.installFaults([{ endpoint: 'read', action: { type: 'status', status: 429, retryAfterSec: 2 }, count: 1 }]);
    const refusedByGenesys = await a.client.getConversation(conv.id, high).catch((e: unknown) => e);
    expect(isGenesysApiError(refusedByGenesys) && refusedByGenesys.status).toBe(429);
    // The message takes a moment to arrive; once b has heard of it, b refuses locally: no request to Genesys.
    const refusedLocally = await waitFor(
      async () => {
        const err = await b.client.getConversation(conv.id, high).then(
          () => undefined,
          (e: unknown) => e,
        );
        return err && isGenesysApiError(err) && err.code === 'client.blocked' ? err : undefined;
      },
      { timeoutMs: 1000, intervalMs: 5, what: 'b to learn of the block' },
    );
    expect(refusedLocally.retryAfterMs).toBeGreaterThan(1500);
    const before = sim.requests().length;
    for (let i = 0; i < 5; i += 1) await expect(b.client.getConversation(conv.id, high)).rejects.toMatchObject({ code: 'client.blocked' });
    expect(sim.requests().length).toBe(before);
    expect(sim.stats().earlyRequests).toBe(0);
  });
});
