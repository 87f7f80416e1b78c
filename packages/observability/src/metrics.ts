import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { REASONS, parseFailure, type FallbackResult } from '@fallback/core';

/**
 * The metric catalog. Every series the service exports is defined here, once, so the Grafana dashboard and the
 * alert rules under deploy/ can be checked against it (packages/observability/src/deploy.test.ts does).
 * Names follow Prometheus conventions: `_total` counters, `_seconds` units, base units only.
 */
export const METRIC_NAMES = {
  ingestRequests: 'fallback_ingest_requests_total',
  ingestDuration: 'fallback_ingest_duration_seconds',
  jobs: 'fallback_jobs_total',
  jobRetries: 'fallback_job_retries_total',
  jobStalls: 'fallback_job_stalls_total',
  webhookToTransfer: 'fallback_webhook_to_transfer_seconds',
  genesysRequests: 'fallback_genesys_requests_total',
  genesysDuration: 'fallback_genesys_request_duration_seconds',
  genesysRateLimited: 'fallback_genesys_rate_limited_total',
  genesysEarly: 'fallback_genesys_requests_before_retry_after_total',
  tokenRefreshes: 'fallback_genesys_token_refreshes_total',
  queueJobs: 'fallback_queue_jobs',
  queueOldestWaiting: 'fallback_queue_oldest_waiting_seconds',
  queueRateLimitTtl: 'fallback_queue_rate_limit_remaining_seconds',
  queuePaused: 'fallback_queue_paused',
  collectErrors: 'fallback_metrics_collect_errors_total',
  redisMemoryUsed: 'fallback_redis_memory_used_bytes',
  redisMemoryMax: 'fallback_redis_memory_max_bytes',
  routeExtras: 'fallback_route_extras_total',
  breakerFlips: 'fallback_breaker_flips_total',
  breakerOpen: 'fallback_breaker_open',
  breakerFailures: 'fallback_breaker_window_failures',
} as const;

/** A metrics registry for one process, with Node's process metrics (`process_*`, `nodejs_*`) unless turned off. */
export function createMetricsRegistry(opts: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

/** What the ingress records per request to POST /v1/fallbacks. */
export interface IngressMetrics {
  /** One answered ingest request: HTTP status, our stable code (`accepted`, `duplicate`, or the error code), and its duration. */
  ingest(status: number, code: string, seconds: number): void;
}

/** Ingress metrics on `registry`. */
export function ingressMetrics(registry: Registry): IngressMetrics {
  const requests = new Counter({
    name: METRIC_NAMES.ingestRequests,
    help: 'Failure events received on POST /v1/fallbacks, by HTTP status and stable code (accepted, duplicate, or the error code).',
    labelNames: ['status', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: METRIC_NAMES.ingestDuration,
    help: 'Time from request to answer on POST /v1/fallbacks (the ack Cognigy waits for; it gives up after 8 s).',
    labelNames: ['status'] as const,
    // Acks are milliseconds on a healthy Redis; the top buckets show a Redis in trouble.
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 8],
    registers: [registry],
  });
  return {
    ingest(status, code, seconds) {
      requests.inc({ status: String(status), code });
      duration.observe({ status: String(status) }, seconds);
    },
  };
}

/** A Genesys API request as GenesysClient's `onRequest` hook reports it. */
export interface GenesysRequestInfo {
  endpoint: string;
  method: string;
  /** HTTP status, 0 when no answer arrived. */
  status: number;
  durationMs: number;
}

/** The parts of a BullMQ job the worker metrics read. */
export interface FinishedJob {
  data?: { receivedAt?: unknown } | null;
  failedReason?: string;
  /** Set by BullMQ when a failure is final (not when the job will be retried). */
  finishedOn?: number;
}

/** One attempt of the outage breaker at setting its switch in Genesys. */
export interface BreakerFlipInfo {
  breaker: string;
  to: 'open' | 'closed';
  /** Who decided: the breaker itself or a person (a forced state). */
  by: 'breaker' | 'person';
  /** done: written; already: Genesys showed it so; failed: retried. */
  result: 'done' | 'already' | 'failed';
}

/** What the worker records: Genesys traffic, token refreshes, how jobs end, the breaker's flips. */
export interface WorkerMetrics {
  genesysRequest(info: GenesysRequestInfo): void;
  /** A Genesys API request left before a Retry-After this process knew of had elapsed (the pacer reports it). */
  genesysEarly(): void;
  tokenRefreshed(): void;
  /** BullMQ `completed`: a transfer (or an expiry, which completes on purpose). */
  jobCompleted(job: FinishedJob, result: FallbackResult | null | undefined, now: number): void;
  /** BullMQ `failed`: a retry when the failure is not final, a dead letter with its reason when it is. */
  jobFailed(job: FinishedJob): void;
  /** BullMQ `stalled`: a job whose worker died or froze, picked up again. */
  jobStalled(): void;
  /** A route's extra (issue 13): the chain's next target, a callback, the agent's context, and how it went. */
  routeExtra(kind: 'next-target' | 'callback' | 'agent-context', outcome: 'done' | 'skipped' | 'not-needed' | 'failed'): void;
  /** The breaker's evaluator set (or failed to set) its switch. */
  breakerFlip(info: BreakerFlipInfo): void;
}

/** How a finished job counts: its outcome and a stable reason (the labels of fallback_jobs_total). */
export interface JobOutcome {
  outcome: 'transferred' | 'expired' | 'failed';
  reason: string;
}

/** The outcome of a completed job from its return value. Pure. */
export function completedOutcome(result: FallbackResult | null | undefined): JobOutcome {
  if (result?.outcome === 'expired') return { outcome: 'expired', reason: REASONS.deadlinePassed };
  // A retry that found the transfer already done (accepted, reply lost) is worth telling apart: no POST was sent.
  return { outcome: 'transferred', reason: result?.alreadyTransferred ? 'already.transferred' : 'none' };
}

/** The outcome of a final failure from BullMQ's failedReason (`<reason.code>: <detail>`). Pure. */
export function failedOutcome(failedReason: string | undefined): JobOutcome {
  return { outcome: 'failed', reason: parseFailure(failedReason).reason };
}

/** Worker metrics on `registry`. */
export function workerMetrics(registry: Registry): WorkerMetrics {
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers });
  const histogram = <L extends string>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []) =>
    new Histogram<L>({ name, help, buckets, labelNames, registers });

  const jobs = counter(
    METRIC_NAMES.jobs,
    'Fallback jobs that reached a final state: transferred, expired (deadline passed) or failed (dead-lettered), with the reason code.',
    ['outcome', 'reason'],
  );
  const retries = counter(
    METRIC_NAMES.jobRetries,
    'Failed attempts that BullMQ will retry with backoff (transient Genesys errors). 429s are not retries: they pause the queue.',
  );
  const stalls = counter(METRIC_NAMES.jobStalls, 'Jobs found with an expired lock (their worker died or froze) and run again.');
  const latency = histogram(
    METRIC_NAMES.webhookToTransfer,
    'Time from the failure event reaching the ingress to the transfer being confirmed in Genesys (the caller on hold).',
    [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120],
  );
  const requests = counter(METRIC_NAMES.genesysRequests, 'Genesys Cloud API requests by endpoint, method and HTTP status (0: no answer).', [
    'endpoint',
    'method',
    'status',
  ]);
  const duration = histogram(METRIC_NAMES.genesysDuration, 'Duration of Genesys Cloud API requests.', [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], ['endpoint']);
  const rateLimited = counter(METRIC_NAMES.genesysRateLimited, 'Genesys answers 429 (rate limited), by endpoint.', ['endpoint']);
  const early = counter(METRIC_NAMES.genesysEarly, 'Genesys API requests sent before a Retry-After this process was given had elapsed. Must stay 0.');
  const refreshes = counter(METRIC_NAMES.tokenRefreshes, 'OAuth tokens obtained from Genesys (client credentials).');
  const extras = counter(
    METRIC_NAMES.routeExtras,
    "What routes added to transfers: the chain's next target, a callback, the agent's context; done, skipped (callers were waiting for the budget), not-needed or failed.",
    ['kind', 'outcome'],
  );
  const flips = counter(
    METRIC_NAMES.breakerFlips,
    "The outage breaker's attempts at setting its switch (emergency group or data-table row): to open/closed, by the breaker or a person, done / already (Genesys showed it so) / failed (retried).",
    ['breaker', 'to', 'by', 'result'],
  );
  // Series that alerts compare against must exist from the start: an absent series never fires `> 0`.
  early.inc(0);
  retries.inc(0);
  stalls.inc(0);

  return {
    genesysRequest(info) {
      requests.inc({ endpoint: info.endpoint, method: info.method, status: String(info.status) });
      duration.observe({ endpoint: info.endpoint }, info.durationMs / 1000);
      if (info.status === 429) rateLimited.inc({ endpoint: info.endpoint });
    },
    genesysEarly() {
      early.inc();
    },
    tokenRefreshed() {
      refreshes.inc();
    },
    jobCompleted(job, result, now) {
      const o = completedOutcome(result);
      jobs.inc({ outcome: o.outcome, reason: o.reason });
      const receivedAt = job.data?.receivedAt;
      if (o.outcome === 'transferred' && typeof receivedAt === 'number') {
        const at = result?.at ?? now;
        latency.observe(Math.max(0, at - receivedAt) / 1000);
      }
    },
    jobFailed(job) {
      if (job.finishedOn === undefined) {
        retries.inc();
        return;
      }
      const o = failedOutcome(job.failedReason);
      jobs.inc({ outcome: o.outcome, reason: o.reason });
    },
    jobStalled() {
      stalls.inc();
    },
    routeExtra(kind, outcome) {
      extras.inc({ kind, outcome });
    },
    breakerFlip(info) {
      flips.inc({ breaker: info.breaker, to: info.to, by: info.by, result: info.result });
    },
  };
}

/** Where queue-wide gauges come from; read at scrape time (packages/queue's `queueStatsSource` reads BullMQ). */
export interface QueueStatsSource {
  /** Job counts by BullMQ state (waiting, active, delayed, failed, completed, …). */
  counts(): Promise<Record<string, number>>;
  /** Epoch ms the oldest waiting job's failure was received, or undefined when nothing waits. */
  oldestWaitingSince(): Promise<number | undefined>;
  /** How long the queue-wide 429 pause still lasts (ms, 0 when none). */
  rateLimitRemainingMs(): Promise<number>;
  /** True while someone paused the queue (Bull Board's pause button): nothing is transferred. */
  paused(): Promise<boolean>;
  /** Redis' used memory and `maxmemory` per node (INFO memory); optional: without it no Redis memory gauges. */
  redisMemory?(): Promise<{ node: string; usedBytes: number; maxBytes: number }[]>;
  /** Each outage breaker: open or not, and its failures within the window; optional: without it no breaker gauges. */
  breakers?(): Promise<{ breaker: string; open: boolean; failures: number }[]>;
}

/**
 * Queue-wide gauges computed from Redis on each scrape. Every process that exports them reports the same
 * numbers (aggregate with `max`, not `sum`). When Redis does not answer the series disappear for that scrape
 * and fallback_metrics_collect_errors_total counts it, rather than showing stale numbers as current.
 */
export function queueMetrics(registry: Registry, source: QueueStatsSource, now: () => number = Date.now): void {
  const registers = [registry];
  const errors = new Counter({
    name: METRIC_NAMES.collectErrors,
    help: 'Scrapes where the queue gauges could not be read from Redis.',
    registers,
  });
  errors.inc(0);
  /** A read two gauges share: the first collect of a scrape reads, the second (within a second) reuses it. */
  const oncePerScrape = <T>(read: () => Promise<T>): (() => Promise<T>) => {
    let shared: { at: number; read: Promise<T> } | undefined;
    return () => {
      if (!shared || now() - shared.at > 1000) shared = { at: now(), read: read() };
      return shared.read;
    };
  };
  /** A gauge filled by `read` on each scrape; emptied (and the error counted) when `read` fails. */
  const scraped = (name: string, help: string, read: (gauge: Gauge<string>) => Promise<void>, labelNames: string[] = []) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        this.reset();
        try {
          await read(this);
        } catch {
          errors.inc();
        }
      },
    });

  scraped(
    METRIC_NAMES.queueJobs,
    'Jobs in the fallback queue by BullMQ state (waiting, active, delayed = backing off, failed = dead letters, completed = retained).',
    async (g) => {
      for (const [state, count] of Object.entries(await source.counts())) g.set({ state }, count);
    },
    ['state'],
  );
  scraped(
    METRIC_NAMES.queueOldestWaiting,
    'Age of the oldest waiting job, from when its failure event was received (a caller on hold that long). 0 when none waits.',
    async (g) => {
      const since = await source.oldestWaitingSince();
      g.set(since === undefined ? 0 : Math.max(0, now() - since) / 1000);
    },
  );
  scraped(
    METRIC_NAMES.queueRateLimitTtl,
    'Remaining queue-wide pause after a Genesys 429 (seconds; 0 when the queue is not paused).',
    async (g) => g.set(Math.max(0, await source.rateLimitRemainingMs()) / 1000),
  );
  scraped(
    METRIC_NAMES.queuePaused,
    '1 while the queue is paused by a person (nothing is transferred), 0 otherwise.',
    async (g) => g.set((await source.paused()) ? 1 : 0),
  );
  const readBreakers = source.breakers?.bind(source);
  if (readBreakers) {
    const breakers = oncePerScrape(readBreakers);
    scraped(
      METRIC_NAMES.breakerOpen,
      'Outage breaker per name: 1 while open (its emergency group or data-table switch on: inbound flows send new callers around the bot), 0 closed.',
      async (g) => {
        for (const b of await breakers()) g.set({ breaker: b.breaker }, b.open ? 1 : 0);
      },
      ['breaker'],
    );
    scraped(
      METRIC_NAMES.breakerFailures,
      'Outage breaker per name: new failures counted within its window (it trips at its threshold).',
      async (g) => {
        for (const b of await breakers()) g.set({ breaker: b.breaker }, b.failures);
      },
      ['breaker'],
    );
  }
  const readMemory = source.redisMemory?.bind(source);
  if (readMemory) {
    // Both gauges come from one INFO per node per scrape.
    const memory = oncePerScrape(readMemory);
    scraped(
      METRIC_NAMES.redisMemoryUsed,
      'Memory Redis uses (INFO memory used_memory), per node. With noeviction, writes fail once it reaches maxmemory: the ingress then answers 503.',
      async (g) => {
        for (const n of await memory()) g.set({ node: n.node }, n.usedBytes);
      },
      ['node'],
    );
    scraped(
      METRIC_NAMES.redisMemoryMax,
      "Redis' maxmemory per node (bytes; 0 = no limit, so noeviction never engages and Redis grows until the kernel kills it).",
      async (g) => {
        for (const n of await memory()) g.set({ node: n.node }, n.maxBytes);
      },
      ['node'],
    );
  }
}

export type { Registry };
