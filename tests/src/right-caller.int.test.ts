import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { SEED } from '@fallback/genesys-sim';
import { waitFor } from '@fallback/testing';
import { startStack, waitForFinal, type Stack } from './harness.js';

/**
 * Issue 10: move the right caller against the real Genesys contract (scenarios S11–S13), with real ingress and
 * worker processes and the simulator over HTTP. Each case asserts on the simulator's ledger (which leg was
 * replaced, how many transfers were applied, requests before a Retry-After) and on GET /v1/fallbacks/:id.
 */

let stack: Stack;
const transfersOf = (cid: string) => stack.sim.transfers(cid);
const postsOf = (cid: string) => stack.sim.requests({ endpoint: 'replace/queue' }).filter((r) => r.path.includes(cid));

async function fallback(body: Record<string, unknown>): Promise<any> {
  const res = await stack.post({ eventId: randomUUID(), failureType: 'FLOW_ERROR', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return waitForFinal(stack, res.body.id, 30_000);
}

describe('the right leg, whatever the event says (S11, S13)', () => {
  beforeAll(async () => {
    stack = await startStack({ workerEnv: { CONFIRM_DELAY_MS: '20', GENESYS_TIMEOUT_MS: '1000', POST_SETTLE_MS: '1000' } });
  });
  afterAll(async () => stack?.stop());
  afterEach(() => {
    stack.sim.clearFaults();
    stack.sim.configure({ notConnectedAnswer: 'bad.request' });
  });

  it.each(['bad.request', 'not.connected', 'not.active'] as const)(
    'a participantId naming a bot leg that has ended (Genesys answering %s): the live bot leg is moved, once',
    async (notConnectedAnswer) => {
      stack.sim.configure({ notConnectedAnswer });
      const conv = stack.sim.createConversation({ staleBotLeg: true });
      const { stale, bot } = conv.roles;
      const final = await fallback({ conversationId: conv.id, participantId: stale });
      expect(final).toMatchObject({ status: 'transferred', result: { participantId: bot, alreadyTransferred: false } });
      expect(transfersOf(conv.id)).toMatchObject([{ participantId: bot, state: 'Complete' }]);
      // The refused POST to the stale leg, then one to the live one.
      expect(postsOf(conv.id).map((r) => r.status)).toEqual([notConnectedAnswer === 'not.active' ? 403 : 400, 202]);
    },
  );

  it('a participantId Genesys does not know (POST → 404 not.found): the live bot leg is moved, once', async () => {
    const conv = stack.sim.createConversation();
    const final = await fallback({ conversationId: conv.id, participantId: randomUUID() });
    expect(final).toMatchObject({ status: 'transferred', result: { participantId: conv.roles.bot } });
    expect(transfersOf(conv.id)).toHaveLength(1);
    expect(postsOf(conv.id).map((r) => r.status)).toEqual([404, 202]);
  });

  it.each([
    ['without a participantId', false],
    ['with the old bot leg as participantId', true],
  ])('a late failure event for a call a person now has (%s): nobody is moved, "already transferred"', async (_name, withHint) => {
    const conv = stack.sim.createConversation({ withAgent: true });
    const final = await fallback({ conversationId: conv.id, ...(withHint ? { participantId: conv.roles.bot } : {}) });
    expect(final).toMatchObject({ status: 'transferred', result: { alreadyTransferred: true } });
    expect(transfersOf(conv.id)).toHaveLength(0);
    expect(stack.sim.getConversation(conv.id)!.participants.find((p) => p.id === conv.roles.agent)).toMatchObject({ state: 'connected' });
    // With the hint the POST was tried (and refused: that leg is not connected); without, nothing was posted.
    expect(postsOf(conv.id).filter((r) => r.status === 202)).toHaveLength(0);
  });
});

describe('Pending is not done (S12)', () => {
  beforeAll(async () => {
    stack = await startStack({ workerEnv: { CONFIRM_DELAY_MS: '50' } });
  });
  afterAll(async () => stack?.stop());

  it('Genesys accepts the transfer, shows it Pending for 4 s, then Failed: it is posted again once Failed, and the caller moved', async () => {
    const conv = stack.sim.createConversation();
    stack.sim.installFaults([{ endpoint: 'transfer', conversationId: conv.id, action: { type: 'fail-transfer', state: 'Failed', pendingMs: 4000 }, count: 1 }]);
    const final = await fallback({ conversationId: conv.id });
    expect(final).toMatchObject({ status: 'transferred', result: { participantId: conv.roles.bot, alreadyTransferred: false } });
    const [first, second] = transfersOf(conv.id);
    expect(first).toMatchObject({ state: 'Failed', participantId: conv.roles.bot });
    expect(second).toMatchObject({ state: 'Complete', participantId: conv.roles.bot });
    expect(transfersOf(conv.id)).toHaveLength(2);
    // Never posted on top of a Pending transfer: the second POST left only after the first had failed.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(4000);
    expect(stack.sim.stats().duplicateTransfers).toBe(0);
  });
});

describe('short-lived OAuth tokens', () => {
  beforeAll(async () => {
    stack = await startStack({ sim: { tokenTtlSec: 4 }, workerEnv: { CONFIRM_DELAY_MS: '20' } });
  });
  afterAll(async () => stack?.stop());

  it('a 4 s token is used for half its life: about one token request per 2 s, not one per call', async () => {
    const started = Date.now();
    const finals = [];
    for (let i = 0; i < 11; i += 1) {
      finals.push(await fallback({ conversationId: stack.sim.createConversation().id }));
      await new Promise((r) => setTimeout(r, 700)); // the load: calls spread over time, as they come in production
    }
    const seconds = (Date.now() - started) / 1000;
    expect(finals.every((f) => f.status === 'transferred')).toBe(true);
    const tokens = stack.sim.stats().tokensIssued;
    expect(tokens).toBeLessThanOrEqual(Math.ceil(seconds / 2) + 2);
    console.log(`short tokens: ${tokens} token requests for 11 calls over ${seconds.toFixed(1)} s (4 s lifetime)`);
  });
});

describe('never early, however long the Retry-After (issue 10 §5)', () => {
  beforeAll(async () => {
    stack = await startStack({ workerEnv: { CONFIRM_DELAY_MS: '20', GENESYS_REQUESTS_PER_MINUTE: '295' } });
  });
  afterAll(async () => stack?.stop());

  it('a Retry-After longer than the caller can wait expires the job: nothing is sent before it ends, nothing shortened', async () => {
    const conv = stack.sim.createConversation();
    stack.sim.installFaults([{ endpoint: 'any', action: { type: 'status', status: 429, retryAfterSec: 600 }, count: 1 }]);
    const final = await fallback({ conversationId: conv.id, participantId: conv.roles.bot, ttlSeconds: 30 });
    expect(final).toMatchObject({ status: 'expired', reason: 'deadline.passed' });
    // A second caller in the same 10 minutes is not sent for either: the client is blocked for everyone.
    const other = stack.sim.createConversation();
    expect(await fallback({ conversationId: other.id, participantId: other.roles.bot, ttlSeconds: 30 })).toMatchObject({ status: 'expired' });
    expect(stack.sim.stats()).toMatchObject({ earlyRequests: 0, rateLimited: 1, transfers: 0 });
  });
});

describe('Retry-After: 0 (issue 10 §5)', () => {
  beforeAll(async () => {
    stack = await startStack({ workerEnv: { CONFIRM_DELAY_MS: '20', GENESYS_REQUESTS_PER_MINUTE: '295' } });
  });
  afterAll(async () => stack?.stop());

  it('is honoured without a Redis error, and the caller is moved', async () => {
    const conv = stack.sim.createConversation();
    stack.sim.installFaults([{ endpoint: 'transfer', action: { type: 'status', status: 429, retryAfterSec: 0 }, count: 1 }]);
    const final = await fallback({ conversationId: conv.id, participantId: conv.roles.bot });
    expect(final).toMatchObject({ status: 'transferred' });
    expect(stack.sim.stats()).toMatchObject({ earlyRequests: 0, rateLimited: 1, transfers: 1 });
    expect(stack.workers[0]!.lines.some((l) => /ReplyError|ERR |invalid expire time/.test(l))).toBe(false);
  });
});

describe('truthful outcomes when a POST may have landed (issue 10 §6)', () => {
  beforeAll(async () => {
    stack = await startStack({ workerEnv: { CONFIRM_DELAY_MS: '20', GENESYS_TIMEOUT_MS: '1000', POST_SETTLE_MS: '1500', MAX_STARTS: '1' } });
  });
  afterAll(async () => stack?.stop());

  it('past MAX_STARTS, a job whose unanswered POST landed reads the call and ends transferred, not failed', async () => {
    const conv = stack.sim.createConversation();
    stack.sim.installFaults([{ endpoint: 'transfer', conversationId: conv.id, action: { type: 'accept-drop' }, count: 1 }]);
    const final = await fallback({ conversationId: conv.id, participantId: conv.roles.bot });
    expect(final).toMatchObject({ status: 'transferred', result: { alreadyTransferred: true } });
    expect(final.starts).toBeGreaterThan(1);
    expect(transfersOf(conv.id)).toHaveLength(1);
  });

  it('past its deadline, a job whose unanswered POST landed reads the call and ends transferred, not expired', async () => {
    const conv = stack.sim.createConversation();
    stack.sim.installFaults([{ endpoint: 'transfer', conversationId: conv.id, action: { type: 'slow-apply', answerAfterMs: 1500, applyAfterMs: 1200 }, count: 1 }]);
    const final = await fallback({ conversationId: conv.id, participantId: conv.roles.bot, ttlSeconds: 1 });
    expect(final).toMatchObject({ status: 'transferred' });
    expect(transfersOf(conv.id)).toHaveLength(1);
  });
});

describe('BOT_PURPOSES with agent/user configured (issue 10 §4)', () => {
  beforeAll(async () => {
    stack = await startStack({ workerEnv: { CONFIRM_DELAY_MS: '20', BOT_PURPOSES: 'external,ivr,agent,user' } });
  });
  afterAll(async () => stack?.stop());

  it('still never replaces the agent who took the call after the bot was transferred', async () => {
    const conv = stack.sim.createConversation({ withAgent: true });
    const final = await fallback({ conversationId: conv.id });
    expect(final).toMatchObject({ status: 'transferred', result: { alreadyTransferred: true } });
    expect(transfersOf(conv.id)).toHaveLength(0);
  });
});

describe('a 403 that is about a leg is not a credentials problem (issue 10 §8)', () => {
  beforeAll(async () => {
    stack = await startStack({ workerEnv: { CONFIRM_DELAY_MS: '20' } });
  });
  afterAll(async () => stack?.stop());

  it('missing.permissions names the permission (genesys.forbidden); not.active.participant only makes it read and move the live leg', async () => {
    const denied = stack.sim.createConversation();
    stack.sim.installFaults([{ endpoint: 'transfer', conversationId: denied.id, action: { type: 'status', status: 403, permission: 'conversation:communication:blindTransferQueue' }, count: 1 }]);
    const refused = await fallback({ conversationId: denied.id, participantId: denied.roles.bot });
    expect(refused).toMatchObject({ status: 'failed', reason: 'genesys.forbidden' });
    expect(refused.detail).toContain('conversation:communication:blindTransferQueue');

    stack.sim.configure({ notConnectedAnswer: 'not.active' });
    const stale = stack.sim.createConversation({ staleBotLeg: true });
    expect(await fallback({ conversationId: stale.id, participantId: stale.roles.stale })).toMatchObject({ status: 'transferred', result: { participantId: stale.roles.bot } });
    const queueId = SEED.fallbackQueue.id;
    expect(transfersOf(stale.id)).toMatchObject([{ participantId: stale.roles.bot, target: { queueId } }]);
  });
});

describe('one POST per call when Genesys is slow (S14, issue 11 §2)', () => {
  beforeAll(async () => {
    // The client gives up after 1 s; Genesys validates at once, answers after 1.5 s and applies then. A run reads
    // only POST_SETTLE_MS (2 s) after its POST left.
    stack = await startStack({ workerEnv: { CONFIRM_DELAY_MS: '20', GENESYS_TIMEOUT_MS: '1000', POST_SETTLE_MS: '2000' } });
  });
  afterAll(async () => stack?.stop());

  it('a transfer answered after the client timed out and applied later is applied once — also for several calls at once', async () => {
    const convs = Array.from({ length: 6 }, () => stack.sim.createConversation());
    stack.sim.installFaults([{ endpoint: 'transfer', action: { type: 'slow-apply', answerAfterMs: 1500, applyAfterMs: 1500 }, count: 6 }]);
    const finals = await Promise.all(convs.map((c) => fallback({ conversationId: c.id })));
    expect(finals.map((f) => f.status)).toEqual(convs.map(() => 'transferred'));
    for (const c of convs) expect(transfersOf(c.id), c.id).toHaveLength(1);
    expect(stack.sim.stats().duplicateTransfers).toBe(0);
    // Nothing read about a call between its unanswered POST and the settle time.
    for (const c of convs) {
      const post = postsOf(c.id)[0]!;
      const early = stack.sim.requests({ endpoint: 'conversations/read' }).filter((r) => r.path.includes(c.id) && r.at > post.at && r.at < post.at + 1900);
      expect(early, c.id).toHaveLength(0);
    }
  });
});

describe('a run may POST only while it owns its job (S15, issue 11 §1)', () => {
  beforeAll(async () => {
    stack = await startStack({ workers: 2, workerEnv: { CONFIRM_DELAY_MS: '20' } });
  });
  afterAll(async () => stack?.stop());

  it('a worker frozen (SIGSTOP) between claim and POST longer than its lock, then continued, posts nothing; the call moves once', async () => {
    const conv = stack.sim.createConversation();
    // The first read of the call takes 2 s: the worker that runs the job is stopped while it waits for it.
    stack.sim.installFaults([{ endpoint: 'read', conversationId: conv.id, action: { type: 'latency', ms: 2000 }, count: 1 }]);
    const res = await stack.post({ eventId: 'frozen', conversationId: conv.id });
    expect(res.status).toBe(202);
    const holder = await waitFor(
      async () => {
        const active = (await stack.status(res.body.id)).body?.status === 'active';
        if (!active) return undefined;
        const job = await stack.redis.hget(`${stack.prefix}:fallbacks:${res.body.id}`, 'pb');
        return stack.workers.find((w) => job?.endsWith(`:${w.child.pid}`));
      },
      { timeoutMs: 10_000, intervalMs: 5, what: 'the job to be taken' },
    );
    holder.child.kill('SIGSTOP');
    try {
      // The other worker takes the job over once the frozen one's lock has expired, and moves the call.
      const final = await waitForFinal(stack, res.body.id, 20_000);
      expect(final).toMatchObject({ status: 'transferred' });
    } finally {
      holder.child.kill('SIGCONT');
    }
    // The frozen run wakes up with its read answered: it must not post.
    await waitFor(() => holder.lines.some((l) => /lost its job|lock|no POST/.test(l)) || undefined, { timeoutMs: 10_000, what: 'the frozen run to notice' });
    expect(transfersOf(conv.id)).toHaveLength(1);
    expect(postsOf(conv.id)).toHaveLength(1);
    expect(stack.sim.stats().duplicateTransfers).toBe(0);
  });
});
