import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FallbackJobData, FallbackResult } from '@fallback/core';

/** What a person asked of one job, and why it was not done. */
export type OperatorRefusal =
  | { refused: 'not_found' }
  /** Remove: the job is still pending or running; removing it would lose an acknowledged failure. */
  | { refused: 'job_not_final'; state: string }
  /** Retry: only a dead letter (failed) may run again; a completed job already transferred or expired. */
  | { refused: 'job_not_failed'; state: string }
  /** Retry: the job changed between reading and retrying it (another person retried or removed it). */
  | { refused: 'job_changed' };

/** True when a person may remove a job in this state: only finished ones (completed, failed). Pure. */
export function mayRemove(state: string): boolean {
  return state === 'completed' || state === 'failed';
}

/** True when a person may retry a job in this state: only dead letters (failed). Pure. */
export function mayRetry(state: string): boolean {
  return state === 'failed';
}

/**
 * Records a retry in a dead letter, only while it still is one and its data is what was read: `data` becomes the
 * new data, and BullMQ's stall counter (`stc`) goes with the attempt counts, so the retried job starts afresh.
 * KEYS: job hash, failed set. ARGV: job id, data as read, new data.
 */
const RECORD_RETRY = `
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
if redis.call('HGET', KEYS[1], 'data') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[3])
redis.call('HDEL', KEYS[1], 'stc')
return 1
`;

type RecordingRedis = Redis & { fallbackRecordRetry(jobKey: string, failedKey: string, jobId: string, before: string, after: string): Promise<number> };

/**
 * Sends a dead letter back to the queue as a fresh job: attempts, starts and stalls reset (BullMQ's own retry
 * keeps them, so a job that failed on `attempts.exhausted` or the start budget would fail again at once), and
 * `retried` counted in its data first, so the worker that takes it knows an earlier run may have posted and reads
 * the call before posting. Refuses anything but a failed job.
 *
 * Two steps (record, then BullMQ's retry), each conditional on the job still being failed: two people retrying
 * the same job at once move it once; the loser's count may stay in the data, which only makes the worker read.
 */
export async function retryDeadLetter(
  queue: Queue<FallbackJobData, FallbackResult>,
  redis: Redis,
  jobId: string,
): Promise<{ retried: number } | OperatorRefusal> {
  const job = (await queue.getJob(jobId)) as Job<FallbackJobData, FallbackResult> | undefined;
  if (!job) return { refused: 'not_found' };
  const state = await job.getState();
  if (!mayRetry(state)) return { refused: 'job_not_failed', state };
  const jobKey = queue.toKey(jobId);
  const before = await redis.hget(jobKey, 'data');
  if (before === null) return { refused: 'not_found' };
  const data = JSON.parse(before) as FallbackJobData;
  const retried = (typeof data.retried === 'number' ? data.retried : 0) + 1;
  if (!('fallbackRecordRetry' in redis)) redis.defineCommand('fallbackRecordRetry', { numberOfKeys: 2, lua: RECORD_RETRY });
  const recorded = await (redis as RecordingRedis).fallbackRecordRetry(jobKey, queue.keys.failed!, jobId, before, JSON.stringify({ ...data, retried }));
  if (recorded !== 1) return { refused: 'job_changed' };
  try {
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
  } catch {
    // BullMQ's retry found the job no longer failed: someone else moved or removed it in between.
    return { refused: 'job_changed' };
  }
  return { retried };
}

/**
 * Removes a finished job (completed or failed); refuses a waiting, delayed, prioritized or active one, whose
 * removal would lose an acknowledged failure with the caller still on hold. (The state is read, then the job
 * removed: a person retrying the same job in that instant is the only way to slip between the two.)
 */
export async function removeFinishedJob(queue: Queue<FallbackJobData, FallbackResult>, jobId: string): Promise<{ removed: true } | OperatorRefusal> {
  const job = await queue.getJob(jobId);
  if (!job) return { refused: 'not_found' };
  const state = await job.getState();
  if (!mayRemove(state)) return { refused: 'job_not_final', state };
  await job.remove();
  return { removed: true };
}
