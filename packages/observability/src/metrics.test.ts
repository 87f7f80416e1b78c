import { describe, expect, it } from 'vitest';
import { METRIC_NAMES, completedOutcome, createMetricsRegistry, failedOutcome, ingressMetrics, queueMetrics, workerMetrics } from './metrics.js';

/** One scrape (collect callbacks run once), then look-ups by name and labels. */
const scrape = async (registry: ReturnType<typeof createMetricsRegistry>) => {
  const metrics = await registry.getMetricsAsJSON();
  return (name: string, labels: Record<string, string> = {}) => {
    const metric = metrics.find((m) => m.name === name);
    const values = metric?.values as { labels: Record<string, unknown>; value: number; metricName?: string }[] | undefined;
    return values?.find((v) => (v.metricName ?? name) === name && Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l))?.value;
  };
};
const value = async (registry: ReturnType<typeof createMetricsRegistry>, name: string, labels: Record<string, string> = {}) =>
  (await scrape(registry))(name, labels);

describe('job outcomes', () => {
  it('maps return values and failedReasons to stable labels', () => {
    expect(completedOutcome({ outcome: 'expired', at: 1, deadline: 1, reason: 'deadline.passed' })).toEqual({ outcome: 'expired', reason: 'deadline.passed' });
    const transferred = { outcome: 'transferred', at: 1, target: { kind: 'queue', queueId: 'q' }, participantId: 'p', genesysRequests: 2 } as const;
    expect(completedOutcome({ ...transferred, alreadyTransferred: false })).toEqual({ outcome: 'transferred', reason: 'none' });
    expect(completedOutcome({ ...transferred, alreadyTransferred: true })).toEqual({ outcome: 'transferred', reason: 'already.transferred' });
    expect(failedOutcome('genesys.rejected: POST … → 400 (inin-correlation-id 1234)')).toEqual({ outcome: 'failed', reason: 'genesys.rejected' });
    expect(failedOutcome('something odd')).toEqual({ outcome: 'failed', reason: 'unknown' });
  });
});

describe('worker metrics', () => {
  it('counts final failures by reason and non-final ones as retries', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const m = workerMetrics(registry);
    m.jobFailed({ failedReason: 'GET /x → 503: temporary failure' });
    m.jobFailed({ failedReason: 'call.ended: customer disconnected', finishedOn: 5 });
    expect(await value(registry, METRIC_NAMES.jobRetries)).toBe(1);
    expect(await value(registry, METRIC_NAMES.jobs, { outcome: 'failed', reason: 'call.ended' })).toBe(1);
  });
  it('observes webhook→transfer latency from receivedAt to the confirmed transfer', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const m = workerMetrics(registry);
    const result = { outcome: 'transferred', at: 3_500, target: { kind: 'queue', queueId: 'q' }, participantId: 'p', alreadyTransferred: false, genesysRequests: 3 } as const;
    m.jobCompleted({ data: { receivedAt: 1_000 } }, result, 9_999);
    m.jobCompleted({ data: { receivedAt: 1_000 } }, { outcome: 'expired', at: 2, deadline: 1, reason: 'deadline.passed' }, 9_999);
    const text = await registry.metrics();
    expect(text).toContain(`${METRIC_NAMES.webhookToTransfer}_sum 2.5`);
    expect(text).toContain(`${METRIC_NAMES.webhookToTransfer}_count 1`);
    expect(await value(registry, METRIC_NAMES.jobs, { outcome: 'expired', reason: 'deadline.passed' })).toBe(1);
  });
  it('counts Genesys requests by endpoint and status, 429s separately, and early sends', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const m = workerMetrics(registry);
    expect(await value(registry, METRIC_NAMES.genesysEarly)).toBe(0); // present before anything happens, so alerts can fire
    m.genesysRequest({ endpoint: 'conversations/read', method: 'GET', status: 200, durationMs: 12 });
    m.genesysRequest({ endpoint: 'replace/queue', method: 'POST', status: 429, durationMs: 3 });
    m.genesysEarly();
    m.tokenRefreshed();
    expect(await value(registry, METRIC_NAMES.genesysRequests, { endpoint: 'replace/queue', status: '429' })).toBe(1);
    expect(await value(registry, METRIC_NAMES.genesysRateLimited, { endpoint: 'replace/queue' })).toBe(1);
    expect(await value(registry, METRIC_NAMES.genesysEarly)).toBe(1);
    expect(await value(registry, METRIC_NAMES.tokenRefreshes)).toBe(1);
  });
});

describe('ingress metrics', () => {
  it('counts ingest requests by status and code', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const m = ingressMetrics(registry);
    m.ingest(202, 'accepted', 0.002);
    m.ingest(202, 'accepted', 0.003);
    m.ingest(401, 'unauthorized', 0.001);
    expect(await value(registry, METRIC_NAMES.ingestRequests, { status: '202', code: 'accepted' })).toBe(2);
    expect(await value(registry, METRIC_NAMES.ingestRequests, { status: '401', code: 'unauthorized' })).toBe(1);
  });
});

describe('queue metrics', () => {
  it('reads queue gauges at scrape time, and drops them (counting an error) when the source fails', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    let fail = false;
    queueMetrics(
      registry,
      {
        counts: async () => {
          if (fail) throw new Error('Redis down');
          return { waiting: 3, failed: 1 };
        },
        oldestWaitingSince: async () => 10_000,
        rateLimitRemainingMs: async () => 1500,
        paused: async () => false,
      },
      () => 12_500,
    );
    expect(await value(registry, METRIC_NAMES.queueJobs, { state: 'waiting' })).toBe(3);
    expect(await value(registry, METRIC_NAMES.queueOldestWaiting)).toBe(2.5);
    expect(await value(registry, METRIC_NAMES.queueRateLimitTtl)).toBe(1.5);
    fail = true;
    const after = await scrape(registry);
    expect(after(METRIC_NAMES.queueJobs, { state: 'waiting' })).toBeUndefined();
    expect(after(METRIC_NAMES.collectErrors)).toBe(1);
  });
});

describe('Redis memory gauges', () => {
  it('report used and max memory per node from one read per scrape', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    let reads = 0;
    let clock = 0;
    queueMetrics(
      registry,
      {
        counts: async () => ({}),
        oldestWaitingSince: async () => undefined,
        rateLimitRemainingMs: async () => 0,
        paused: async () => false,
        redisMemory: async () => {
          reads += 1;
          return [{ node: 'redis:6379', usedBytes: 300 << 20, maxBytes: 1 << 30 }];
        },
      },
      () => clock,
    );
    const first = await scrape(registry);
    expect(first(METRIC_NAMES.redisMemoryUsed, { node: 'redis:6379' })).toBe(300 << 20);
    expect(first(METRIC_NAMES.redisMemoryMax, { node: 'redis:6379' })).toBe(1 << 30);
    expect(reads).toBe(1);
    clock += 15_000;
    await scrape(registry);
    expect(reads).toBe(2);
  });
});
