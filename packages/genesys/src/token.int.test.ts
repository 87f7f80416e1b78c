import { afterEach, describe, expect, it } from 'vitest';
import { SEED } from '@fallback/genesys-sim';
import { waitFor } from '@fallback/testing';
import { createHttp } from './http.js';
import { failure, startContract, type Contract } from '../test/contract.js';
import { ClientCredentialsTokenProvider } from './token.js';

let ctx: Contract | undefined;
afterEach(async () => {
  await ctx?.close();
  ctx = undefined;
});

const tokenRequests = (c: Contract) => c.sim.requests({ endpoint: 'oauth/token' });

describe('token provider against the simulator', () => {
  it('single-flight: 25 concurrent getToken calls cause one token request and share its token', async () => {
    ctx = await startContract({ sim: { faults: [{ endpoint: 'token', action: { type: 'latency', ms: 50 } }] } });
    const got = await Promise.all(Array.from({ length: 25 }, () => ctx!.tokens.getToken()));
    expect(new Set(got).size).toBe(1);
    expect(tokenRequests(ctx)).toHaveLength(1);
    expect(ctx.sim.stats().tokensIssued).toBe(1);
  });

  it('caches the token: later calls do not ask again while it is fresh', async () => {
    ctx = await startContract();
    const first = await ctx.tokens.getToken();
    ctx.clock.advance(60_000);
    expect(await ctx.tokens.getToken()).toBe(first);
    expect(tokenRequests(ctx)).toHaveLength(1);
  });

  it('refreshes ahead of expires_in in the background, handing out the still-valid token meanwhile', async () => {
    ctx = await startContract({ sim: { tokenTtlSec: 300 } }); // refresh 30 s before expiry
    const first = await ctx.tokens.getToken();
    ctx.clock.advance(269_000);
    expect(await ctx.tokens.getToken()).toBe(first);
    expect(tokenRequests(ctx)).toHaveLength(1);

    ctx.clock.advance(2_000); // 271 s: inside the refresh window, 29 s before expiry
    expect(await ctx.tokens.getToken()).toBe(first); // nobody waits on the token endpoint
    await waitFor(() => ctx!.sim.stats().tokensIssued === 2, { what: 'the background refresh' });
    const second = await ctx.tokens.getToken();
    expect(second).not.toBe(first);

    ctx.clock.advance(40_000); // the first token has now expired at the simulator; the second is in use
    await ctx.client.getConversation(ctx.sim.createConversation().id);
    expect(ctx.sim.requests({ endpoint: 'conversations/read' }).map((r) => r.status)).toEqual([200]);
  });

  it('fetches a new token before use once the old one expired (no 401 round trip)', async () => {
    ctx = await startContract({ sim: { tokenTtlSec: 300 } });
    const conv = ctx.sim.createConversation();
    await ctx.client.getConversation(conv.id);
    ctx.clock.advance(301_000);
    await ctx.client.getConversation(conv.id);
    expect(ctx.sim.requests({ endpoint: 'conversations/read' }).map((r) => r.status)).toEqual([200, 200]);
    expect(tokenRequests(ctx)).toHaveLength(2);
  });

  it('keeps using the valid token when a background refresh fails, and retries it only after a pause', async () => {
    ctx = await startContract({ sim: { tokenTtlSec: 300 } });
    const errors: string[] = [];
    const tokens = new ClientCredentialsTokenProvider({
      http: createHttp(),
      loginBaseUrl: ctx.url,
      clientId: SEED.clientId,
      clientSecret: SEED.clientSecret,
      timeoutMs: 2000,
      now: ctx.clock.now,
      backgroundRetryMs: 10_000,
      onRefreshError: (err) => errors.push(`${err.kind} ${err.status}`),
    });
    const first = await tokens.getToken();
    // Four 503s: the first try and its three quick retries (token-retry.int.test.ts) all fail.
    ctx.sim.installFaults([{ endpoint: 'token', action: { type: 'status', status: 503 }, count: 4 }]);
    ctx.clock.advance(280_000);
    expect(await tokens.getToken()).toBe(first);
    await waitFor(() => errors.length === 1, { what: 'the failed background refresh' });
    expect(errors).toEqual(['transient 503']);
    expect(await tokens.getToken()).toBe(first);
    expect(tokenRequests(ctx)).toHaveLength(5); // no new attempt inside the pause
    ctx.clock.advance(10_000);
    expect(await tokens.getToken()).toBe(first);
    await waitFor(() => ctx!.sim.stats().tokensIssued === 2, { what: 'the second background refresh' });
    expect(await tokens.getToken()).not.toBe(first);
  });

  it('a wrong secret is a permanent auth error naming the OAuth client, never the secret', async () => {
    ctx = await startContract({ clientId: SEED.clientId, clientSecret: 'wrong-secret-value' });
    const err = await failure(ctx.client.getConversation(ctx.sim.createConversation().id));
    expect(err).toMatchObject({ kind: 'auth', status: 401, code: 'invalid_client', request: { method: 'POST', path: '/oauth/token' } });
    expect(err.message).toContain(`OAuth client ${SEED.clientId}`);
    const everything = `${err.message} ${err.stack} ${JSON.stringify(err)}`;
    expect(everything).not.toContain('wrong-secret-value');
    expect(everything).not.toContain(Buffer.from(`${SEED.clientId}:wrong-secret-value`).toString('base64'));
    expect(ctx.sim.stats().byEndpoint).toEqual({ 'oauth/token': 1 }); // no API call was attempted
  });

  it('an unknown client id is the same permanent auth error', async () => {
    ctx = await startContract({ clientId: 'no-such-client' });
    const err = await failure(ctx.tokens.getToken());
    expect(err).toMatchObject({ kind: 'auth', status: 401 });
    expect(err.message).toMatch(/OAuth client no-such-client/);
  });

  it('a 400 from the token endpoint is a permanent auth error too', async () => {
    ctx = await startContract({ sim: { faults: [{ endpoint: 'token', action: { type: 'status', status: 400 } }] } });
    const err = await failure(ctx.tokens.getToken());
    expect(err).toMatchObject({ kind: 'auth', status: 400, code: 'invalid_request' });
    expect(err.message).toContain(SEED.clientId);
  });

  it('a wrong region (404 at the login host) is a permanent auth error, not "call over"', async () => {
    ctx = await startContract();
    const tokens = new ClientCredentialsTokenProvider({ http: createHttp(), loginBaseUrl: `${ctx.url}/elsewhere`, clientId: 'c', clientSecret: 's', timeoutMs: 2000 });
    const err = await failure(tokens.getToken());
    expect(err).toMatchObject({ kind: 'auth', status: 404 });
    expect(err.message).toMatch(/GENESYS_REGION/);
  });

  it.each([
    [502, 'transient'],
    [503, 'transient'],
    [429, 'rate-limited'],
  ] as const)('a %i from the token endpoint is %s, and the next call tries again', async (status, kind) => {
    // 4 × 5xx outlast the quick retries of one fetch; a 429 whose Retry-After (2 s) outlasts the 2 s budget is not retried.
    ctx = await startContract({ sim: { faults: [{ endpoint: 'token', action: { type: 'status', status, ...(status === 429 ? { retryAfterSec: 2 } : {}) }, count: status === 429 ? 1 : 4 }] } });
    const err = await failure(ctx.tokens.getToken());
    expect(err).toMatchObject({ kind, status, request: { path: '/oauth/token' } });
    if (status === 429) expect(err.retryAfterMs).toBe(2000);
    expect(err.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    await expect(ctx.tokens.getToken()).resolves.toEqual(expect.any(String));
  });

  it('a token endpoint that does not answer is a transient timeout', async () => {
    ctx = await startContract({ timeoutMs: 200, sim: { faults: [{ endpoint: 'token', action: { type: 'timeout' }, count: 1 }] } });
    const err = await failure(ctx.tokens.getToken());
    expect(err).toMatchObject({ kind: 'transient', status: 0, code: 'ETIMEDOUT' });
  });
});
