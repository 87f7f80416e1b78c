import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FallbackJobData } from '@fallback/core';
import { FALLBACK_JOB, dedupeKey, fallbackJobOptions, type JobPolicy } from './catalog.js';

/** Result of submitting a job. */
export interface SubmitResult {
  id: string;
  /**
   * True for exactly one request per event: the one that claimed it. False for a repeat (the job exists, or a
   * concurrent first request is adding it; either way it exists when submit returns).
   */
  created: boolean;
}

/** Options of FallbackProducer. */
export interface ProducerOptions {
  queue: Queue<FallbackJobData>;
  /** The connection the queue uses (for the dedupe marker). */
  redis: Redis;
  prefix: string;
  policy: JobPolicy;
  /** How long a repeat of an event is recognised (s); ≥ 600 per the webhook anchors. */
  dedupeTtlSec: number;
}

/**
 * Decides new versus repeat, atomically (a script runs alone in Redis), just before the add:
 *   0: the job exists               → a repeat (the add that follows is a no-op).
 *   1: no job, marker was absent    → this request claimed the event (SET NX): its add creates the job → 202.
 *   2: no job, marker present       → another request claimed it and has not added the job yet (or died before
 *                                     it could): the add that follows makes sure it exists → a repeat.
 * Checking the job before the marker keeps a repeat recognised for as long as the job is retained, even after
 * the marker expired.
 */
const CLAIM_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('SET', KEYS[2], '1', 'EX', ARGV[1], 'NX') then return 1 end
return 2
`;

type ClaimingRedis = Redis & { fallbackClaim(jobKey: string, markerKey: string, ttlSec: number): Promise<number> };

/**
 * Adds fallback jobs exactly once per dedupe key, in one round trip.
 *
 * The claim and BullMQ's add are sent together (same connection, same tick: ioredis pipelines them and Redis
 * runs them in that order), so a request costs one round trip instead of two. That is safe because BullMQ's add
 * is a no-op for an existing job id: whatever the claim answers, the add leaves exactly one job, and the claim
 * alone decides 202 (it ran before the add, so "the job exists" means it existed before this request).
 *
 * N identical requests racing: exactly one claim sees 1 (one 202), one job, and every request returns only
 * after the job exists (no 2xx for something a crash could still lose). If the add fails, a claimant drops its
 * marker so the sender's retry starts over.
 */
export class FallbackProducer {
  private readonly redis: ClaimingRedis;

  constructor(private readonly opts: ProducerOptions) {
    if (!('fallbackClaim' in opts.redis)) opts.redis.defineCommand('fallbackClaim', { numberOfKeys: 2, lua: CLAIM_SCRIPT });
    this.redis = opts.redis as ClaimingRedis;
  }

  async submit(jobId: string, data: FallbackJobData): Promise<SubmitResult> {
    const { queue, prefix, policy, dedupeTtlSec } = this.opts;
    const marker = dedupeKey(prefix, jobId);
    // Both commands are issued before either is awaited. (ioredis sends a script as EVAL on the first use per
    // connection, so no NOSCRIPT retry can reorder them; if one ever did, a new event would answer 200, not
    // create a second job.)
    const claimed = this.redis.fallbackClaim(queue.toKey(jobId), marker, dedupeTtlSec);
    const added = queue.add(FALLBACK_JOB, data, fallbackJobOptions(jobId, policy));
    const [claim, add] = await Promise.allSettled([claimed, added]);
    if (add.status === 'rejected') {
      // Not acknowledged: let the sender's retry start from scratch rather than hit a marker without a job.
      if (claim.status === 'fulfilled' && claim.value === 1) await this.redis.del(marker).catch(() => undefined);
      throw add.reason;
    }
    if (claim.status === 'rejected') throw claim.reason;
    return { id: jobId, created: claim.value === 1 };
  }
}
