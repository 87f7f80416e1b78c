import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { SEED } from '@fallback/genesys-sim';
import { ledger, startWorkerRig, type WorkerRig } from './worker-rig.js';

let rig: WorkerRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

/** N live simulated calls, each with one failure submitted; returns the job ids. */
async function submitCalls(r: WorkerRig, n: number, extra: Record<string, unknown> = {}): Promise<string[]> {
  const ids = [];
  for (let i = 0; i < n; i += 1) {
    const conv = r.sim.createConversation();
    ids.push(await r.submit({ conversationId: conv.id, eventId: `e-${i}`, failureType: 'FLOW_ERROR', ...extra }));
  }
  return ids;
}

describe('worker under Genesys faults (real Redis, real BullMQ, simulator over HTTP)', () => {
  it('429 storm: no request before Retry-After elapses, no attempt used, every call transferred once', async () => {
    // Two workers sharing a budget: sends of the client are serialised, so the first 429 is recorded for every
    // worker before the next request can leave, even when admitted requests wait in line.
    rig = await startWorkerRig({ workers: 2, env: { GENESYS_REQUESTS_PER_MINUTE: '1200' } });
    rig.sim.installFaults([{ endpoint: 'any', action: { type: 'status', status: 429, retryAfterSec: 2 }, durationMs: 2500 }]);
    const started = Date.now();
    const ids = await submitCalls(rig, 12);
    const views = await rig.settle(ids, 45_000);
    const l = ledger(views, rig.sim);
    expect(l).toMatchObject({ accepted: 12, transferred: 12, failed: 0, expired: 0, duplicateTransfers: 0 });
    expect(l.stats.rateLimited).toBeGreaterThan(0);
    expect(l.stats.earlyRequests).toBe(0);
    // 429s consume no attempts (BullMQ counts the finishing attempt: 1 means no failed one), yet jobs were
    // started more than once: they were handed back during the storm.
    expect(views.map((v) => v.attempts)).toEqual(views.map(() => 1));
    expect(views.some((v) => v.starts > 1)).toBe(true);
    // Nothing could be transferred before the storm ended.
    expect(Math.min(...rig.sim.transfers().map((t) => t.at))).toBeGreaterThanOrEqual(started + 2000);
  });

  it('5xx bursts on reads and transfers: retried with backoff, every call transferred exactly once', async () => {
    // With these rates an attempt fails ~43 % of the time; 10 attempts leave a job unfinished once in ~4,000.
    rig = await startWorkerRig({ sim: { seed: 7 }, attempts: 10 });
    rig.sim.installFaults([
      { endpoint: 'transfer', action: { type: 'status', status: 503 }, probability: 0.3 },
      { endpoint: 'read', action: { type: 'status', status: 502 }, probability: 0.1 },
    ]);
    const ids = await submitCalls(rig, 30);
    const views = await rig.settle(ids);
    const l = ledger(views, rig.sim);
    expect(l).toMatchObject({ accepted: 30, transferred: 30, duplicateTransfers: 0, unfinished: 0 });
    expect(l.stats.byStatus['503']).toBeGreaterThan(0);
    // Retries were used (attempts made), and each retry read the conversation before posting again.
    expect(views.some((v) => v.attempts > 1)).toBe(true);
  });

  it('"transfer accepted, reply lost": the retry reads first and never posts a second transfer', async () => {
    rig = await startWorkerRig({ sim: { transferDelayMs: 200 } });
    rig.sim.installFaults([{ endpoint: 'transfer', action: { type: 'accept-drop' }, probability: 0.5 }]);
    const ids = await submitCalls(rig, 20);
    const views = await rig.settle(ids);
    const l = ledger(views, rig.sim);
    expect(l).toMatchObject({ accepted: 20, transferred: 20, duplicateTransfers: 0 });
    expect(rig.sim.transfers()).toHaveLength(20);
    // Some were finished by reading state (the dropped replies), not by a second POST.
    expect(views.filter((v) => v.result && 'alreadyTransferred' in v.result && v.result.alreadyTransferred).length).toBeGreaterThan(0);
  });

  it('stale backlog: jobs past their deadline expire without a single Genesys request', async () => {
    rig = await startWorkerRig({ workers: 0 });
    const receivedAt = Date.now() - 10_000;
    const ids = [];
    for (let i = 0; i < 10; i += 1) {
      const conv = rig.sim.createConversation();
      ids.push(await rig.submit({ conversationId: conv.id, eventId: 'x', ttlSeconds: 5 }, { receivedAt }));
    }
    await rig.addWorker(); // its one request at start (may the client read analytics?) is behind it now
    const atStart = rig.sim.stats().requests;
    const l = ledger(await rig.settle(ids), rig.sim);
    expect(l).toMatchObject({ accepted: 10, expired: 10, transferred: 0 });
    expect(l.stats.requests).toBe(atStart);
  });

  it('permanent errors fail at once with a reason a person understands', async () => {
    rig = await startWorkerRig();
    const [forbiddenCall, hungUp, badQueue] = [rig.sim.createConversation(), rig.sim.createConversation(), rig.sim.createConversation()];
    rig.sim.installFaults([{ endpoint: 'transfer', action: { type: 'status', status: 403, permission: 'conversation:communication:blindTransfer' }, count: 1 }]);
    const forbidden = await rig.submit({ conversationId: forbiddenCall.id, eventId: 'f' });
    const [vForbidden] = await rig.settle([forbidden]);
    expect(vForbidden).toMatchObject({ status: 'failed', reason: 'genesys.forbidden', attempts: 1 });
    expect(vForbidden!.detail).toContain('conversation:communication:blindTransfer');
    expect(vForbidden!.detail).toMatch(/inin-correlation-id [0-9a-f-]{36}/);

    await fetch(`${rig.simUrl}/__sim/conversations/${hungUp.id}/hangup`, { method: 'POST' });
    const ended = await rig.submit({ conversationId: hungUp.id, eventId: 'h' });
    const unknownQueue = await rig.submit({ conversationId: badQueue.id, eventId: 'q' }, { queueId: randomUUID() });
    const [vEnded, vQueue] = await rig.settle([ended, unknownQueue]);
    expect(vEnded).toMatchObject({ status: 'failed', reason: 'call.ended' });
    expect(vQueue).toMatchObject({ status: 'failed', reason: 'genesys.rejected' });
    expect(vQueue!.detail).toContain('conversations.error.queue.not.found');
    expect(rig.sim.transfers()).toHaveLength(0);
  });

  it('two failure events for one call, handled at the same time by two workers, move it once', async () => {
    rig = await startWorkerRig({ workers: 2, sim: { transferDelayMs: 300 } });
    const ids: string[] = [];
    const calls = Array.from({ length: 8 }, () => rig!.sim.createConversation());
    for (const c of calls) {
      ids.push(await rig.submit({ conversationId: c.id, eventId: 'stt', failureType: 'STT_ERROR' }));
      ids.push(await rig.submit({ conversationId: c.id, eventId: 'flow', failureType: 'FLOW_ERROR' }));
    }
    const views = await rig.settle(ids);
    const l = ledger(views, rig.sim);
    expect(l).toMatchObject({ accepted: 16, transferred: 16, duplicateTransfers: 0 });
    expect(rig.sim.transfers()).toHaveLength(8);
  });

  it('uses the participant from the event to save a read: 2 Genesys requests per confirmed transfer', async () => {
    rig = await startWorkerRig();
    const conv = rig.sim.createConversation();
    const bot = conv.participants.find((p) => p.purpose === 'external')!;
    const [view] = await rig.settle([await rig.submit({ conversationId: conv.id, participantId: bot.id })]);
    expect(view).toMatchObject({ status: 'transferred', result: { participantId: bot.id, genesysRequests: 2 } });
    expect(rig.sim.stats().byEndpoint).toMatchObject({ 'replace/queue': 1, 'conversations/read': 1 });
  });

  it('jobs handed back before sending (a 429 storm on transfers) still skip the read when the event names the leg', async () => {
    // With a budget, a client's requests are serialised: no POST is on the wire when a 429 comes back.
    rig = await startWorkerRig({ env: { GENESYS_REQUESTS_PER_MINUTE: '1200' } });
    rig.sim.installFaults([{ endpoint: 'transfer', action: { type: 'status', status: 429, retryAfterSec: 1 }, count: 3 }]);
    const ids = [];
    for (let i = 0; i < 8; i += 1) {
      const conv = rig.sim.createConversation();
      ids.push(await rig.submit({ conversationId: conv.id, participantId: conv.participants.find((p) => p.purpose === 'external')!.id }));
    }
    const views = await rig.settle(ids);
    const l = ledger(views, rig.sim);
    expect(l).toMatchObject({ accepted: 8, transferred: 8, duplicateTransfers: 0 });
    expect(l.stats.earlyRequests).toBe(0);
    expect(views.some((v) => v.starts > 1)).toBe(true);
    // A 429 posted nothing: no job read the call before its POST; confirming took at most one read each (fewer
    // when confirmations shared an analytics read; the worker's permission check at start is one more).
    expect(rig.sim.transfers()).toHaveLength(8);
    const reads = rig.sim.requests().filter((r) => r.endpoint === 'conversations/read' || r.endpoint === 'analytics/details');
    const firstPost = Math.min(...rig.sim.requests().filter((r) => r.endpoint === 'replace/queue').map((r) => r.at));
    expect(reads.filter((r) => r.at < firstPost && r.endpoint === 'conversations/read')).toHaveLength(0);
    expect(reads.length).toBeLessThanOrEqual(8 + 1);
  });

  it('routes to the right endpoint per strategy', async () => {
    rig = await startWorkerRig({ env: { TRANSFER_STRATEGY: 'calls-replace', GENESYS_READ_ENDPOINT: 'calls' } });
    const conv = rig.sim.createConversation();
    const [view] = await rig.settle([await rig.submit({ conversationId: conv.id })]);
    expect(view!.status).toBe('transferred');
    expect(rig.sim.transfers()[0]).toMatchObject({ endpoint: 'calls/replace', target: { queueId: SEED.fallbackQueue.id } });
    expect(rig.sim.stats().byEndpoint['calls/read']).toBeGreaterThan(0);
  });
});
