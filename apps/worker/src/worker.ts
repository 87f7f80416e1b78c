import os from 'node:os';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WorkerConfig } from '@fallback/config';
import type { FallbackJobData, FallbackResult } from '@fallback/core';
import { backoffDelay, createFallbackProcessor, type ProcessorDeps, type Reader, type TransferPort } from '@fallback/processor';
import { BACKOFF_STRATEGY, ConversationClaims, FALLBACK_QUEUE, openFallbackQueue } from '@fallback/queue';

/** How long a moved call is remembered, so later failure events of it finish without a Genesys request (ms). */
const DONE_TTL_MS = 3_600_000;

/** What a fallback worker needs; the caller owns `connection` and closes it after `close()`. */
export interface WorkerDeps {
  config: Pick<
    WorkerConfig,
    | 'queuePrefix'
    | 'concurrency'
    | 'lockDurationMs'
    | 'stalledIntervalMs'
    | 'maxStalledCount'
    | 'backoff'
    | 'confirm'
    | 'legPolicy'
    | 'genesys'
    | 'pacing'
    | 'claimTtlMs'
    | 'maxStarts'
    | 'maxPosts'
    | 'settleMs'
    | 'analytics'
    | 'shutdownTimeoutMs'
  >;
  connection: Redis;
  genesys: TransferPort;
  reader: Reader;
  /** True while callers compete for the request budget (PacerGate.pressure). */
  pressure?: () => boolean;
  /** What happened to a route's extras (metrics). */
  onExtra?: ProcessorDeps['onExtra'];
  logger: Logger;
  now?: () => number;
  random?: () => number;
  /** Start taking jobs at once (default true). */
  autorun?: boolean;
  /** Stored on each job it runs (`processedBy`, shown in Bull Board); default `host:pid`. */
  name?: string;
}

/** A running fallback worker. */
export interface FallbackWorker {
  worker: Worker<FallbackJobData, FallbackResult>;
  /**
   * Stops taking jobs and lets active ones finish; after `graceMs` the ones still running are handed back to the
   * queue at their next safe point (never between a transfer POST and its answer). Closes BullMQ's own
   * connections, not `connection`.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * A BullMQ worker for fallback jobs.
 *
 * Lock and stall settings decide how fast a job held by a crashed worker runs again: BullMQ's defaults
 * (30 s lock, 30 s stall check) leave a caller on hold up to a minute. Ours default to a 3 s lock (renewed every
 * 1.5 s, one batched call for all active jobs) and a stall check every 1 s, so another worker takes a job over
 * ~3–4.5 s after its worker died (measured in tests/src/crash.int.test.ts). The price: more Redis traffic, and a
 * worker whose event loop stalls > 3 s loses its jobs to another; the read-before-post on every re-run and the
 * conversation claim keep that from doubling a transfer.
 */
export function createFallbackWorker(deps: WorkerDeps): FallbackWorker {
  const { config, logger } = deps;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const queue = openFallbackQueue<FallbackJobData, FallbackResult>(deps.connection, config.queuePrefix);

  const processor = createFallbackProcessor({
    genesys: deps.genesys,
    reader: deps.reader,
    strategy: config.genesys.strategy,
    legPolicy: config.legPolicy,
    confirm: config.confirm,
    pacing: { firstRequestMaxWaitMs: config.pacing.firstRequestMaxWaitMs, inFlightMaxWaitMs: config.pacing.inFlightMaxWaitMs },
    claims: new ConversationClaims(deps.connection, config.queuePrefix, (jobId) => `${queue.toKey(jobId)}:lock`),
    claimTtlMs: config.claimTtlMs,
    doneTtlMs: DONE_TTL_MS,
    maxStarts: config.maxStarts,
    maxStalls: config.maxStalledCount,
    maxPosts: config.maxPosts,
    settleMs: config.settleMs,
    // A POST must leave within a third of the lock of its mark: a run frozen longer may have lost its job.
    fenceMs: Math.max(250, Math.floor(config.lockDurationMs / 3)),
    analyticsLagMs: config.analytics.lagMs,
    pressure: deps.pressure ?? (() => false),
    ...(deps.onExtra ? { onExtra: deps.onExtra } : {}),
    log: logger,
    rateLimitQueue: (ms) => queue.rateLimit(ms),
    now,
  });

  const worker = new Worker<FallbackJobData, FallbackResult>(FALLBACK_QUEUE, processor, {
    name: deps.name ?? `${os.hostname()}:${process.pid}`,
    connection: deps.connection,
    prefix: config.queuePrefix,
    concurrency: config.concurrency,
    autorun: deps.autorun ?? true,
    lockDuration: config.lockDurationMs,
    stalledInterval: config.stalledIntervalMs,
    // BullMQ would fail a job that stalled too often without looking at the call; the processor enforces
    // MAX_STALLED_COUNT itself, after reading the call when a POST of the job may have landed.
    maxStalledCount: 1_000_000,
    // BullMQ honours queue.rateLimit() (our 429 pause) only when a limiter is configured; this one never binds.
    limiter: { max: 1_000_000, duration: 1000 },
    // After a 429 pause, look again as soon as it ends (default idles up to 30 s).
    maximumRateLimitDelay: 1000,
    settings: {
      backoffStrategy: (attemptsMade: number, type?: string, err?: Error, job?: { data?: FallbackJobData }) => {
        if (type !== BACKOFF_STRATEGY) return 1000;
        const deadline = job?.data?.deadline ?? now() + config.backoff.capMs;
        const delay = backoffDelay(attemptsMade, config.backoff, random(), deadline - now());
        // An unanswered transfer POST is retried only once it can no longer land (SettleRetry.notBefore).
        const notBefore = (err as { notBefore?: unknown } | undefined)?.notBefore;
        return typeof notBefore === 'number' ? Math.max(delay, notBefore - now()) : delay;
      },
    },
  });

  // A run whose lock could not be renewed may already belong to another run: stop it before its next request.
  worker.on('lockRenewalFailed', (jobIds: string[]) => {
    for (const id of jobIds) worker.cancelJob(id, 'lock-lost');
    logger.warn({ jobIds }, 'job locks could not be renewed; their runs stop before their next Genesys request');
  });

  let lastErrorLog = 0;
  worker.on('error', (err) => {
    // BullMQ re-emits connection errors on every reconnect attempt; one line per 10 s is enough.
    if (now() - lastErrorLog > 10_000) {
      lastErrorLog = now();
      logger.error({ err: err.message }, 'worker error (Redis unreachable?); retrying');
    }
  });
  worker.on('failed', (job: Job<FallbackJobData> | undefined, err) => {
    if (!job) return;
    logger.debug({ jobId: job.id, conversationId: job.data?.conversationId, attemptsMade: job.attemptsMade, reason: err.message }, 'attempt failed');
  });

  return {
    worker,
    async close(graceMs = config.shutdownTimeoutMs) {
      const timer = setTimeout(() => {
        logger.warn({ graceMs }, 'active jobs still running at the grace deadline: handing them back');
        worker.cancelAllJobs('shutdown');
      }, graceMs);
      try {
        await worker.close();
      } finally {
        clearTimeout(timer);
        await queue.close();
      }
    },
  };
}
