import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { readRedisMemory, type RedisMemory } from './durability.js';

/** Queue-wide numbers read at metrics scrape time (the shape packages/observability's queueMetrics reads). */
export interface QueueStats {
  counts(): Promise<Record<string, number>>;
  oldestWaitingSince(): Promise<number | undefined>;
  rateLimitRemainingMs(): Promise<number>;
  paused(): Promise<boolean>;
  /** Present when queueStatsSource was given the connection. */
  redisMemory?(): Promise<RedisMemory[]>;
}

/** States worth a gauge (`completed`/`failed` are bounded by retention). */
const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;

/**
 * Reads queue-wide numbers from BullMQ. The oldest waiting job is the one BullMQ will take next (the tail of
 * the wait list, `asc`); its age counts from `receivedAt` in its data, when the failure reached the ingress,
 * because that is how long the caller has been on hold.
 */
export function queueStatsSource(queue: Queue, redis?: Redis): QueueStats {
  return {
    async counts() {
      return (await queue.getJobCounts(...STATES)) as Record<string, number>;
    },
    async oldestWaitingSince() {
      const [job] = await queue.getJobs(['waiting'], 0, 0, true);
      if (!job) return undefined;
      const receivedAt = (job.data as { receivedAt?: unknown } | undefined)?.receivedAt;
      return typeof receivedAt === 'number' ? receivedAt : job.timestamp;
    },
    async rateLimitRemainingMs() {
      return Math.max(0, await queue.getRateLimitTtl());
    },
    paused: () => queue.isPaused(),
    // The connection is passed in rather than dug out of BullMQ (whose client is a proxy around it).
    ...(redis ? { redisMemory: () => readRedisMemory(redis) } : {}),
  };
}
