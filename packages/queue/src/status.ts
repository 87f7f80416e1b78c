import type { Job, Queue } from 'bullmq';
import { parseFailure, toPublicStatus, type FallbackJobData, type FallbackResult, type PublicStatus, type Target } from '@fallback/core';

/** What GET /v1/fallbacks/:id answers. */
export interface FallbackStatusView {
  id: string;
  status: PublicStatus;
  conversationId: string;
  target: Target;
  route: string;
  failureType: string;
  receivedAt: string;
  deadline: string;
  /** Attempts counted so far, the finishing one included (BullMQ attemptsMade); 429 pauses are not counted. */
  attempts: number;
  /** Times a worker started the job (BullMQ attemptsStarted): attempts plus rate-limit and shutdown hand-backs. */
  starts: number;
  /** For failed (and expired): a stable reason code and the detail. */
  reason?: string;
  detail?: string;
  finishedAt?: string;
  result?: FallbackResult;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** Builds the public view of a job in a given BullMQ state. */
export function statusViewOf(job: Job<FallbackJobData, FallbackResult>, state: string): FallbackStatusView {
  const data = job.data;
  const result = (job.returnvalue ?? undefined) as FallbackResult | undefined;
  const status = toPublicStatus(state, result);
  const view: FallbackStatusView = {
    id: job.id!,
    status,
    conversationId: data.conversationId,
    target: data.target,
    route: data.route,
    failureType: data.failureType,
    receivedAt: iso(data.receivedAt)!,
    deadline: iso(data.deadline)!,
    attempts: job.attemptsMade,
    starts: job.attemptsStarted ?? 0,
  };
  if (status === 'failed') Object.assign(view, parseFailure(job.failedReason));
  if (status === 'expired') view.reason = 'deadline.passed';
  if (job.finishedOn) view.finishedAt = iso(job.finishedOn);
  if (result) view.result = result;
  return view;
}

/** Reads a job's public status, or undefined when no such job exists (never existed, or past retention). */
export async function getFallbackStatus(
  queue: Queue<FallbackJobData, FallbackResult>,
  id: string,
): Promise<FallbackStatusView | undefined> {
  // State first, then the job. The other order races the worker's move: the state read after the move says
  // `failed` while the hash read before it has no failedReason yet (a final status with reason "unknown").
  // This order at worst pairs the final hash with the state just before it, which the next poll corrects.
  const state = await queue.getJobState(id);
  if (state === 'unknown') return undefined;
  const job = await queue.getJob(id);
  if (!job) return undefined;
  return statusViewOf(job as Job<FallbackJobData, FallbackResult>, state);
}
