import { afterEach, describe, expect, it } from 'vitest';
import { startStack, waitForFinal, type Stack } from './harness.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** The most requests the simulator saw in any `windowMs` (sliding), API calls only. */
function peakRate(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let lo = 0, hi = 0; hi < sorted.length; hi += 1) {
    while (sorted[hi]! - sorted[lo]! >= windowMs) lo += 1;
    peak = Math.max(peak, hi - lo + 1);
  }
  return peak;
}

describe('scale-out on one Redis', () => {
  it('two ingresses and three workers share one Genesys request budget and move each call once', async () => {
    // A budget of 30 requests in any 2 s for the OAuth client, whichever process sends them (the minute of
    // production, shortened so the test can see several windows).
    stack = await startStack({
      ingresses: 2,
      workers: 3,
      workerEnv: { GENESYS_REQUESTS_PER_MINUTE: '30', GENESYS_BUDGET_WINDOW_SECONDS: '2', WORKER_CONCURRENCY: '10', CONFIRM_DELAY_MS: '0' },
    });
    const ids: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      const conv = stack.sim.createConversation();
      const res = await stack.post({ conversationId: conv.id, eventId: `s-${i}` });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    const finals = await Promise.all(ids.map((id) => waitForFinal(stack!, id, 60_000)));
    expect(finals.every((f) => f.status === 'transferred')).toBe(true);
    const stats = stack.sim.stats();
    expect(stats.duplicateTransfers).toBe(0);
    expect(stats.earlyRequests).toBe(0);
    expect(stack.sim.transfers()).toHaveLength(30);
    const api = stack.sim.requests().filter((r) => r.endpoint !== 'oauth/token');
    // Three processes, one budget: no 2 s window of arrivals holds more than 30 (three budgets would allow 90),
    // and the work needed more than one window, so the budget was spent, waited for, and spent again.
    const times = api.map((r) => r.at);
    const peak = peakRate(times, 2000);
    expect(peak).toBeLessThanOrEqual(30);
    expect(api.length).toBeGreaterThan(30);
    // Three workers each fetched a token of the same OAuth client.
    expect(new Set(api.map((r) => r.tokenId)).size).toBe(3);
    console.log(`scale-out: ${api.length} Genesys requests, peak ${peak} in any 2 s (budget 30 per 2 s)`);
  });
});
