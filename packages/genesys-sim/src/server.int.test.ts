import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@fallback/testing';
import { startHarness, replaceQueue, type Answer, type Harness } from './internal/harness.js';
import { SEED } from './model.js';
import type { Simulator, SimulatorOptions } from './server.js';

let h: Harness | undefined;
let sim: Simulator | undefined;
afterEach(async () => {
  await h?.close();
  h = sim = undefined;
});

async function start(opts: SimulatorOptions = {}) {
  h = await startHarness(opts);
  sim = h.sim;
  return sim;
}
const call = (...args: Parameters<Harness['call']>) => h!.call(...args);
const token = (...args: Parameters<Harness['token']>) => h!.token(...args);

const ERROR_BODY_KEYS = ['code', 'contextId', 'details', 'errors', 'message', 'messageParams', 'messageWithParams', 'status'];

describe('wire format', () => {
  it('OAuth: client credentials with Basic auth and a form body; OAuth-style errors for bad credentials', async () => {
    await start({ tokenTtlSec: 600 });
    const ok = await fetch(`${h!.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${SEED.clientId}:${SEED.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 600 });
    const bad = await fetch(`${h!.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${SEED.clientId}:nope`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: 'invalid_client' });
    const grant = await call('POST', '/oauth/token', { raw: 'grant_type=password', contentType: 'application/x-www-form-urlencoded' });
    expect(grant).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
  });

  it('a transfer answers 202 with an empty body', async () => {
    await start();
    const conv = sim!.createConversation();
    const res = await call('POST', replaceQueue(conv.id, conv.participants[1]!.id), { token: await token(), body: { queueId: SEED.fallbackQueue.id } });
    expect(res.status).toBe(202);
    expect(res.text).toBe('');
    expect(res.headers.get('content-length')).toBe('0');
  });

  it('the 429 body and Retry-After are exactly Genesys\' (no messageWithParams), contextId = inin-correlation-id', async () => {
    await start({ faults: [{ endpoint: 'read', action: { type: 'status', status: 429, retryAfterSec: 9 } }] });
    const res = await call('GET', '/api/v2/conversations/x', { token: await token() });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('9');
    expect(res.body).toEqual({
      message: 'Rate limit exceeded the maximum. Retry the request in [9] seconds',
      code: 'too.many.requests.retry.after',
      status: 429,
      contextId: res.headers.get('inin-correlation-id'),
      details: [],
      errors: [],
    });
    expect(Object.keys(res.body)).toEqual(['message', 'code', 'status', 'contextId', 'details', 'errors']);
  });

  it('errors carry the full ErrorBody with contextId = inin-correlation-id', async () => {
    await start();
    const t = await token();
    const cases: Array<[string, Promise<Answer>, number, string]> = [
      // The generic read answers a plain not.found, the calls read its own code (docs/genesys-contract.md §6).
      ['unknown conversation (generic read)', call('GET', '/api/v2/conversations/nope', { token: t }), 404, 'not.found'],
      ['unknown conversation (calls read)', call('GET', '/api/v2/conversations/calls/nope', { token: t }), 404, 'conversation.error.conversation.not.found'],
      ['no token', call('GET', '/api/v2/conversations/nope'), 401, 'authentication.required'],
      ['bad token', call('GET', '/api/v2/conversations/nope', { token: 'forged' }), 401, 'bad.credentials'],
      ['unknown path', call('GET', '/api/v2/nothing/here', { token: t }), 404, 'not.found'],
      ['malformed JSON', call('POST', replaceQueue('c', 'p'), { token: t, raw: '{oops' }), 400, 'bad.request'],
      ['bad queue', (async () => {
        const conv = sim!.createConversation();
        return call('POST', replaceQueue(conv.id, conv.participants[1]!.id), { token: t, body: { queueId: 'no-such-queue' } });
      })(), 400, 'conversations.error.queue.not.found'],
    ];
    for (const [what, pending, status, code] of cases) {
      const res = await pending;
      expect(res.status, what).toBe(status);
      expect(Object.keys(res.body).sort(), what).toEqual(ERROR_BODY_KEYS);
      expect(res.body, what).toMatchObject({ status, code, contextId: res.headers.get('inin-correlation-id'), details: [], errors: [] });
    }
  });

  it('puts a fresh inin-correlation-id on every response, control API included', async () => {
    await start();
    const t = await token();
    const conv = sim!.createConversation();
    const answers = await Promise.all([
      call('GET', `/api/v2/conversations/${conv.id}`, { token: t }),
      call('GET', `/api/v2/conversations/calls/${conv.id}`, { token: t }),
      call('POST', replaceQueue(conv.id, conv.participants[1]!.id), { token: t, body: { queueId: SEED.fallbackQueue.id } }),
      call('GET', '/__sim/stats'),
    ]);
    const ids = answers.map((a) => a.headers.get('inin-correlation-id'));
    expect(ids.every((id) => /^[0-9a-f-]{36}$/.test(id ?? ''))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('403 faults name the missing permission in message and messageParams', async () => {
    await start({ faults: [{ endpoint: 'read', action: { type: 'status', status: 403, permission: 'conversation:communication:view' } }] });
    const res = await call('GET', '/api/v2/conversations/x', { token: await token() });
    expect(res.body).toMatchObject({
      status: 403,
      code: 'missing.permissions',
      message: expect.stringContaining('[conversation:communication:view]'),
      messageParams: { permissions: '[conversation:communication:view]' },
    });
  });

  it('serves both read shapes: state at the top (calls) or in calls[] (generic); no conversation state, no endTime while live', async () => {
    await start();
    const t = await token();
    const conv = sim!.createConversation();
    const calls = await call('GET', `/api/v2/conversations/calls/${conv.id}`, { token: t });
    const generic = await call('GET', `/api/v2/conversations/${conv.id}`, { token: t });
    expect(calls.body.participants[1]).toMatchObject({ purpose: 'external', state: 'connected' });
    expect(calls.body).not.toHaveProperty('endTime');
    expect(calls.body).not.toHaveProperty('state');
    // Conversation.state is never filled on reads (SDK doc); endTime is absent, not null, while the call is live.
    expect(generic.body).not.toHaveProperty('state');
    expect(generic.body).not.toHaveProperty('endTime');
    expect(generic.body.startTime).toBe(conv.startTime);
    expect(generic.body.participants[1].state).toBeUndefined();
    expect(generic.body.participants[1].calls[0]).toMatchObject({ state: 'connected' });
    sim!.hangup(conv.id);
    const ended = await call('GET', `/api/v2/conversations/${conv.id}`, { token: t });
    expect(ended.body.endTime).toBe(sim!.getConversation(conv.id)!.endTime);
    expect(ended.body).not.toHaveProperty('state');
  });
});

describe('lifecycles', () => {
  it('customers hang up after the simulator-wide default; a conversation can override it (0 = never)', async () => {
    await start({ hangupAfterMs: 50 });
    const short = sim!.createConversation();
    const forever = sim!.createConversation({ hangupAfterMs: 0 });
    await waitFor(() => sim!.getConversation(short.id)!.endTime !== undefined, { what: 'the hang-up' });
    expect(sim!.getConversation(short.id)!.participants.map((p) => [p.purpose, p.state, p.disconnectType])).toEqual([
      ['customer', 'disconnected', 'endpoint'],
      ['external', 'disconnected', 'peer'],
    ]);
    expect(sim!.getConversation(forever.id)!.endTime).toBeUndefined();
  });

  it('a transfer is Pending, then after the delay Complete with the bot leg ended by transfer and an acd leg', async () => {
    await start({ transferDelayMs: 100 });
    const conv = sim!.createConversation();
    const bot = conv.participants[1]!;
    expect((await call('POST', replaceQueue(conv.id, bot.id), { token: await token(), body: { queueId: SEED.fallbackQueue.id } })).status).toBe(202);
    expect(conv.recentTransfers.map((t) => t.state)).toEqual(['Pending']);
    expect(bot.state).toBe('connected');
    await waitFor(() => conv.recentTransfers[0]!.state === 'Complete', { what: 'the transfer to complete' });
    expect(bot).toMatchObject({ state: 'disconnected', disconnectType: 'transfer' });
    expect(conv.participants.at(-1)).toMatchObject({ purpose: 'acd', queueId: SEED.fallbackQueue.id, name: 'Fallback IVR', state: 'connected' });
    expect(sim!.transfers(conv.id)).toMatchObject([{ state: 'Complete' }]);
  });

  it('a transfer still pending when the caller hangs up is Canceled and adds no leg', async () => {
    await start({ transferDelayMs: 100 });
    const conv = sim!.createConversation();
    await call('POST', replaceQueue(conv.id, conv.participants[1]!.id), { token: await token(), body: { queueId: SEED.fallbackQueue.id } });
    sim!.hangup(conv.id);
    await waitFor(() => conv.recentTransfers[0]!.state === 'Canceled', { what: 'the cancel' });
    expect(conv.participants).toHaveLength(2);
    expect(sim!.stats().transfersByState).toMatchObject({ Canceled: 1, Pending: 0 });
  });

  it('a second transfer while the first is pending is applied and counted as a duplicate', async () => {
    // The first stays Pending for the whole test, however slow the machine (close() cancels the timer).
    await start({ transferDelayMs: 60_000 });
    const conv = sim!.createConversation();
    const t = await token();
    for (let i = 0; i < 2; i += 1)
      expect((await call('POST', replaceQueue(conv.id, conv.participants[1]!.id), { token: t, body: { queueId: SEED.fallbackQueue.id } })).status).toBe(202);
    expect(sim!.stats()).toMatchObject({ transfers: 2, duplicateTransfers: 1 });
  });

  it('conversations can carry extra legs (an ended flow leg, a repeated user)', async () => {
    await start();
    const res = await call('POST', '/__sim/conversations', {
      body: { extraLegs: [{ purpose: 'ivr', state: 'disconnected', disconnectType: 'transfer' }, { purpose: 'user', userId: SEED.agentUserId }] },
    });
    expect(res.status).toBe(201);
    const conv = sim!.getConversation(res.body.id)!;
    expect(conv.participants.map((p) => [p.purpose, p.state])).toEqual([
      ['customer', 'connected'],
      ['external', 'connected'],
      ['ivr', 'disconnected'],
      ['user', 'connected'],
    ]);
  });
});

describe('control API', () => {
  it('installs, lists and removes faults; refuses a bad rule naming the field and installs none of the batch', async () => {
    await start();
    const bad = await call('POST', '/__sim/faults', { body: { rules: [{ endpoint: 'read', action: { type: 'timeout' } }, { endpoint: 'read', action: { type: 'status', status: 99 } }] } });
    expect(bad).toMatchObject({ status: 400, body: { error: 'invalid request', problems: [expect.stringContaining('rules[1].action.status: must be ≥ 400')] } });
    expect((await call('GET', '/__sim/faults')).body.faults).toEqual([]);
    const ok = await call('POST', '/__sim/faults', { body: { rules: [{ endpoint: 'read', action: { type: 'status', status: 503 }, count: 1 }] } });
    expect(ok.status).toBe(201);
    const id = ok.body.faults[0].id;
    const t = await token();
    expect((await call('GET', '/api/v2/conversations/x', { token: t })).status).toBe(503);
    expect((await call('GET', '/__sim/faults')).body.faults[0]).toMatchObject({ id, hits: 1, remaining: 0 });
    expect((await call('DELETE', `/__sim/faults/${id}`)).status).toBe(200);
    expect((await call('DELETE', `/__sim/faults/${id}`)).status).toBe(404);
    expect((await call('POST', '/__sim/faults', { body: {} })).body.problems).toEqual(['rules: must be an array of fault rules']);
  });

  it('a scripted storm: 429 with the given Retry-After for a duration, then normal answers', async () => {
    let clock = 1_000_000;
    await start({ now: () => clock });
    await call('POST', '/__sim/faults', { body: { rules: [{ endpoint: 'any', action: { type: 'status', status: 429, retryAfterSec: 2 }, startAfterMs: 1000, durationMs: 5000 }] } });
    const t = await token();
    const conv = sim!.createConversation();
    const seen: number[] = [];
    for (let s = 0; s < 9; s += 1) {
      seen.push((await call('GET', `/api/v2/conversations/${conv.id}`, { token: t })).status);
      clock += 1000; // a client that waits 1 s whatever it was told: its early requests are counted
    }
    // Storm from 1 s to 6 s; each 429 says 2 s, so the answers at 2..5 s were early, and the one at 6 s (storm
    // over) is still inside the Retry-After given at 5 s.
    expect(seen).toEqual([200, 429, 429, 429, 429, 429, 429, 200, 200]);
    expect(sim!.stats()).toMatchObject({ rateLimited: 6, earlyRequests: 5 });
  });

  it('the same seed replays the same random faults', async () => {
    const pattern = async () => {
      await start({ seed: 99, faults: [{ endpoint: 'read', action: { type: 'status', status: 503 }, probability: 0.5 }] });
      const t = await token();
      const out: number[] = [];
      for (let i = 0; i < 30; i += 1) out.push((await call('GET', '/api/v2/conversations/x', { token: t })).status);
      await h!.close();
      h = sim = undefined;
      return out.join(',');
    };
    const first = await pattern();
    expect(await pattern()).toBe(first);
    expect(first).toContain('503');
    expect(first).toContain('404');
  });

  it('validates settings and applies them at run time', async () => {
    await start();
    expect(await call('POST', '/__sim/config', { body: { rateLimitPerMinute: -1, speed: 3 } })).toMatchObject({
      status: 400,
      body: { problems: ['rateLimitPerMinute: must be a number ≥ 0', expect.stringContaining('speed: unknown setting')] },
    });
    expect((await call('POST', '/__sim/config', { body: { rateLimitPerMinute: 1, hangupAfterMs: 30_000, seed: 5 } })).body.config).toMatchObject({ rateLimitPerMinute: 1, hangupAfterMs: 30_000 });
    const t = await token();
    expect((await call('GET', '/api/v2/conversations/x', { token: t })).status).toBe(404);
    expect((await call('GET', '/api/v2/conversations/x', { token: t })).status).toBe(429);
  });

  it('creates conversations (validated), in bulk, hangs them up', async () => {
    await start();
    expect(await call('POST', '/__sim/conversations', { body: { hangupAfterMs: 'soon', color: 'red' } })).toMatchObject({
      status: 400,
      body: { problems: ['hangupAfterMs: must be a number ≥ 0', expect.stringContaining('color: unknown field')] },
    });
    const one = await call('POST', '/__sim/conversations', { body: { id: 'fixed-id', botPurpose: 'ivr' } });
    expect(one).toMatchObject({ status: 201, body: { id: 'fixed-id', ended: false, botParticipantId: expect.any(String) } });
    expect((await call('POST', '/__sim/conversations', { body: { id: 'fixed-id' } })).status).toBe(409);
    const bulk = await call('POST', '/__sim/conversations/bulk', { body: { count: 5 } });
    expect(bulk.body.conversations).toHaveLength(5);
    expect((await call('POST', '/__sim/conversations/bulk', { body: { count: 0 } })).status).toBe(400);
    expect((await call('POST', '/__sim/conversations/fixed-id/hangup')).body).toMatchObject({ ended: true });
    expect((await call('GET', '/__sim/conversations')).body.total).toBe(6);
    expect((await call('GET', '/__sim/conversations/fixed-id')).body.conversation.participants[1].purpose).toBe('ivr');
  });

  it('the ledger names tokens by a non-secret id; no access token ever leaves the simulator after issue', async () => {
    await start();
    const t = await token();
    const conv = sim!.createConversation();
    await call('GET', `/api/v2/conversations/${conv.id}`, { token: t });
    await call('POST', replaceQueue(conv.id, conv.participants[1]!.id), { token: t, body: { queueId: SEED.fallbackQueue.id } });
    const requests = await call('GET', '/__sim/requests');
    expect(requests.body.requests.map((r: any) => [r.method, r.endpoint, r.tokenId, r.status])).toEqual([
      ['POST', 'oauth/token', undefined, 200],
      ['GET', 'conversations/read', 'tok-1', 200],
      ['POST', 'replace/queue', 'tok-1', 202],
    ]);
    expect(requests.body.requests[1]).toMatchObject({ clientId: SEED.clientId, path: `/api/v2/conversations/${conv.id}`, early: false, at: expect.any(Number) });
    const dump = [requests.text, (await call('GET', '/__sim/transfers')).text, (await call('GET', '/__sim/tokens')).text, (await call('GET', '/__sim/stats')).text].join('\n');
    expect(dump).not.toContain(t);
    expect(dump).not.toContain(t.slice(0, 8));
    expect((await call('GET', '/__sim/requests?endpoint=replace/queue&limit=5')).body.requests).toHaveLength(1);
    expect((await call('GET', '/__sim/requests?since=soon')).status).toBe(400);
  });

  it('revokes and expires tokens on demand', async () => {
    await start();
    const t = await token();
    expect((await call('POST', '/__sim/tokens/revoke', { body: {} })).body).toEqual({ revoked: 1 });
    expect((await call('GET', '/api/v2/conversations/x', { token: t })).body.code).toBe('bad.credentials');
    const t2 = await token();
    expect((await call('POST', '/__sim/tokens/expire', { body: { clientId: SEED.clientId } })).body).toEqual({ expired: 1 });
    expect((await call('GET', '/api/v2/conversations/x', { token: t2 })).status).toBe(401);
    expect((await call('GET', '/__sim/tokens')).body.tokens.map((x: any) => [x.tokenId, x.live])).toEqual([
      ['tok-1', false],
      ['tok-2', false],
    ]);
  });

  it('reset forgets ledger, limits and faults but keeps conversations and tokens', async () => {
    await start({ rateLimitPerMinute: 1 });
    const t = await token();
    const conv = sim!.createConversation();
    await call('GET', `/api/v2/conversations/${conv.id}`, { token: t });
    expect((await call('GET', `/api/v2/conversations/${conv.id}`, { token: t })).status).toBe(429);
    await call('POST', '/__sim/faults', { body: { rules: [{ endpoint: 'read', action: { type: 'status', status: 500 } }] } });
    await call('POST', '/__sim/reset');
    expect((await call('GET', `/api/v2/conversations/${conv.id}`, { token: t })).status).toBe(200);
    expect((await call('GET', '/__sim/stats')).body).toMatchObject({ requests: 1, rateLimited: 0, earlyRequests: 0, conversations: 1 });
  });

  it('adds queues', async () => {
    await start();
    expect((await call('POST', '/__sim/queues', { body: { id: 'q-new', name: 'Spanish' } })).status).toBe(201);
    expect((await call('POST', '/__sim/queues', { body: { name: 'x' } })).status).toBe(400);
    const conv = sim!.createConversation();
    const res = await call('POST', replaceQueue(conv.id, conv.participants[1]!.id), { token: await token(), body: { queueName: 'Spanish' } });
    expect(res.status).toBe(202);
  });
});
