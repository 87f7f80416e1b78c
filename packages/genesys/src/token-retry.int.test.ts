import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttp } from './http.js';
import { failure, FALLBACK_QUEUE, startContract, type Contract } from '../test/contract.js';
import { ClientCredentialsTokenProvider, TOKEN_RETRIES, tokenRetryDelayMs } from './token.js';

/**
 * axios-retry on the OAuth token request only (issue 15): a few short retries on network errors, 5xx and 429
 * (honouring Retry-After), all within one request timeout; never on API calls. Against the simulator's ledger.
 */
let ctx: Contract | undefined;
let server: net.Server | undefined;
afterEach(async () => {
  await ctx?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  ctx = undefined;
  server = undefined;
});

const tokenRequests = (c: Contract) => c.sim.requests({ endpoint: 'oauth/token' });

describe('token request retries', () => {
  it('delays 100, 200, 400 ms (+ ≤ 20 % jitter), or the Retry-After when longer', () => {
    expect([1, 2, 3].map((n) => tokenRetryDelayMs(n, 0, () => 0))).toEqual([100, 200, 400]);
    expect(tokenRetryDelayMs(3, 0, () => 1)).toBeCloseTo(480);
    expect(tokenRetryDelayMs(1, 1500, () => 1)).toBe(1500);
  });

  it.each([500, 502, 503, 504])('a passing %i is retried: the caller gets a token and never sees the error', async (status) => {
    ctx = await startContract({ sim: { faults: [{ endpoint: 'token', action: { type: 'status', status }, count: 2 }] } });
    await expect(ctx.tokens.getToken()).resolves.toEqual(expect.any(String));
    expect(tokenRequests(ctx).map((r) => r.status)).toEqual([status, status, 200]);
  });

  it('gives up after 1 + 3 tries on a lasting 5xx, within the request timeout', async () => {
    ctx = await startContract({ timeoutMs: 3000, sim: { faults: [{ endpoint: 'token', action: { type: 'status', status: 503 } }] } });
    const started = Date.now();
    const err = await failure(ctx.tokens.getToken());
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err).toMatchObject({ kind: 'transient', status: 503, request: { path: '/oauth/token' } });
    expect(tokenRequests(ctx)).toHaveLength(1 + TOKEN_RETRIES);
  });

  it('a 429 is retried no earlier than its Retry-After; one longer than the budget is not retried at all', async () => {
    ctx = await startContract({ timeoutMs: 3000, fakeClock: false, sim: { faults: [{ endpoint: 'token', action: { type: 'status', status: 429, retryAfterSec: 1 }, count: 1 }] } });
    await expect(ctx.tokens.getToken()).resolves.toEqual(expect.any(String));
    const [refused, granted] = tokenRequests(ctx);
    expect([refused!.status, granted!.status]).toEqual([429, 200]);
    expect(granted!.at - refused!.at).toBeGreaterThanOrEqual(1000);
    await ctx.close();

    ctx = await startContract({ timeoutMs: 3000, sim: { faults: [{ endpoint: 'token', action: { type: 'status', status: 429, retryAfterSec: 5 }, count: 1 }] } });
    const err = await failure(ctx.tokens.getToken());
    expect(err).toMatchObject({ kind: 'rate-limited', status: 429, retryAfterMs: 5000 });
    expect(tokenRequests(ctx)).toHaveLength(1);
  });

  it('credentials refused (401) and a token endpoint that never answers are not retried', async () => {
    ctx = await startContract({ clientSecret: 'wrong-secret-value' });
    expect(await failure(ctx.tokens.getToken())).toMatchObject({ kind: 'auth', status: 401 });
    expect(tokenRequests(ctx)).toHaveLength(1);
    await ctx.close();

    ctx = await startContract({ timeoutMs: 300, sim: { faults: [{ endpoint: 'token', action: { type: 'timeout' }, count: 1 }] } });
    expect(await failure(ctx.tokens.getToken())).toMatchObject({ kind: 'transient', status: 0, code: 'ETIMEDOUT' });
    expect(tokenRequests(ctx)).toHaveLength(1);
  });

  it('connections reset by the login host are retried three times, then reported', async () => {
    let connections = 0;
    server = net.createServer((socket) => {
      connections += 1;
      socket.resetAndDestroy();
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const tokens = new ClientCredentialsTokenProvider({ http: createHttp(), loginBaseUrl: `http://127.0.0.1:${port}`, clientId: 'c', clientSecret: 's', timeoutMs: 3000 });
    expect(await failure(tokens.getToken())).toMatchObject({ kind: 'transient', status: 0, code: 'ECONNRESET' });
    expect(connections).toBe(1 + TOKEN_RETRIES);
  });

  it('API calls are never retried by it: one 503 read and one 503 transfer POST are each sent once', async () => {
    ctx = await startContract({
      sim: {
        faults: [
          { endpoint: 'read', action: { type: 'status', status: 503 }, count: 1 },
          { endpoint: 'transfer', action: { type: 'status', status: 503 }, count: 1 },
        ],
      },
    });
    const conv = ctx.sim.createConversation();
    expect(await failure(ctx.client.getConversation(conv.id))).toMatchObject({ kind: 'transient', status: 503 });
    const bot = conv.participants.find((p) => p.purpose !== 'customer')!;
    expect(await failure(ctx.client.transfer(conv.id, bot.id, FALLBACK_QUEUE, 'replace'))).toMatchObject({ status: 503 });
    expect(ctx.sim.requests({ endpoint: 'conversations/read' })).toHaveLength(1);
    expect(ctx.sim.requests().filter((r) => r.method === 'POST' && r.endpoint !== 'oauth/token')).toHaveLength(1);
  });
});
