/**
 * Dead letters: fallbacks that failed for good (BullMQ's failed set), and replaying them. Used by fallbackctl; the
 * dashboard's retry button takes the same path (operator.ts).
 *
 * A replay is only worth it while the caller may still be on the line, and it must never move a caller twice:
 * - a job past its deadline is not replayed (it would only expire, and the dead letter with its reason would be
 *   gone);
 * - the replay resets the job's attempt and start counters (the retry gets its full attempts, instead of failing
 *   as `attempts.exhausted` at its first transient error) and records `retried` in the job data, so the worker
 *   knows an earlier run may have reached Genesys and reads the call before it posts.
 */
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { parseFailure, type FallbackJobData, type FallbackResult, type Target } from '@fallback/core';
import { retryDeadLetter } from './operator.js';

/** Job data as a replay leaves it: `retried` counts the replays (absent on a job never replayed). */
export type ReplayedJobData = FallbackJobData;

/** One dead letter, as an operator reads it. */
export interface DeadLetter {
  id: string;
  /** The stable reason code (`genesys.forbidden`, `call.ended`, …), `unknown` if the failure had none. */
  reason: string;
  detail?: string;
  conversationId: string;
  failureType: string;
  source: string;
  route: string;
  target: Target;
  /** Epoch ms: webhook received, job failed, caller presumed gone. */
  receivedAt: number;
  failedAt: number;
  deadline: number;
  attempts: number;
  starts: number;
  /** Times it was replayed before. */
  retried: number;
}

/** Which dead letters: by reason code, and by age since they failed (ms). */
export interface DeadLetterFilter {
  reasons?: readonly string[];
  /** At least this old. */
  minAgeMs?: number;
  /** At most this old. */
  maxAgeMs?: number;
}

/** A failed job as a DeadLetter. */
export function deadLetterOf(job: Job<ReplayedJobData, FallbackResult>): DeadLetter {
  const data = job.data;
  const { reason, detail } = parseFailure(job.failedReason);
  return {
    id: job.id!,
    reason,
    ...(detail !== undefined ? { detail } : {}),
    conversationId: data.conversationId,
    failureType: data.failureType,
    source: data.source,
    route: data.route,
    target: data.target,
    receivedAt: data.receivedAt,
    failedAt: job.finishedOn ?? job.timestamp,
    deadline: data.deadline,
    attempts: job.attemptsMade,
    starts: job.attemptsStarted ?? 0,
    retried: typeof data.retried === 'number' ? data.retried : 0,
  };
}

/** Whether a dead letter matches a filter at `now`. Pure. */
export function matchesFilter(dl: DeadLetter, filter: DeadLetterFilter, now: number): boolean {
  if (filter.reasons?.length && !filter.reasons.includes(dl.reason)) return false;
  const age = now - dl.failedAt;
  if (filter.minAgeMs !== undefined && age < filter.minAgeMs) return false;
  if (filter.maxAgeMs !== undefined && age > filter.maxAgeMs) return false;
  return true;
}

/** Every dead letter matching the filter, newest first, and how many there are in all. Reads in pages. */
export async function listDeadLetters(
  queue: Queue<ReplayedJobData, FallbackResult>,
  filter: DeadLetterFilter,
  now: number,
  pageSize = 500,
): Promise<{ total: number; matched: DeadLetter[] }> {
  const total = await queue.getFailedCount();
  const matched: DeadLetter[] = [];
  for (let start = 0; start < total; start += pageSize) {
    const jobs = await queue.getFailed(start, start + pageSize - 1);
    for (const job of jobs) if (job) {
      const dl = deadLetterOf(job);
      if (matchesFilter(dl, filter, now)) matched.push(dl);
    }
    if (jobs.length < pageSize) break;
  }
  matched.sort((a, b) => b.failedAt - a.failedAt);
  return { total, matched };
}

/** Why a job is not replayed. */
export type ReplaySkip = 'not-found' | 'not-failed' | 'past-deadline';

/** Whether to replay a job in a state with a deadline, at `now`. Pure. */
export function replayDecision(state: string, deadline: number | undefined, now: number): { replay: true } | { replay: false; why: ReplaySkip; message: string } {
  if (state === 'unknown') return { replay: false, why: 'not-found', message: 'no such fallback (unknown, or past retention)' };
  if (state !== 'failed') return { replay: false, why: 'not-failed', message: `it is ${state}, not a dead letter` };
  if (deadline === undefined || deadline <= now)
    return { replay: false, why: 'past-deadline', message: 'its deadline has passed: the caller is presumed gone, a replay would only expire it and lose the dead letter' };
  return { replay: true };
}

/** What a replay did. */
export type ReplayOutcome = { id: string; replayed: true; retried: number } | { id: string; replayed: false; why: ReplaySkip; message: string };

/**
 * Replays one dead letter (see the top of this file), or says why not: the dashboard's retry path
 * (`retryDeadLetter`: attempts, starts and stalls reset, `retried` recorded atomically first), plus the deadline
 * check. `dryRun` decides without changing anything.
 */
export async function replayDeadLetter(queue: Queue<ReplayedJobData, FallbackResult>, redis: Redis, id: string, now: number, dryRun = false): Promise<ReplayOutcome> {
  const state = await queue.getJobState(id);
  const job = state === 'unknown' ? undefined : await queue.getJob(id);
  const decision = replayDecision(job ? state : 'unknown', job?.data.deadline, now);
  if (!decision.replay) return { id, replayed: false, why: decision.why, message: decision.message };
  if (dryRun) return { id, replayed: true, retried: (typeof job!.data.retried === 'number' ? job!.data.retried : 0) + 1 };
  const done = await retryDeadLetter(queue, redis, id);
  if ('retried' in done) return { id, replayed: true, retried: done.retried };
  // Someone else replayed or removed it in between: say what it is now.
  const current = await queue.getJobState(id);
  return { id, replayed: false, why: current === 'unknown' ? 'not-found' : 'not-failed', message: `it became ${current} meanwhile` };
}
