import { describe, expect, it } from 'vitest';
import { waitFor } from '@fallback/testing';
import { harnessPerTest, replaceQueue, toFallback } from './internal/harness.js';

const start = harnessPerTest();

describe('transfers that go Pending → Failed/Canceled/Timeout (fail-transfer)', () => {
  it.each(['Failed', 'Canceled', 'Timeout'] as const)('%s after pendingMs: Pending meanwhile, the bot leg stays connected, a later POST moves the call', async (state) => {
    const { call, token, sim } = await start({ faults: [{ endpoint: 'transfer', action: { type: 'fail-transfer', state, pendingMs: 300 }, count: 1 }] });
    const conv = sim.createConversation();
    const t = await token();
    const postedAt = Date.now();
    expect((await call('POST', replaceQueue(conv.id, conv.roles.bot), { token: t, body: toFallback })).status).toBe(202);
    const pending = await call('GET', `/api/v2/conversations/${conv.id}`, { token: t });
    expect(pending.body.recentTransfers.map((x: any) => x.state)).toEqual(['Pending']);
    const ended = await waitFor(async () => {
      const read = await call('GET', `/api/v2/conversations/calls/${conv.id}`, { token: t });
      return read.body.recentTransfers[0].state !== 'Pending' && read.body;
    }, { what: `the transfer to end ${state}` });
    expect(Date.now() - postedAt).toBeGreaterThanOrEqual(290);
    expect(ended.recentTransfers).toEqual([{ id: expect.any(String), state, dateIssued: expect.any(String), transferType: 'Unattended' }]);
    expect(ended.participants.map((p: any) => [p.purpose, p.state])).toEqual([
      ['customer', 'connected'],
      ['external', 'connected'],
    ]);
    expect(sim.stats().transfersByState).toMatchObject({ [state]: 1, Pending: 0, Complete: 0 });
    // Posting again after a failed transfer is legitimate: it moves the caller and is no duplicate.
    expect((await call('POST', replaceQueue(conv.id, conv.roles.bot), { token: t, body: toFallback })).status).toBe(202);
    await waitFor(() => sim.transfers(conv.id)[1]?.state === 'Complete', { what: 'the second transfer' });
    expect(sim.stats()).toMatchObject({ transfers: 2, duplicateTransfers: 0 });
  });

  it('defaults: Failed after the transfer delay', async () => {
    const { call, token, sim } = await start({ transferDelayMs: 150, faults: [{ endpoint: 'transfer', action: { type: 'fail-transfer' } }] });
    const conv = sim.createConversation();
    expect((await call('POST', replaceQueue(conv.id, conv.roles.bot), { token: await token(), body: toFallback })).status).toBe(202);
    expect(conv.recentTransfers[0]!.state).toBe('Pending');
    await waitFor(() => conv.recentTransfers[0]!.state === 'Failed', { what: 'the failure' });
    expect(sim.transfers(conv.id)[0]).toMatchObject({ state: 'Failed' });
  });
});

describe('a slow Genesys that applies late (slow-apply)', () => {
  it('the client gives up; nothing shows before applyAfterMs, the transfer shows after it; the late 202 finds no one (status 0)', async () => {
    const { call, token, sim } = await start({ faults: [{ endpoint: 'transfer', action: { type: 'slow-apply', answerAfterMs: 700, applyAfterMs: 400 }, count: 1 }] });
    const conv = sim.createConversation();
    const t = await token();
    const sentAt = Date.now();
    const post = call('POST', replaceQueue(conv.id, conv.roles.bot), { token: t, body: toFallback, signal: AbortSignal.timeout(150) });
    await expect(post).rejects.toThrow();
    // The client timed out at 150 ms; Genesys has not applied anything yet.
    expect(Date.now() - sentAt).toBeLessThan(400);
    expect(sim.transfers(conv.id)).toEqual([]);
    expect((await call('GET', `/api/v2/conversations/${conv.id}`, { token: t })).body.recentTransfers).toEqual([]);
    const [applied] = await waitFor(() => sim.transfers(conv.id).length > 0 && sim.transfers(conv.id), { what: 'the late transfer' });
    expect(applied!.at - applied!.requestedAt).toBeGreaterThanOrEqual(390);
    expect(applied!.state).toBe('Complete');
    const read = await call('GET', `/api/v2/conversations/calls/${conv.id}`, { token: t });
    expect(read.body.recentTransfers.map((x: any) => x.state)).toEqual(['Complete']);
    expect(read.body.participants.map((p: any) => [p.purpose, p.state])).toEqual([
      ['customer', 'connected'],
      ['external', 'disconnected'],
      ['acd', 'connected'],
    ]);
    const answered = await waitFor(() => sim.requests({ endpoint: 'replace/queue' })[0], { what: 'the ledger entry of the slow POST' });
    expect(answered).toMatchObject({ status: 0, fault: expect.stringContaining(':slow-apply') });
    expect(sim.stats()).toMatchObject({ unanswered: 1, transfers: 1 });
  });

  it('a client that waits gets its 202 after answerAfterMs; the transfer applied then by default', async () => {
    const { call, token, sim } = await start({ faults: [{ endpoint: 'transfer', action: { type: 'slow-apply', answerAfterMs: 250 }, count: 1 }] });
    const conv = sim.createConversation();
    const sentAt = Date.now();
    const res = await call('POST', replaceQueue(conv.id, conv.roles.bot), { token: await token(), body: toFallback });
    expect(res.status).toBe(202);
    expect(res.text).toBe('');
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(240);
    expect(sim.transfers(conv.id)).toHaveLength(1);
    expect(sim.requests({ endpoint: 'replace/queue' }).map((r) => r.status)).toEqual([202]);
  });

  it('a request Genesys refuses is refused at once, and nothing is applied later', async () => {
    const { call, token, sim } = await start({ transferDelayMs: 150, faults: [{ endpoint: 'transfer', action: { type: 'slow-apply', answerAfterMs: 2000, applyAfterMs: 50 }, count: 1 }] });
    const conv = sim.createConversation();
    const t = await token();
    const sentAt = Date.now();
    const res = await call('POST', replaceQueue(conv.id, conv.roles.customer), { token: t, body: toFallback });
    expect(res.body).toMatchObject({ status: 400, code: 'bad.request' });
    expect(Date.now() - sentAt).toBeLessThan(1000);
    // A normal transfer posted now completes 150 ms later, after the refused one would have been applied (50 ms).
    expect((await call('POST', replaceQueue(conv.id, conv.roles.bot), { token: t, body: toFallback })).status).toBe(202);
    await waitFor(() => sim.transfers(conv.id).at(-1)?.state === 'Complete', { what: 'the normal transfer' });
    expect(sim.transfers().map((x) => x.participantId)).toEqual([conv.roles.bot]);
  });
});
