import { afterEach, describe, expect, it } from 'vitest';
import { SEED, toCallShape, toGenericShape } from '@fallback/genesys-sim';
import { waitFor } from '@fallback/testing';
import { DEFAULT_BOT_PURPOSES, callOverReason, chooseLeg, parseConversation, transferState } from './conversation.js';
import { FALLBACK_QUEUE, failure, startContract, type Contract } from '../test/contract.js';
import type { TransferStrategy } from './transfer.js';

let ctx: Contract | undefined;
afterEach(async () => {
  await ctx?.close();
  ctx = undefined;
});

const policy = { purposes: [...DEFAULT_BOT_PURPOSES] };
const legOf = (v: Parameters<typeof chooseLeg>[0], p: Parameters<typeof chooseLeg>[1] = policy) => {
  const c = chooseLeg(v, p, { failedAt: Date.now() });
  return c.kind === 'leg' ? c.leg.id : c.kind;
};
const stateOf = (v: Parameters<typeof transferState>[0], target: Parameters<typeof transferState>[1], legId: string) => transferState(v, target, { legId, since: 0 }).status;
const reads = (c: Contract) => c.sim.requests().filter((r) => r.endpoint.endsWith('read'));
const live = (c: Contract) => {
  const conv = c.sim.createConversation();
  return { conv, cid: conv.id, bot: conv.participants[1]!.id, customer: conv.participants[0]!.id };
};

describe('reading conversations', () => {
  it.each(['conversations', 'calls'] as const)('the %s endpoint gives the same view and the same decisions', async (readEndpoint) => {
    ctx = await startContract({ readEndpoint });
    const { cid, bot } = live(ctx);
    const view = await ctx.client.getConversation(cid);
    expect(view.participants.map((p) => [p.purpose, p.state])).toEqual([
      ['customer', 'connected'],
      ['external', 'connected'],
    ]);
    expect(legOf(view, { ...policy, botAddress: SEED.botAddress })).toBe(bot);
    expect(callOverReason(view)).toBeUndefined();
    const conv = ctx.sim.getConversation(cid)!;
    expect(view).toEqual(parseConversation(readEndpoint === 'calls' ? toCallShape(conv) : toGenericShape(conv)));
    expect(ctx.sim.requests()[1]).toMatchObject({ endpoint: readEndpoint === 'calls' ? 'calls/read' : 'conversations/read', status: 200 });
  });

  it('a conversation that does not exist is gone (call over), whichever read answers it', async () => {
    ctx = await startContract();
    const err = await failure(ctx.client.getConversation('00000000-0000-4000-8000-000000000000'));
    expect(err).toMatchObject({ kind: 'gone', status: 404, code: 'not.found', request: { method: 'GET' } });
    const calls = ctx.newClient({ readEndpoint: 'calls' }).client;
    expect(await failure(calls.getConversation('00000000-0000-4000-8000-000000000000'))).toMatchObject({ kind: 'gone', status: 404, code: 'conversation.error.conversation.not.found' });
  });

  it('an ended call reads as over in both shapes', async () => {
    ctx = await startContract();
    const { cid } = live(ctx);
    ctx.sim.hangup(cid);
    expect(callOverReason(await ctx.client.getConversation(cid))).toBe('conversation ended');
    const calls = ctx.newClient({ readEndpoint: 'calls' }).client;
    expect(callOverReason(await calls.getConversation(cid))).toBe('customer disconnected');
  });
});

describe('transfers by strategy and target', () => {
  const cases: Array<[TransferStrategy, Parameters<Contract['client']['transfer']>[2], string, string]> = [
    ['replace', FALLBACK_QUEUE, 'replace/queue', 'acd'],
    ['replace', { kind: 'queue', queueName: SEED.fallbackQueue.name }, 'replace/queue', 'acd'],
    ['replace', { kind: 'agent', userId: SEED.agentUserId }, 'replace/agent', 'agent'],
    ['replace', { kind: 'number', address: SEED.fallbackNumber }, 'transfer', 'ivr'],
    ['calls-replace', FALLBACK_QUEUE, 'calls/replace', 'acd'],
    ['calls-replace', { kind: 'agent', userId: SEED.agentUserId }, 'calls/replace', 'agent'],
    ['calls-replace', { kind: 'number', address: SEED.fallbackNumber }, 'calls/replace', 'ivr'],
    ['interactions', FALLBACK_QUEUE, 'interactions', 'acd'],
  ];
  it.each(cases)('%s to %j posts %s and Genesys then shows the transfer', async (strategy, target, endpoint, newPurpose) => {
    ctx = await startContract();
    const { cid, bot } = live(ctx);
    await ctx.client.transfer(cid, bot, target, strategy);
    expect(ctx.sim.transfers(cid)).toMatchObject([{ participantId: bot, endpoint, state: 'Complete', replyDropped: false }]);
    const view = await ctx.client.getConversation(cid);
    expect(stateOf(view, target, bot)).toBe('done');
    expect(view.participants.at(-1)?.purpose).toBe(newPurpose);
  });

  it('a transfer stays Pending until the transfer delay has passed, then completes', async () => {
    ctx = await startContract({ fakeClock: false, sim: { transferDelayMs: 150 } });
    const { cid, bot } = live(ctx);
    await ctx.client.transfer(cid, bot, FALLBACK_QUEUE, 'replace');
    const first = await ctx.client.getConversation(cid);
    expect(first.recentTransfers.map((t) => t.state)).toEqual(['Pending']);
    expect(first.participants.find((p) => p.id === bot)?.state).toBe('connected');
    expect(stateOf(first, FALLBACK_QUEUE, bot)).toBe('in-progress'); // Pending: not done, but never post twice
    const done = await waitFor(async () => {
      const v = await ctx!.client.getConversation(cid);
      return stateOf(v, FALLBACK_QUEUE, bot) === 'done' ? v : undefined;
    });
    expect(done.recentTransfers.map((t) => t.state)).toEqual(['Complete']);
    expect(done.participants.find((p) => p.id === bot)).toMatchObject({ state: 'disconnected', disconnectType: 'transfer' });
    expect(done.participants.at(-1)).toMatchObject({ purpose: 'acd', queueId: SEED.fallbackQueue.id, state: 'connected' });
  });

  it('a transfer Genesys accepts but then fails is reported failed, and the bot leg stays', async () => {
    ctx = await startContract({ sim: { faults: [{ endpoint: 'transfer', action: { type: 'fail-transfer' }, count: 1 }] } });
    const { cid, bot } = live(ctx);
    await ctx.client.transfer(cid, bot, FALLBACK_QUEUE, 'replace'); // 202
    const view = await ctx.client.getConversation(cid);
    expect(transferState(view, FALLBACK_QUEUE, { legId: bot, since: 0 })).toMatchObject({ status: 'failed', state: 'Failed' });
    expect(legOf(view)).toBe(bot);
    await ctx.client.transfer(cid, bot, FALLBACK_QUEUE, 'replace'); // posting again after a failure is no duplicate
    expect(ctx.sim.stats()).toMatchObject({ transfers: 2, duplicateTransfers: 0, transfersByState: { Failed: 1, Complete: 1 } });
  });

  it('the interactions batch reports a refused item as an error despite its 200', async () => {
    ctx = await startContract();
    const err = await failure(ctx.client.transfer('00000000-0000-4000-8000-000000000000', 'p', FALLBACK_QUEUE, 'interactions'));
    expect(err).toMatchObject({ kind: 'gone', status: 404, request: { path: '/api/v2/interactions' } });
  });
});

describe('Genesys refusals', () => {
  it('a bad queue id is permanent (400 conversations.error.queue.not.found), and nothing moves', async () => {
    ctx = await startContract();
    const { cid, bot } = live(ctx);
    const err = await failure(ctx.client.transfer(cid, bot, { kind: 'queue', queueId: '11111111-2222-4333-8444-555555555555' }, 'replace'));
    expect(err).toMatchObject({ kind: 'permanent', status: 400, code: 'conversations.error.queue.not.found' });
    expect(ctx.sim.transfers()).toHaveLength(0);
  });

  it.each([
    ['bad.request', 400, 'bad.request'],
    ['not.connected', 400, 'conversations.error.transfer.not.connected'],
    ['not.active', 403, 'conversation.error.forbidden.not.active.participant'],
  ] as const)('a leg that is no longer connected (Genesys answering %s) is a refused leg, never "call over" or a missing permission', async (notConnectedAnswer, status, code) => {
    ctx = await startContract({ sim: { notConnectedAnswer } });
    const { cid, bot } = live(ctx);
    ctx.sim.hangup(cid);
    expect(await failure(ctx.client.transfer(cid, bot, FALLBACK_QUEUE, 'replace'))).toMatchObject({ kind: 'leg-refused', status, code });
  });

  it('a POST for the customer, an unknown participant or an unknown call is a refused leg: a 404 on a POST says nothing about the call', async () => {
    ctx = await startContract();
    const { cid, customer } = live(ctx);
    expect(await failure(ctx.client.transfer(cid, customer, FALLBACK_QUEUE, 'replace'))).toMatchObject({ kind: 'leg-refused', status: 400, code: 'bad.request' });
    expect(await failure(ctx.client.transfer(cid, 'nobody', FALLBACK_QUEUE, 'replace'))).toMatchObject({ kind: 'leg-refused', status: 404, code: 'not.found' });
    expect(await failure(ctx.client.transfer('no-such-call', 'p', FALLBACK_QUEUE, 'replace'))).toMatchObject({ kind: 'leg-refused', status: 404 });
    // Only the read decides that the call is over.
    expect(await failure(ctx.client.getConversation('no-such-call'))).toMatchObject({ kind: 'gone', status: 404 });
  });

  it('403 names the missing permission(s) from the body', async () => {
    ctx = await startContract({
      sim: {
        faults: [
          { endpoint: 'read', action: { type: 'status', status: 403, permission: 'conversation:communication:view' }, count: 1 },
          {
            endpoint: 'transfer',
            action: { type: 'status', status: 403, permission: ['conversation:communication:blindTransfer', 'conversation:communication:blindTransferQueue'], anyOf: true },
            count: 1,
          },
        ],
      },
    });
    const { cid, bot } = live(ctx);
    const read = await failure(ctx.client.getConversation(cid));
    expect(read).toMatchObject({ kind: 'forbidden', status: 403, code: 'missing.permissions', missingPermissions: ['conversation:communication:view'] });
    const post = await failure(ctx.client.transfer(cid, bot, FALLBACK_QUEUE, 'replace'));
    expect(post).toMatchObject({ kind: 'forbidden', code: 'missing.any.permissions' });
    expect(post.missingPermissions).toEqual(['conversation:communication:blindTransfer', 'conversation:communication:blindTransferQueue']);
    expect(post.message).toContain('one of conversation:communication:blindTransfer');
  });
});

describe('transient failures: transient on a read, ambiguous on a transfer', () => {
  it.each([500, 502, 503, 504, 408])('%i', async (status) => {
    ctx = await startContract({ sim: { faults: [{ endpoint: 'any', action: { type: 'status', status }, count: 2 }] } });
    const { cid, bot } = live(ctx);
    expect(await failure(ctx.client.getConversation(cid))).toMatchObject({ kind: 'transient', status, request: { method: 'GET' } });
    const err = await failure(ctx.client.transfer(cid, bot, FALLBACK_QUEUE, 'replace'));
    expect(err).toMatchObject({ kind: 'ambiguous', status, request: { method: 'POST', path: `/api/v2/conversations/${cid}/participants/${bot}/replace/queue` } });
    expect(err.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(ctx.sim.transfers()).toHaveLength(0); // a 5xx from the fault never applied it
  });

  it('a timeout (no answer) is transient on a read and ambiguous on a transfer; the transfer was not applied', async () => {
    ctx = await startContract({ fakeClock: false, timeoutMs: 200, sim: { faults: [{ endpoint: 'any', action: { type: 'timeout' }, count: 2 }] } });
    const { cid, bot } = live(ctx);
    expect(await failure(ctx.client.getConversation(cid))).toMatchObject({ kind: 'transient', status: 0, code: 'ETIMEDOUT' });
    expect(await failure(ctx.client.transfer(cid, bot, FALLBACK_QUEUE, 'replace'))).toMatchObject({ kind: 'ambiguous', status: 0, code: 'ETIMEDOUT' });
    expect(ctx.sim.transfers()).toHaveLength(0);
    expect(ctx.sim.stats()).toMatchObject({ unanswered: 2 });
  });

  it('accept-then-drop (reset) is ambiguous, and the transfer IS applied: a read shows it', async () => {
    ctx = await startContract({ sim: { faults: [{ endpoint: 'transfer', action: { type: 'accept-drop' }, count: 1 }] } });
    const { cid, bot } = live(ctx);
    const err = await failure(ctx.client.transfer(cid, bot, FALLBACK_QUEUE, 'replace'));
    expect(err).toMatchObject({ kind: 'ambiguous', status: 0, code: 'ECONNRESET' });
    expect(ctx.sim.transfers(cid)).toMatchObject([{ participantId: bot, replyDropped: true, state: 'Complete' }]);
    expect(stateOf(await ctx.client.getConversation(cid), FALLBACK_QUEUE, bot)).toBe('done');
  });

  it('accept-then-hang is ambiguous by timeout, and applied', async () => {
    ctx = await startContract({ fakeClock: false, timeoutMs: 200, sim: { faults: [{ endpoint: 'transfer', action: { type: 'accept-drop', mode: 'hang' }, count: 1 }] } });
    const { cid, bot } = live(ctx);
    expect(await failure(ctx.client.transfer(cid, bot, FALLBACK_QUEUE, 'replace'))).toMatchObject({ kind: 'ambiguous', code: 'ETIMEDOUT' });
    expect(ctx.sim.transfers(cid)).toHaveLength(1);
  });

  it('a transfer slower than the client timeout is ambiguous and lands after the client gave up', async () => {
    ctx = await startContract({ fakeClock: false, timeoutMs: 150, sim: { faults: [{ endpoint: 'transfer', action: { type: 'latency', ms: 400 }, count: 1 }] } });
    const { cid, bot } = live(ctx);
    expect(await failure(ctx.client.transfer(cid, bot, FALLBACK_QUEUE, 'replace'))).toMatchObject({ kind: 'ambiguous', code: 'ETIMEDOUT' });
    expect(ctx.sim.transfers()).toHaveLength(0);
    await waitFor(() => ctx!.sim.transfers(cid).length === 1, { what: 'the late transfer' });
  });

  it('latency under the timeout is just slow', async () => {
    ctx = await startContract({ fakeClock: false, timeoutMs: 1000, sim: { faults: [{ endpoint: 'read', action: { type: 'latency', ms: 100 }, count: 1 }] } });
    const { cid } = live(ctx);
    await expect(ctx.client.getConversation(cid)).resolves.toMatchObject({ id: cid });
    expect(ctx.requests.at(-1)!.durationMs).toBeGreaterThanOrEqual(90);
  });
});

describe('secrets', () => {
  it('no error carries the bearer token, whatever failed', async () => {
    ctx = await startContract({
      fakeClock: false,
      timeoutMs: 200,
      sim: {
        faults: [
          { endpoint: 'read', action: { type: 'timeout' }, count: 1 },
          { endpoint: 'read', action: { type: 'status', status: 503 }, count: 1 },
          { endpoint: 'transfer', action: { type: 'accept-drop' }, count: 1 },
        ],
      },
    });
    const { cid, bot } = live(ctx);
    const bearer = await ctx.tokens.getToken();
    const errors = [
      await failure(ctx.client.getConversation(cid)),
      await failure(ctx.client.getConversation(cid)),
      await failure(ctx.client.transfer(cid, bot, FALLBACK_QUEUE, 'replace')),
    ];
    expect(errors.map((e) => e.kind)).toEqual(['transient', 'transient', 'ambiguous']);
    for (const e of errors) {
      expect(`${e.message} ${e.stack} ${JSON.stringify(e)} ${JSON.stringify(Object.entries(e))}`).not.toContain(bearer);
      expect((e as Error & { cause?: unknown }).cause).toBeUndefined();
    }
  });
});

describe('401 mid-life', () => {
  it('a revoked token: one token refresh and one retry, then success', async () => {
    ctx = await startContract();
    const { cid } = live(ctx);
    await ctx.client.getConversation(cid);
    ctx.sim.revokeTokens();
    await expect(ctx.client.getConversation(cid)).resolves.toMatchObject({ id: cid });
    expect(reads(ctx).map((r) => r.status)).toEqual([200, 401, 200]);
    expect(ctx.sim.stats().tokensIssued).toBe(2);
    expect(ctx.gate.acquired).toBe(3); // the retry went through the gate too
  });

  it.each(['revoke-token', 'expire-token'] as const)('%s fault on a transfer: refreshed, retried once, transferred once', async (type) => {
    ctx = await startContract({ sim: { faults: [{ endpoint: 'transfer', action: { type }, count: 1 }] } });
    const { cid, bot } = live(ctx);
    await ctx.client.transfer(cid, bot, FALLBACK_QUEUE, 'replace');
    expect(ctx.sim.requests({ endpoint: 'replace/queue' }).map((r) => r.status)).toEqual([401, 202]);
    expect(ctx.sim.stats()).toMatchObject({ tokensIssued: 2, transfers: 1 });
  });

  it('many concurrent calls hitting 401 share one token refresh', async () => {
    ctx = await startContract();
    const convs = Array.from({ length: 10 }, () => live(ctx!).cid);
    await ctx.tokens.getToken();
    ctx.sim.revokeTokens();
    await Promise.all(convs.map((id) => ctx!.client.getConversation(id)));
    expect(ctx.sim.stats().tokensIssued).toBe(2);
  });

  it('a second 401 in a row is an auth error: no loop', async () => {
    ctx = await startContract({ sim: { faults: [{ endpoint: 'read', action: { type: 'status', status: 401, code: 'bad.credentials' } }] } });
    const { cid } = live(ctx);
    expect(await failure(ctx.client.getConversation(cid))).toMatchObject({ kind: 'auth', status: 401, code: 'bad.credentials' });
    expect(reads(ctx)).toHaveLength(2);
    expect(ctx.sim.stats().tokensIssued).toBe(2);
  });
});

describe('429', () => {
  it('is rate-limited with retryAfterMs from the header, tells the gate, and nothing is sent before it elapsed', async () => {
    ctx = await startContract({ sim: { faults: [{ endpoint: 'read', action: { type: 'status', status: 429, retryAfterSec: 7 }, count: 1 }] } });
    const { cid } = live(ctx);
    const err = await failure(ctx.client.getConversation(cid));
    expect(err).toMatchObject({ kind: 'rate-limited', status: 429, code: 'too.many.requests.retry.after', retryAfterMs: 7000 });
    expect(ctx.gate.blockedWith).toEqual([7000]);

    ctx.clock.advance(6_999);
    const early = await failure(ctx.client.getConversation(cid));
    expect(early).toMatchObject({ kind: 'rate-limited', status: 0, code: 'retry.after.pending', retryAfterMs: 1 });
    expect(reads(ctx)).toHaveLength(1); // refused locally: Genesys never saw it

    ctx.clock.advance(1);
    await expect(ctx.client.getConversation(cid)).resolves.toMatchObject({ id: cid });
    expect(ctx.sim.stats().earlyRequests).toBe(0);
  });

  it('on a transfer, nothing was applied', async () => {
    ctx = await startContract({ sim: { faults: [{ endpoint: 'transfer', action: { type: 'status', status: 429, retryAfterSec: 3 }, count: 1 }] } });
    const { cid, bot } = live(ctx);
    expect(await failure(ctx.client.transfer(cid, bot, FALLBACK_QUEUE, 'replace'))).toMatchObject({ kind: 'rate-limited', retryAfterMs: 3000 });
    expect(ctx.sim.transfers()).toHaveLength(0);
  });
});
