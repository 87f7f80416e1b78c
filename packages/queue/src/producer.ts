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
 * One round trip decides new versus repeat, atomically (a script runs alone in Redis):
 *   0: the job exists               → a repeat; nothing to write.
 *   1: no job, marker was absent    → this request claimed the event (SET NX); it adds the job and answers 202.
 *   2: no job, marker present       → another request claimed it and has not added the job yet (or died before
 *                                     it could): add it too (idempotent: same job id) and answer as a repeat.
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
 * Adds fallback jobs exactly once per dedupe key.
 *
 * N identical requests racing: the claim script lets exactly one of them see 1 (one 202); BullMQ's add is a no-op
 * for an existing job id (one job), and every request returns only after the job exists (no 2xx for something
 * a crash could still lose). If the claimant's add fails, it drops its marker so the sender's retry starts over.
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
    const claim = await this.redis.fallbackClaim(queue.toKey(jobId), marker, dedupeTtlSec);
    if (claim === 0) return { id: jobId, created: false };
    try {
      await queue.add(FALLBACK_JOB, data, fallbackJobOptions(jobId, policy));
    } catch (err) {
      // Not acknowledged: let the sender's retry start from scratch rather than hit a marker without a job.
      if (claim === 1) await this.redis.del(marker).catch(() => undefined);
      throw err;
    }
    return { id: jobId, created: claim === 1 };
  }
}
