import { describe, expect, it } from 'vitest';
import { waitFor } from '@fallback/testing';
import { harnessPerTest, replaceQueue } from './internal/harness.js';
import { SEED } from './model.js';
import type { SimulatorOptions } from './server.js';

const startHarnessPerTest = harnessPerTest();
/** A simulator on a clock the test moves (no sleeping): analytics lag, Retry-After and timestamps read it. */
async function start(opts: SimulatorOptions = {}) {
  const clock = { t: Date.parse('2026-11-24T12:00:00.000Z') };
  const h = await startHarnessPerTest({ now: () => clock.t, ...opts });
  return { ...h, clock, t: await h.token() };
}
const details = (...ids: string[]) => `/api/v2/analytics/conversations/details?${ids.map((id) => `id=${encodeURIComponent(id)}`).join('&')}`;

describe('GET /api/v2/analytics/conversations/details', () => {
  it('a call analytics cannot see yet (startedAgoMs 0) is missing, then present once the lag has passed', async () => {
    const { call, clock, t } = await start();
    const created = (await call('POST', '/__sim/conversations', { body: { startedAgoMs: 0 } })).body;
    const before = await call('GET', details(created.id), { token: t });
    expect(before).toMatchObject({ status: 200, body: { conversations: [] } });
    clock.t += 1999;
    expect((await call('GET', details(created.id), { token: t })).body.conversations).toEqual([]);
    clock.t += 1;
    const after = (await call('GET', details(created.id), { token: t })).body.conversations;
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ conversationId: created.id, conversationStart: new Date(clock.t - 2000).toISOString() });
    expect(after[0].participants.map((p: any) => [p.participantId, p.purpose, p.sessions[0].mediaType])).toEqual([
      [created.customerParticipantId, 'customer', 'voice'],
      [created.botParticipantId, 'external', 'voice'],
    ]);
  });

  it('a leg that ended shows live until the lag has passed; conversationEnd only after it', async () => {
    const { call, clock, t, sim } = await start();
    const conv = sim.createConversation();
    expect((await call('POST', replaceQueue(conv.id, conv.roles.bot), { token: t, body: { queueId: SEED.fallbackQueue.id } })).status).toBe(202);
    await waitFor(() => conv.recentTransfers[0]?.state === 'Complete', { what: 'the transfer' });
    const fresh = (await call('GET', details(conv.id), { token: t })).body.conversations[0];
    // The bot leg is gone in Genesys but analytics still shows it live, and the acd leg is not there yet.
    expect(fresh.participants.map((p: any) => p.purpose)).toEqual(['customer', 'external']);
    expect(fresh.participants[1].sessions[0].segments.at(-1)).not.toHaveProperty('segmentEnd');
    clock.t += 2000;
    const caught = (await call('GET', details(conv.id), { token: t })).body.conversations[0];
    expect(caught.participants.map((p: any) => p.purpose)).toEqual(['customer', 'external', 'acd']);
    expect(caught.participants[1].sessions[0].segments.at(-1)).toMatchObject({ segmentEnd: conv.participants[1]!.endTime, disconnectType: 'transfer' });
    expect(caught.participants[2].sessions[0].segments[0]).toMatchObject({ queueId: SEED.fallbackQueue.id });
    sim.hangup(conv.id);
    expect((await call('GET', details(conv.id), { token: t })).body.conversations[0]).not.toHaveProperty('conversationEnd');
    clock.t += 2000;
    expect((await call('GET', details(conv.id), { token: t })).body.conversations[0].conversationEnd).toBe(conv.endTime);
  });

  it('reads many calls: repeated and comma-separated ids, unknown ids left out, answer in the order asked', async () => {
    const { call, t, sim } = await start();
    const [a, b, c] = [sim.createConversation(), sim.createConversation(), sim.createConversation()];
    const repeated = await call('GET', details(c.id, 'unknown-id', a.id), { token: t });
    expect(repeated.body.conversations.map((x: any) => x.conversationId)).toEqual([c.id, a.id]);
    const comma = await call('GET', `/api/v2/analytics/conversations/details?id=${b.id},${a.id}&id=${c.id}`, { token: t });
    expect(comma.body.conversations.map((x: any) => x.conversationId)).toEqual([b.id, a.id, c.id]);
    expect((await call('GET', '/api/v2/analytics/conversations/details', { token: t })).body).toMatchObject({ status: 400, code: 'bad.request', message: expect.stringContaining('id:') });
  });

  it('analyticsLagMs 0 shows the live state', async () => {
    const { call, t, sim } = await start({ analyticsLagMs: 0 });
    const conv = sim.createConversation({ startedAgoMs: 0 });
    expect((await call('GET', details(conv.id), { token: t })).body.conversations).toHaveLength(1);
  });

  it('more ids than analyticsBatchLimit → 400 naming the limit (default 100; a setting)', async () => {
    const { call, t } = await start();
    const ids = Array.from({ length: 101 }, (_, i) => `c${i}`);
    const over = await call('GET', `/api/v2/analytics/conversations/details?id=${ids.join(',')}`, { token: t });
    expect(over.body).toMatchObject({ status: 400, code: 'bad.request', message: 'id: 101 conversation ids exceed the maximum of [100] per request.', messageParams: { count: '101', max: '100' } });
    expect((await call('GET', `/api/v2/analytics/conversations/details?id=${ids.slice(0, 100).join(',')}`, { token: t })).status).toBe(200);
    expect((await call('POST', '/__sim/config', { body: { analyticsBatchLimit: 3 } })).status).toBe(200);
    expect((await call('GET', details('a', 'b', 'c', 'd'), { token: t })).body.message).toContain('maximum of [3]');
    expect((await call('GET', details('a', 'b', 'c', 'a'), { token: t })).status).toBe(200);
  });

  it('403 missing.permissions naming analytics:conversationDetail:view through the analytics fault group (and `any`)', async () => {
    const { call, t, sim } = await start({ faults: [{ endpoint: 'analytics', action: { type: 'status', status: 403 }, count: 1 }] });
    const denied = await call('GET', details('x'), { token: t });
    expect(denied.body).toMatchObject({
      status: 403,
      code: 'missing.permissions',
      message: expect.stringContaining('[analytics:conversationDetail:view]'),
      messageParams: { permissions: '[analytics:conversationDetail:view]' },
    });
    const conv = sim.createConversation();
    sim.installFaults([{ endpoint: 'any', action: { type: 'status', status: 503 }, conversationId: conv.id, count: 1 }]);
    expect((await call('GET', details('x', 'y'), { token: t })).status).toBe(200);
    expect((await call('GET', details('x', conv.id), { token: t })).status).toBe(503);
    expect(sim.requests({ endpoint: 'analytics/details' }).map((r) => [r.status, r.fault?.split(':')[1]])).toEqual([
      [403, 'status'],
      [200, undefined],
      [503, 'status'],
    ]);
  });

  it('counts against the same per-token limit as every API request; stats.byEndpoint shows it', async () => {
    const { call, t, sim } = await start({ rateLimitPerMinute: 3 });
    const conv = sim.createConversation();
    await call('GET', `/api/v2/conversations/${conv.id}`, { token: t });
    await call('GET', details(conv.id), { token: t });
    await call('GET', details(conv.id), { token: t });
    const limited = await call('GET', details(conv.id), { token: t });
    expect(limited.status).toBe(429);
    expect(limited.body.limit).toMatchObject({ key: 'client.credentials.token.rate.per.minute', value: 3 });
    expect(sim.stats().byEndpoint).toMatchObject({ 'conversations/read': 1, 'analytics/details': 3 });
  });
});
