import { describe, expect, it } from 'vitest';
import { harnessPerTest, replaceQueue, startHarness, toFallback } from './internal/harness.js';
import { SEED } from './model.js';

const start = harnessPerTest();

describe('a stale bot leg (staleBotLeg)', () => {
  it('the summary names both legs; the ended one is refused as not connected, the live one moves, once', async () => {
    const { call, token, sim } = await start();
    const created = await call('POST', '/__sim/conversations', { body: { staleBotLeg: true } });
    expect(created.status).toBe(201);
    const { id, botParticipantId, staleParticipantId } = created.body;
    expect(staleParticipantId).toEqual(expect.any(String));
    expect(staleParticipantId).not.toBe(botParticipantId);
    const t = await token();
    const read = await call('GET', `/api/v2/conversations/calls/${id}`, { token: t });
    expect(read.body.participants.map((p: any) => [p.id, p.purpose, p.state, p.disconnectType])).toEqual([
      [created.body.customerParticipantId, 'customer', 'connected', undefined],
      [staleParticipantId, 'external', 'disconnected', 'transport.failure'],
      [botParticipantId, 'external', 'connected', undefined],
    ]);
    const stale = await call('POST', replaceQueue(id, staleParticipantId), { token: t, body: toFallback });
    expect(stale.status).toBe(400);
    expect(stale.body).toMatchObject({ code: 'bad.request', message: 'You are not a connected participant on the call' });
    expect((await call('POST', replaceQueue(id, botParticipantId), { token: t, body: toFallback })).status).toBe(202);
    expect(sim.transfers(id).map((x) => x.participantId)).toEqual([botParticipantId]);
  });
});

describe('a human already on the call (withAgent)', () => {
  it('both reads show the ended bot and acd legs, the connected agent and a Complete queue transfer without destination', async () => {
    const { call, token } = await start();
    const created = await call('POST', '/__sim/conversations', { body: { withAgent: true } });
    const { id, botParticipantId, agentParticipantId } = created.body;
    expect(agentParticipantId).toEqual(expect.any(String));
    const t = await token();
    const generic = (await call('GET', `/api/v2/conversations/${id}`, { token: t })).body;
    expect(generic.participants.map((p: any) => [p.id, p.purpose, p.calls[0].state, p.calls[0].disconnectType, p.userId, p.queueId])).toEqual([
      [created.body.customerParticipantId, 'customer', 'connected', undefined, undefined, undefined],
      [botParticipantId, 'external', 'disconnected', 'transfer', undefined, undefined],
      [expect.any(String), 'acd', 'disconnected', 'transfer', undefined, SEED.fallbackQueue.id],
      [agentParticipantId, 'agent', 'connected', undefined, SEED.agentUserId, SEED.fallbackQueue.id],
    ]);
    expect(generic.participants[3].address).toBe(SEED.agentAddress);
    expect(generic.recentTransfers).toEqual([{ id: expect.any(String), state: 'Complete', dateIssued: generic.participants[1].endTime, transferType: 'Unattended' }]);
    expect(Date.now() - Date.parse(generic.recentTransfers[0].dateIssued)).toBeGreaterThanOrEqual(119_000);
    const calls = (await call('GET', `/api/v2/conversations/calls/${id}`, { token: t })).body;
    expect(calls.participants[3]).toMatchObject({ purpose: 'agent', state: 'connected', user: { id: SEED.agentUserId }, queue: { id: SEED.fallbackQueue.id } });
  });

  it('refuses the new options when they are not booleans or numbers, naming the field', async () => {
    const { call } = await start();
    const bad = await call('POST', '/__sim/conversations/bulk', { body: { count: 2, withAgent: 'yes', staleBotLeg: 1, startedAgoMs: -1 } });
    expect(bad).toMatchObject({ status: 400, body: { problems: ['withAgent: must be a boolean', 'staleBotLeg: must be a boolean', 'startedAgoMs: must be a number ≥ 0'] } });
    const bulk = await call('POST', '/__sim/conversations/bulk', { body: { count: 2, withAgent: true, staleBotLeg: true } });
    expect(bulk.body.conversations.map((c: any) => Object.keys(c).sort())).toEqual(
      Array(2).fill(['agentParticipantId', 'botParticipantId', 'customerParticipantId', 'ended', 'id', 'staleParticipantId']),
    );
  });
});

describe('leg refusals as Genesys answers them (notConnectedAnswer)', () => {
  const answers = [
    ['bad.request', 400, 'bad.request', 'You are not a connected participant on the call'],
    ['not.connected', 400, 'conversations.error.transfer.not.connected', 'The participant to transfer is not connected.'],
    ['not.active', 403, 'conversation.error.forbidden.not.active.participant', 'The participant is not an active participant on the conversation.'],
  ] as const;
  it.each(answers)('%s: an ended leg and a call that is over answer %i %s; the customer leg stays 400 bad.request', async (setting, status, code, message) => {
    const { call, token, sim } = await start();
    expect((await call('POST', '/__sim/config', { body: { notConnectedAnswer: setting } })).body.config.notConnectedAnswer).toBe(setting);
    const t = await token();
    const stale = sim.createConversation({ staleBotLeg: true });
    const ended = await call('POST', replaceQueue(stale.id, stale.roles.stale!), { token: t, body: toFallback });
    expect(ended.status).toBe(status);
    expect(ended.body).toMatchObject({ status, code, message, contextId: ended.headers.get('inin-correlation-id') });
    const over = sim.createConversation();
    sim.hangup(over.id);
    expect((await call('POST', replaceQueue(over.id, over.roles.bot), { token: t, body: toFallback })).body).toMatchObject({ status, code });
    const customer = await call('POST', replaceQueue(over.id, over.roles.customer), { token: t, body: toFallback });
    expect(customer.body).toMatchObject({ status: 400, code: 'bad.request', message: 'You are not a connected participant on the call' });
    expect(sim.stats().transfers).toBe(0);
  });

  it('an unknown participant or conversation on a POST is a plain 404 not.found; the reads keep their own codes', async () => {
    const { call, token, sim } = await start();
    const t = await token();
    const conv = sim.createConversation();
    const paths = [
      replaceQueue(conv.id, 'no-such-participant'),
      replaceQueue('no-such-conversation', conv.roles.bot),
      `/api/v2/conversations/${conv.id}/participants/nobody/transfer`,
      `/api/v2/conversations/calls/${conv.id}/participants/nobody/replace`,
    ];
    for (const path of paths) {
      const res = await call('POST', path, { token: t, body: { ...toFallback, address: '+18005550100' } });
      expect(res.body, path).toMatchObject({ status: 404, code: 'not.found' });
    }
    expect((await call('GET', '/api/v2/conversations/nope', { token: t })).body.code).toBe('not.found');
    expect((await call('GET', '/api/v2/conversations/calls/nope', { token: t })).body.code).toBe('conversation.error.conversation.not.found');
  });

  it('refuses a bad notConnectedAnswer naming it', async () => {
    const { call, sim } = await start();
    expect((await call('POST', '/__sim/config', { body: { notConnectedAnswer: 'gone' } })).body.problems).toEqual([
      'notConnectedAnswer: must be one of bad.request, not.connected, not.active',
    ]);
    expect(() => sim.configure({ notConnectedAnswer: 'gone' as never })).toThrow(/notConnectedAnswer/);
    await expect(startHarness({ analyticsBatchLimit: 0 })).rejects.toThrow(/analyticsBatchLimit: must be an integer ≥ 1/);
  });
});

describe('429 bodies and 409s on transfers', () => {
  it('a limit 429 names its limit (ErrorBody.limit); the too.many.requests variant says the maximum and the window', async () => {
    const { call, token, sim } = await start({ rateLimitPerMinute: 2 });
    const t = await token();
    await call('GET', '/api/v2/conversations/x', { token: t });
    await call('GET', '/api/v2/conversations/x', { token: t });
    const first = await call('GET', '/api/v2/conversations/x', { token: t });
    expect(first.body).toMatchObject({
      code: 'too.many.requests.retry.after',
      message: `Rate limit exceeded the maximum. Retry the request in [${first.headers.get('retry-after')}] seconds`,
      limit: { key: 'client.credentials.token.rate.per.minute', namespace: 'platform.api', value: 2 },
    });
    sim.configure({ rateLimitCode: 'too.many.requests' });
    sim.reset();
    const t2 = await token();
    for (let i = 0; i < 2; i += 1) await call('GET', '/api/v2/conversations/x', { token: t2 });
    const older = await call('GET', '/api/v2/conversations/x', { token: t2 });
    expect(older.status).toBe(429);
    expect(Number(older.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(older.body).toEqual({
      message: 'Rate limit exceeded the maximum [2] requests within [60] seconds',
      code: 'too.many.requests',
      status: 429,
      contextId: older.headers.get('inin-correlation-id'),
      details: [],
      errors: [],
      limit: { key: 'client.credentials.token.rate.per.minute', namespace: 'platform.api', value: 2 },
    });
  });

  it('the org limit names its own key; fault 429s name no limit, and a fault may choose the variant', async () => {
    const { call, token, sim } = await start({ orgRateLimitPerMinute: 1 });
    const [a, b] = [await token(), await token()];
    await call('GET', '/api/v2/conversations/x', { token: a });
    expect((await call('GET', '/api/v2/conversations/x', { token: b })).body.limit).toEqual({ key: 'org.rate.per.minute', namespace: 'platform.api', value: 1 });
    sim.configure({ orgRateLimitPerMinute: 0 });
    sim.installFaults([
      { endpoint: 'read', action: { type: 'status', status: 429, retryAfterSec: 3, code: 'too.many.requests' }, count: 1 },
      { endpoint: 'read', action: { type: 'status', status: 429 }, count: 1 },
    ]);
    const c = await token();
    const variant = await call('GET', '/api/v2/conversations/x', { token: c });
    expect(variant.body).toMatchObject({ code: 'too.many.requests', message: 'Rate limit exceeded the maximum [300] requests within [60] seconds' });
    expect(variant.body).not.toHaveProperty('limit');
    expect(variant.headers.get('retry-after')).toBe('3');
    const d = await token();
    const plain = await call('GET', '/api/v2/conversations/x', { token: d });
    expect(plain.body).toMatchObject({ code: 'too.many.requests.retry.after' });
    expect(plain.body).not.toHaveProperty('limit');
  });

  it('a 409 fault on a transfer answers a transfer conflict code unless the rule names one; a 403 fault can be the leg refusal', async () => {
    const { call, token, sim } = await start({
      faults: [
        { endpoint: 'transfer', action: { type: 'status', status: 409 }, count: 1 },
        { endpoint: 'transfer', action: { type: 'status', status: 409, code: 'conflict' }, count: 1 },
        { endpoint: 'transfer', action: { type: 'status', status: 403, code: 'conversation.error.forbidden.not.active.participant' }, count: 1 },
      ],
    });
    const conv = sim.createConversation();
    const t = await token();
    const post = () => call('POST', replaceQueue(conv.id, conv.roles.bot), { token: t, body: toFallback });
    expect((await post()).body).toMatchObject({ status: 409, code: 'conversations.error.transfer.conflict' });
    expect((await post()).body).toMatchObject({ status: 409, code: 'conflict' });
    const forbidden = await post();
    expect(forbidden.body).toMatchObject({ status: 403, code: 'conversation.error.forbidden.not.active.participant' });
    expect(forbidden.body.message).not.toContain('permission');
    expect(sim.stats().transfers).toBe(0);
  });

  it('403 faults without a permission name the one the endpoint needs', async () => {
    const { call, token } = await start({ faults: [{ endpoint: 'read', action: { type: 'status', status: 403 } }] });
    const res = await call('GET', '/api/v2/conversations/x', { token: await token() });
    expect(res.body).toMatchObject({ code: 'missing.permissions', messageParams: { permissions: '[conversation:communication:view]' } });
  });
});

describe('short token lifetimes (tokenTtlSec)', () => {
  it('expires_in follows the setting and the token stops working exactly then; a new setting applies to new tokens', async () => {
    let clock = Date.parse('2026-11-24T12:00:00.000Z');
    const { call, sim, url } = await start({ tokenTtlSec: 4, now: () => clock });
    const issue = async () =>
      (await fetch(`${url}/oauth/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${SEED.clientId}:${SEED.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      }).then((r) => r.json())) as { access_token: string; expires_in: number };
    const first = await issue();
    expect(first.expires_in).toBe(4);
    clock += 3999;
    expect((await call('GET', '/api/v2/conversations/x', { token: first.access_token })).status).toBe(404);
    clock += 1;
    expect((await call('GET', '/api/v2/conversations/x', { token: first.access_token })).body).toMatchObject({ status: 401, code: 'bad.credentials' });
    sim.configure({ tokenTtlSec: 10 });
    const second = await issue();
    expect(second.expires_in).toBe(10);
    expect((await call('GET', '/__sim/tokens')).body.tokens.map((x: any) => [x.tokenId, x.expiresAt - x.issuedAt, x.live])).toEqual([
      ['tok-1', 4000, false],
      ['tok-2', 10_000, true],
    ]);
  });
});
