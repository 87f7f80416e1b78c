import { afterEach, describe, expect, it } from 'vitest';
import { SEED } from '@fallback/genesys-sim';
import { failure, startContract, type Contract } from '../test/contract.js';

let ctx: Contract | undefined;
afterEach(async () => {
  await ctx?.close();
  ctx = undefined;
});

const SECOND = { id: 'second-client', secret: 'second-secret' };
const clients = { [SEED.clientId]: SEED.clientSecret, [SECOND.id]: SECOND.secret };

/** A raw API read with a given bearer token: a client that ignores Retry-After, to prove the counter counts. */
async function rawRead(c: Contract, token: string, cid: string) {
  const res = await fetch(`${c.url}/api/v2/conversations/${cid}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
}

describe('per-token rate limit', () => {
  it('admits the limit per minute, then 429 with Retry-After until the oldest request leaves the window', async () => {
    ctx = await startContract({ sim: { rateLimitPerMinute: 3 } });
    const cid = ctx.sim.createConversation().id;
    for (let i = 0; i < 3; i += 1) {
      await ctx.client.getConversation(cid);
      ctx.clock.advance(10_000);
    }
    // t = 30 s: the first request (t = 0) leaves the window at 60 s.
    const err = await failure(ctx.client.getConversation(cid));
    expect(err).toMatchObject({ kind: 'rate-limited', status: 429, retryAfterMs: 30_000 });
    ctx.clock.advance(30_000);
    await expect(ctx.client.getConversation(cid)).resolves.toMatchObject({ id: cid });
    expect(ctx.sim.stats()).toMatchObject({ rateLimited: 1, earlyRequests: 0 });
  });

  it('counts each token separately', async () => {
    ctx = await startContract({ sim: { rateLimitPerMinute: 2, clients } });
    const cid = ctx.sim.createConversation().id;
    const other = ctx.newClient({ clientId: SECOND.id, clientSecret: SECOND.secret }).client;
    await ctx.client.getConversation(cid);
    await ctx.client.getConversation(cid);
    await other.getConversation(cid);
    await other.getConversation(cid);
    expect(await failure(ctx.client.getConversation(cid))).toMatchObject({ kind: 'rate-limited' });
    expect(await failure(other.getConversation(cid))).toMatchObject({ kind: 'rate-limited' });
    const byToken = new Map<string, number[]>();
    for (const r of ctx.sim.requests({ endpoint: 'conversations/read' })) byToken.set(r.tokenId!, [...(byToken.get(r.tokenId!) ?? []), r.status]);
    expect([...byToken.values()]).toEqual([
      [200, 200, 429],
      [200, 200, 429],
    ]);
  });

  it('is configurable at run time (0 disables it)', async () => {
    ctx = await startContract({ sim: { rateLimitPerMinute: 1 } });
    const cid = ctx.sim.createConversation().id;
    await ctx.client.getConversation(cid);
    ctx.sim.configure({ rateLimitPerMinute: 0 });
    for (let i = 0; i < 5; i += 1) await ctx.client.getConversation(cid);
    expect(ctx.sim.stats().rateLimited).toBe(0);
  });
});

describe('org-wide rate limit', () => {
  it('caps all tokens together', async () => {
    ctx = await startContract({ sim: { rateLimitPerMinute: 0, orgRateLimitPerMinute: 3, clients } });
    const cid = ctx.sim.createConversation().id;
    const other = ctx.newClient({ clientId: SECOND.id, clientSecret: SECOND.secret }).client;
    await ctx.client.getConversation(cid);
    await other.getConversation(cid);
    await ctx.client.getConversation(cid);
    const err = await failure(other.getConversation(cid));
    expect(err).toMatchObject({ kind: 'rate-limited', retryAfterMs: 60_000 });
    expect(ctx.sim.stats()).toMatchObject({ rateLimited: 1, byStatus: { 200: 5, 429: 1 } }); // 5 = 3 reads + 2 tokens
  });

  it('a request refused by the org limit takes no per-token slot', async () => {
    ctx = await startContract({ sim: { rateLimitPerMinute: 2, orgRateLimitPerMinute: 1 } });
    const cid = ctx.sim.createConversation().id;
    await ctx.client.getConversation(cid);
    await failure(ctx.client.getConversation(cid)); // org-limited at t = 0, told 60 s
    ctx.clock.advance(60_000);
    await expect(ctx.client.getConversation(cid)).resolves.toBeDefined(); // per-token window: only t = 0 counted
  });
});

describe('earlyRequests', () => {
  it('counts requests from a token before the Retry-After it was last given elapsed, and only those', async () => {
    ctx = await startContract({ sim: { rateLimitPerMinute: 1, clients } });
    const cid = ctx.sim.createConversation().id;
    const token = await ctx.tokens.getToken();
    const otherToken = await ctx.newClient({ clientId: SECOND.id, clientSecret: SECOND.secret }).tokens.getToken();

    expect((await rawRead(ctx, token, cid)).status).toBe(200);
    const limited = await rawRead(ctx, token, cid);
    expect(limited).toMatchObject({ status: 429, retryAfter: '60' });
    expect(ctx.sim.stats().earlyRequests).toBe(0); // the request that earned the 429 was not early

    ctx.clock.advance(59_999);
    const early = await rawRead(ctx, token, cid);
    expect(early).toMatchObject({ status: 429, retryAfter: '1' }); // told again: what is left, rounded up
    expect(ctx.sim.stats().earlyRequests).toBe(1);
    expect((await rawRead(ctx, otherToken, cid)).status).toBe(200); // another token is not early

    ctx.clock.advance(1_000); // the last Retry-After (1 s, given at 59.999 s) has elapsed
    expect((await rawRead(ctx, token, cid)).status).toBe(200);
    expect(ctx.sim.stats().earlyRequests).toBe(1);
    expect(ctx.sim.requests({ endpoint: 'conversations/read' }).map((r) => r.early)).toEqual([false, false, true, false, false]);
  });

  it('a storm fault sets the Retry-After too: the real client waits it out and is never early', async () => {
    ctx = await startContract({ sim: { faults: [{ endpoint: 'any', action: { type: 'status', status: 429, retryAfterSec: 4 }, durationMs: 10_000 }] } });
    const cid = ctx.sim.createConversation().id;
    const kinds: string[] = [];
    for (let step = 0; step < 14; step += 1) {
      const outcome = await ctx.client.getConversation(cid).then(
        () => 'ok',
        (err: { code?: string }) => err.code ?? 'error',
      );
      kinds.push(outcome);
      ctx.clock.advance(1_000);
    }
    // 429 at t=0, 4, 8 (storm until 10 s); the client refuses locally in between; first success at t=12.
    expect(kinds.slice(0, 13)).toEqual([
      'too.many.requests.retry.after', 'retry.after.pending', 'retry.after.pending', 'retry.after.pending',
      'too.many.requests.retry.after', 'retry.after.pending', 'retry.after.pending', 'retry.after.pending',
      'too.many.requests.retry.after', 'retry.after.pending', 'retry.after.pending', 'retry.after.pending',
      'ok',
    ]);
    expect(ctx.sim.stats()).toMatchObject({ earlyRequests: 0, rateLimited: 3 });
  });
});
