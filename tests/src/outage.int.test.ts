import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startStack, waitForFinal, type Stack } from './harness.js';

/**
 * Issue 12 (S17): a bot outage fails many calls at once, and the Genesys budget decides how many callers are
 * moved. Real ingress and worker processes, the simulator over HTTP with Genesys' 300 requests/min per token.
 */

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const api = (s: Stack) => s.sim.requests().filter((r) => r.endpoint !== 'oauth/token');

async function burst(s: Stack, convs: Array<{ id: string }>, extra: Record<string, unknown> = {}): Promise<any[]> {
  const posted = await Promise.all(convs.map((c) => s.post({ eventId: randomUUID(), failureType: 'FLOW_ERROR', conversationId: c.id, ...extra })));
  for (const p of posted) expect(p.status).toBe(202);
  return Promise.all(posted.map((p) => waitForFinal(s, p.body.id, 60_000)));
}

describe('a bot outage under the Genesys budget', () => {
  it('drains a burst with about one request per moved caller: reads shared, confirmations deferred and batched', async () => {
    stack = await startStack({ sim: { rateLimitPerMinute: 300 }, workerEnv: {} });
    const convs = Array.from({ length: 60 }, () => stack!.sim.createConversation());
    const finals = await burst(stack, convs);
    expect(finals.map((f) => f.status)).toEqual(convs.map(() => 'transferred'));
    const stats = stack.sim.stats();
    expect(stats).toMatchObject({ transfers: 60, duplicateTransfers: 0, earlyRequests: 0, rateLimited: 0 });
    const requests = api(stack);
    const perCaller = requests.length / 60;
    expect(perCaller).toBeLessThanOrEqual(1.3);
    // Every transfer was confirmed (its job read it after the POST), mostly in shared analytics reads.
    expect(stats.byEndpoint['analytics/details']).toBeGreaterThan(1);
    console.log(`outage burst: 60 moved with ${requests.length} Genesys requests (${perCaller.toFixed(2)} per caller): ${JSON.stringify(stats.byEndpoint)}`);
  });

  it('analytics lag: a call too new for analytics is read directly; a leg it still shows live but Genesys refuses is read again and the live one moved', async () => {
    // Analytics 54 s behind: six calls it cannot see yet, six whose bot leg was re-created within that time (built
    // 60 s ago, the first bot leg dropped 52.5 s ago, the new one joined 50 s ago: analytics shows the dropped leg
    // live and not the new one, for the next 1.5 s).
    stack = await startStack({ sim: { rateLimitPerMinute: 300, analyticsLagMs: 54_000 } });
    const young = Array.from({ length: 6 }, () => stack!.sim.createConversation({ startedAgoMs: 0 }));
    const recreated = Array.from({ length: 6 }, () => stack!.sim.createConversation({ staleBotLeg: true, startedAgoMs: 60_000 }));
    const finals = await burst(stack, [...young, ...recreated]);
    expect(finals.map((f) => f.status)).toEqual([...young, ...recreated].map(() => 'transferred'));
    for (const c of [...young, ...recreated]) expect(stack.sim.transfers(c.id), c.id).toMatchObject([{ participantId: c.roles.bot, state: 'Complete' }]);
    expect(stack.sim.stats()).toMatchObject({ duplicateTransfers: 0, earlyRequests: 0 });
    const byEndpoint = stack.sim.stats().byEndpoint;
    expect(byEndpoint['analytics/details']).toBeGreaterThan(1);
    // Each young call missing from analytics was read directly before its POST.
    for (const c of young) expect(stack.sim.requests({ endpoint: 'conversations/read' }).some((r) => r.path.endsWith(c.id)), c.id).toBe(true);
    // Re-created legs that analytics named were refused by Genesys, then read directly and the live leg moved.
    const refusedStale = recreated.filter((c) => stack!.sim.requests({ endpoint: 'replace/queue' }).some((r) => r.path.includes(`${c.id}/participants/${c.roles.stale}`) && r.status === 400));
    expect(refusedStale.length).toBeGreaterThan(0);
  });

  it('without the analytics permission (403) the worker says so at start and reads each call on its own', async () => {
    stack = await startStack({
      sim: { rateLimitPerMinute: 300, faults: [{ endpoint: 'analytics', action: { type: 'status', status: 403, permission: 'analytics:conversationDetail:view' } }] },
      workerEnv: { LOG_LEVEL: 'info' },
    });
    expect(stack.workers[0]!.lines.some((l) => l.includes('lacks analytics:conversationDetail:view'))).toBe(true);
    const convs = Array.from({ length: 10 }, () => stack!.sim.createConversation());
    const finals = await burst(stack, convs);
    expect(finals.map((f) => f.status)).toEqual(convs.map(() => 'transferred'));
    // The one analytics request is the permission check at start.
    expect(stack.sim.stats().byEndpoint['analytics/details']).toBe(1);
    expect(stack.sim.stats().byEndpoint['conversations/read']).toBeGreaterThanOrEqual(10);
    expect(stack.sim.stats()).toMatchObject({ transfers: 10, duplicateTransfers: 0 });
  });

  it('spends nothing on a caller it cannot move before the deadline: the budget spent, the rest expire without a request', async () => {
    // A budget of 12 requests in any 10 s: a burst of 30 callers with a 5 s deadline cannot all be moved.
    stack = await startStack({ sim: { rateLimitPerMinute: 300 }, workerEnv: { GENESYS_REQUESTS_PER_MINUTE: '12', GENESYS_BUDGET_WINDOW_SECONDS: '10' } });
    const convs = Array.from({ length: 30 }, () => stack!.sim.createConversation());
    const finals = await burst(stack, convs, { ttlSeconds: 5 });
    const moved = finals.filter((f) => f.status === 'transferred').length;
    const expired = finals.filter((f) => f.status === 'expired').length;
    expect(moved + expired).toBe(30);
    const requests = api(stack).sort((x, y) => x.at - y.at);
    // Never more than the budget (12, the permission check at start included) in any 10 s of arrivals.
    let peak = 0;
    for (let i = 0, j = 0; i < requests.length; i += 1) {
      while (requests[i]!.at - requests[j]!.at >= 10_000) j += 1;
      peak = Math.max(peak, i - j + 1);
    }
    expect(peak).toBeLessThanOrEqual(12);
    // Every transfer left before its caller's deadline; nothing was posted for a caller it could not move in time.
    const deadlineOf = new Map(finals.map((f) => [f.conversationId, Date.parse(f.deadline)]));
    for (const t of stack.sim.transfers()) expect(t.at, t.conversationId).toBeLessThanOrEqual(deadlineOf.get(t.conversationId)!);
    const firstWindow = requests.filter((r) => r.at < requests[0]!.at + 10_000);
    // Reads are shared: the start-up check, a lone first read, a few batches; the rest of the budget moved callers.
    expect(firstWindow.filter((r) => r.endpoint === 'replace/queue')).toHaveLength(moved);
    expect(firstWindow.length - moved).toBeLessThanOrEqual(6);
    expect(moved).toBeGreaterThanOrEqual(6);
    expect(stack.sim.stats()).toMatchObject({ earlyRequests: 0, rateLimited: 0, duplicateTransfers: 0, transfers: moved });
    console.log(`budget-bound burst: ${moved} moved, ${expired} expired, ${firstWindow.length} requests in the first window (budget 12 per 10 s, deadline 5 s)`);
  });
});
