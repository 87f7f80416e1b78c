import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';

/** The queue fallback jobs live in. */
export const FALLBACK_QUEUE = 'fallbacks';

/** The BullMQ job name (one kind of job per queue; the name shows in Bull Board). */
export const FALLBACK_JOB = 'transfer';

/**
 * Default key prefix. The braces are a Redis Cluster hash tag: every key of the queue (and our dedupe and
 * pacing keys) lands in one slot, which BullMQ's multi-key Lua scripts require on a cluster.
 */
export const DEFAULT_PREFIX = '{fallback}';

/** Name of the custom backoff strategy the worker registers (capped exponential, full jitter, deadline-aware). */
export const BACKOFF_STRATEGY = 'fallback';

/** Retention and retry settings that are part of a job when it is added. */
export interface JobPolicy {
  /** Failed attempts before a transient error becomes final (BullMQ `attempts`). */
  attempts: number;
  /** Keep finished jobs this long (s). Must outlive the dedupe window: a repeat finds the finished job. */
  retentionSec: number;
  /** Keep failed (dead-lettered) jobs this long (s). */
  failedRetentionSec: number;
}

/** BullMQ options for a fallback job with a deterministic id. */
export function fallbackJobOptions(jobId: string, policy: JobPolicy): JobsOptions {
  return {
    jobId,
    attempts: policy.attempts,
    backoff: { type: BACKOFF_STRATEGY },
    removeOnComplete: { age: policy.retentionSec },
    removeOnFail: { age: policy.failedRetentionSec },
  };
}

/** Redis key of the dedupe marker of a job (same hash tag as the queue). */
export function dedupeKey(prefix: string, jobId: string): string {
  return `${prefix}:${FALLBACK_QUEUE}:dedupe:${jobId}`;
}

/**
 * Redis key of the index of one conversation's fallbacks (a sorted set of job ids by reception time), per tenant
 * (a declared source; undefined in single-tenant mode). Same hash tag as the queue: written in the claim script.
 */
export function conversationIndexKey(prefix: string, conversationId: string, tenant?: string): string {
  return `${prefix}:${FALLBACK_QUEUE}:by-conversation:${tenant === undefined ? '' : `${tenant}:`}${conversationId.toLowerCase()}`;
}

/**
 * Redis key of a sender's flood counter (fixed window; GET and POST requests count on it). Same hash tag as the
 * queue: the enqueue script counts it.
 */
export function floodKey(prefix: string, source: string): string {
  return `${prefix}:ratelimit:${source}`;
}

/**
 * Redis scripts that each carry a whole batch of requests (MicroBatcher): a producer connection sends them as
 * they come instead of auto-pipelining them, which would only wrap each in a pipeline of its own (ioredis builds
 * one per flush, copying every script BullMQ defined onto it: ~5 % of the ingress' CPU).
 */
export const BATCH_SCRIPTS = { enqueue: 'fallbackEnqueue', flood: 'fallbackFlood' } as const;

/** The newest fallbacks a conversation's index keeps (older ones drop out of the lookup, not out of the queue). */
export const CONVERSATION_INDEX_LIMIT = 20;

/**
 * How long a conversation's index outlives its newest entry (s): as long as any of its jobs may still be retained
 * (the longer of the two retentions, after a deadline of at most an hour).
 */
export function conversationIndexTtlSec(policy: JobPolicy): number {
  return Math.max(policy.retentionSec, policy.failedRetentionSec) + 3600;
}

/**
 * Opens the fallback queue on a connection the caller owns (BullMQ does not close a connection it was handed).
 * It always has an `error` listener: without one BullMQ prints the error with console.error, and an ioredis
 * error prints its failed command, `AUTH <the Redis password>` included. Connection trouble is already reported
 * once per outage by createRedis' onStatus; `onError` gets the message only.
 */
export function openFallbackQueue<D = unknown, R = unknown>(connection: Redis, prefix: string, onError: (message: string) => void = () => undefined): Queue<D, R> {
  const queue = new Queue<D, R>(FALLBACK_QUEUE, { connection, prefix });
  queue.on('error', (err: Error) => onError(err.message));
  return queue;
}
