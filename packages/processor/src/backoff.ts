/** Backoff settings for transient errors. */
export interface BackoffPolicy {
  /** First retry waits up to this long (ms). */
  baseMs: number;
  /** No retry waits longer than this (ms). */
  capMs: number;
}

/**
 * Capped exponential backoff with full jitter (AWS Builders' Library): a random delay in
 * [0, min(cap, base·2^(attempt-1))], then clamped so the retry runs no later than the job's deadline — a retry
 * scheduled after it could only expire the job, and the caller is waiting.
 *
 * @param attemptsMade failed attempts so far (1 after the first failure)
 * @param random a number in [0, 1)
 */
export function backoffDelay(
  attemptsMade: number,
  policy: BackoffPolicy,
  random: number,
  msUntilDeadline: number,
): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attemptsMade - 1));
  const jittered = Math.floor(random * exp);
  return Math.max(0, Math.min(jittered, msUntilDeadline));
}
