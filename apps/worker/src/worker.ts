import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WorkerConfig } from '@fallback/config';
import type { FallbackJobData, FallbackResult } from '@fallback/core';
import type { GenesysClient } from '@fallback/genesys';
import { backoffDelay, createFallbackProcessor } from '@fallback/processor';
import { BACKOFF_STRATEGY, FALLBACK_QUEUE, openFallbackQueue } from '@fallback/queue';

/** What a fallback worker needs; the caller owns `connection` and closes it after `close()`. */
export interface WorkerDeps {
  config: Pick<
    WorkerConfig,
    'queuePrefix' | 'concurrency' | 'lockDurationMs' | 'stalledIntervalMs' | 'maxStalledCount' | 'backoff' | 'confirm' | 'legPolicy' | 'genesys'
  >;
  connection: Redis;
  genesys: Pick<GenesysClient, 'getConversation' | 'transfer'>;
  logger: Logger;
  now?: () => number;
  random?: () => number;
  /** Start taking jobs at once (default true). */
  autorun?: boolean;
}

/** A running fallback worker. */
export interface FallbackWorker {
  worker: Worker<FallbackJobData, FallbackResult>;
  /** Stops taking jobs, lets active ones finish, closes BullMQ's own connections (not `connection`). */
  close(): Promise<void>;
}

/**
 * A BullMQ worker for fallback jobs.
 *
 * Lock and stall settings decide how fast a job held by a crashed worker runs again: BullMQ's defaults
 * (30 s lock, 30 s stall check) leave a caller on hold up to a minute; ours default to a 5 s lock renewed
 * every 2.5 s and a stall check every 2 s, so recovery takes ~5–7 s. The price is more Redis traffic and a
 * risk that a worker whose event loop stalls for > 5 s loses its lock: the read-before-post on every retry
 * is what keeps that from doubling a transfer.
 */
export function createFallbackWorker(deps: WorkerDeps): FallbackWorker {
  const { config, logger } = deps;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const queue = openFallbackQueue<FallbackJobData, FallbackResult>(deps.connection, config.queuePrefix);

  const processor = createFallbackProcessor({
    genesys: deps.genesys,
    strategy: config.genesys.strategy,
    legPolicy: config.legPolicy,
    confirm: config.confirm,
    log: logger,
    rateLimitQueue: (ms) => queue.rateLimit(ms),
    now,
  });

  const worker = new Worker<FallbackJobData, FallbackResult>(FALLBACK_QUEUE, processor, {
    connection: deps.connection,
    prefix: config.queuePrefix,
    concurrency: config.concurrency,
    autorun: deps.autorun ?? true,
    lockDuration: config.lockDurationMs,
    stalledInterval: config.stalledIntervalMs,
    maxStalledCount: config.maxStalledCount,
    // BullMQ only honours queue.rateLimit() (our 429 pause) when a limiter is configured; this one never binds.
    limiter: { max: 1_000_000, duration: 1000 },
    settings: {
      backoffStrategy: (attemptsMade: number, type?: string, _err?: Error, job?: { data?: FallbackJobData }) => {
        if (type !== BACKOFF_STRATEGY) return 1000;
        const deadline = job?.data?.deadline ?? now() + config.backoff.capMs;
        return backoffDelay(attemptsMade, config.backoff, random(), deadline - now());
      },
    },
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
    logger.debug({ jobId: job.id, attemptsMade: job.attemptsMade, reason: err.message }, 'attempt failed');
  });

  return {
    worker,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
