import { describe, expect, it } from 'vitest';
import { METRIC_NAMES, createMetricsRegistry, queueMetrics, workerMetrics } from './metrics.js';

const idleQueue = { counts: async () => ({}), oldestWaitingSince: async () => undefined, rateLimitRemainingMs: async () => 0, paused: async () => false };

describe('outage breaker metrics', () => {
  it('counts each flip attempt by breaker, direction, who and result', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const m = workerMetrics(registry);
    m.breakerFlip({ breaker: 'default', to: 'open', by: 'breaker', result: 'failed' });
    m.breakerFlip({ breaker: 'default', to: 'open', by: 'breaker', result: 'done' });
    const text = await registry.metrics();
    expect(text).toContain(`${METRIC_NAMES.breakerFlips}{breaker="default",to="open",by="breaker",result="failed"} 1`);
    expect(text).toContain(`${METRIC_NAMES.breakerFlips}{breaker="default",to="open",by="breaker",result="done"} 1`);
  });

  it('reads open state and window failures per breaker at scrape time, once for both gauges; a failed read is counted', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    let reads = 0;
    let fail = false;
    let clock = 1_000_000;
    queueMetrics(
      registry,
      {
      ...idleQueue,
      breakers: async () => {
        reads += 1;
        if (fail) throw new Error('Redis down');
        return [
          { breaker: 'default', open: true, failures: 25 },
          { breaker: 'billing-bot', open: false, failures: 3 },
        ];
      },
      },
      () => clock,
    );
    const text = await registry.metrics();
    expect(text).toContain(`${METRIC_NAMES.breakerOpen}{breaker="default"} 1`);
    expect(text).toContain(`${METRIC_NAMES.breakerOpen}{breaker="billing-bot"} 0`);
    expect(text).toContain(`${METRIC_NAMES.breakerFailures}{breaker="default"} 25`);
    expect(reads).toBe(1);
    fail = true;
    clock += 2000; // the next scrape reads again
    const after = await registry.metrics();
    expect(after).not.toContain(`${METRIC_NAMES.breakerOpen}{`);
    // The error counter is written before the gauges collect: the failed read shows from the next scrape on.
    expect(await registry.metrics()).toMatch(new RegExp(`${METRIC_NAMES.collectErrors} [1-9]`));
  });
});
