import type { EventEmitter } from 'node:events';
import { QueueEvents, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createRedis } from './connection.js';
import { CONVERSATION_INDEX_LIMIT, FALLBACK_QUEUE, conversationIndexKey } from './catalog.js';
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

/**
 * Reads a job's public status, or undefined when no such job exists (never existed, or past retention) or, given a
 * `tenant` (a declared source), when that source did not create it: another tenant's fallback is "not found",
 * never "forbidden", so ids cannot be probed.
 */
export async function getFallbackStatus(
  queue: Queue<FallbackJobData, FallbackResult>,
  id: string,
  tenant?: string,
): Promise<FallbackStatusView | undefined> {
  // State first, then the job. The other order races the worker's move: the state read after the move says
  // `failed` while the hash read before it has no failedReason yet (a final status with reason "unknown").
  // This order at worst pairs the final hash with the state just before it, which the next poll corrects.
  const state = await queue.getJobState(id);
  if (state === 'unknown') return undefined;
  const job = await queue.getJob(id);
  if (!job) return undefined;
  // A declared source's job data records it as `source` (the ingress pins it to the credentials).
  if (tenant !== undefined && job.data?.source !== tenant) return undefined;
  return statusViewOf(job as Job<FallbackJobData, FallbackResult>, state);
}

/** Where listFallbacks reads: the queue and the connection and prefix of its conversation indexes. */
export interface LookupTarget {
  queue: Queue<FallbackJobData, FallbackResult>;
  redis: Redis;
  prefix: string;
}

/**
 * A conversation's fallbacks created by `tenant` (undefined: single-tenant mode), newest first, in the view of
 * GET /v1/fallbacks/:id. Reads the index the producer writes with each claim; an entry whose job is gone (past
 * retention, or removed from the dashboard) is skipped.
 */
export async function listFallbacks(target: LookupTarget, conversationId: string, tenant?: string): Promise<FallbackStatusView[]> {
  const ids = await target.redis.zrevrange(conversationIndexKey(target.prefix, conversationId, tenant), 0, CONVERSATION_INDEX_LIMIT - 1);
  const views = await Promise.all(ids.map((id) => getFallbackStatus(target.queue, id, tenant)));
  return views.filter((v): v is FallbackStatusView => v !== undefined);
}

/** True for a status that will not change any more. */
export function isFinalStatus(status: PublicStatus): boolean {
  return status === 'transferred' || status === 'failed' || status === 'expired';
}

/** A QueueEvents listener opened on demand, and how to close it (with the connection it was given). */
export interface EventsHandle {
  events: QueueEvents;
  close(): Promise<void>;
}

/**
 * Opens the fallback queue's QueueEvents on a connection of its own (its blocking XREAD cannot share one), for
 * FallbackWaiter; closing the handle closes both.
 */
export function openQueueEvents(redisUrl: string, prefix: string, name: string, onError?: (err: Error) => void): EventsHandle {
  const connection = createRedis(redisUrl, { role: 'worker', name });
  const events = new QueueEvents(FALLBACK_QUEUE, { connection, prefix });
  if (onError) events.on('error', onError);
  return {
    events,
    close: async () => {
      await events.close();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}

/**
 * Waits for fallbacks to finish, for `?wait=`. The QueueEvents (a blocking XREAD of every event of the queue)
 * is opened on the first wait, not at startup: a process that never waits never pays for reading the event
 * stream, which at 10k+ jobs/s is real CPU. One per process; close() closes it.
 */
export class FallbackWaiter {
  private handle: EventsHandle | undefined;
  private closed = false;

  constructor(
    private readonly queue: Queue<FallbackJobData, FallbackResult>,
    private readonly open: () => EventsHandle,
  ) {}

  /**
   * The job's status once final, or its latest status when `timeoutMs` passes first (undefined: no such job).
   * Listens before it reads, so a job finishing between the read and the wait is not missed; the one exception is
   * the very first wait of a process, whose event stream may start a moment after the read. Even then the status
   * is read again when the wait ends, so the answer is never staler than the wait.
   */
  async wait(id: string, timeoutMs: number): Promise<FallbackStatusView | undefined> {
    if (this.closed) return getFallbackStatus(this.queue, id);
    this.handle ??= this.open();
    const { events } = this.handle;
    // Per-job events (`completed:<id>`) exist at runtime but not in BullMQ's typed listener map.
    const emitter = events as unknown as EventEmitter;
    let wake!: () => void;
    const finished = new Promise<void>((resolve) => (wake = resolve));
    const timer = setTimeout(wake, timeoutMs);
    emitter.on(`completed:${id}`, wake);
    emitter.on(`failed:${id}`, wake);
    try {
      await Promise.race([events.waitUntilReady(), finished]);
      const first = await getFallbackStatus(this.queue, id);
      if (!first || isFinalStatus(first.status)) return first;
      await finished;
      return (await getFallbackStatus(this.queue, id)) ?? first;
    } finally {
      clearTimeout(timer);
      emitter.off(`completed:${id}`, wake);
      emitter.off(`failed:${id}`, wake);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}
