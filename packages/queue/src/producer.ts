import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FallbackJobData } from '@fallback/core';
import { CONVERSATION_INDEX_LIMIT, FALLBACK_JOB, conversationIndexKey, conversationIndexTtlSec, dedupeKey, fallbackJobOptions, type JobPolicy } from './catalog.js';

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
 *
 * The claimant also enters the job in its conversation's index (GET /v1/fallbacks?conversationId=): in the same
 * script, so an index entry exists exactly when a claim does, drops entries older than the index's lifetime and
 * all but the newest few (a bound whatever a sender posts), and keeps the index alive as long as its jobs.
 *   KEYS: job hash, dedupe marker, conversation index.
 *   ARGV: marker TTL (s), job id, reception (ms), index TTL (s), "(" + oldest score kept, newest entries kept.
 */
const CLAIM_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('SET', KEYS[2], '1', 'EX', ARGV[1], 'NX') then
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[5])
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -1 - tonumber(ARGV[6]))
  redis.call('EXPIRE', KEYS[3], ARGV[4])
  return 1
end
return 2
`;

/**
 * Undoes a claim whose add failed, unless the job exists after all (a concurrent twin's add succeeded): then the
 * marker and the index entry are right and stay. KEYS: job hash, dedupe marker, conversation index. ARGV: job id.
 */
const UNCLAIM_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1
`;

type ClaimingRedis = Redis & {
  fallbackClaim(jobKey: string, markerKey: string, indexKey: string, ttlSec: number, jobId: string, at: number, indexTtlSec: number, oldest: string, keep: number): Promise<number>;
  fallbackUnclaim(jobKey: string, markerKey: string, indexKey: string, jobId: string): Promise<number>;
};

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
 * marker and index entry so the sender's retry starts over.
 */
export class FallbackProducer {
  private readonly redis: ClaimingRedis;

  constructor(private readonly opts: ProducerOptions) {
    if (!('fallbackClaim' in opts.redis)) opts.redis.defineCommand('fallbackClaim', { numberOfKeys: 3, lua: CLAIM_SCRIPT });
    if (!('fallbackUnclaim' in opts.redis)) opts.redis.defineCommand('fallbackUnclaim', { numberOfKeys: 3, lua: UNCLAIM_SCRIPT });
    this.redis = opts.redis as ClaimingRedis;
  }

  /**
   * Adds the job unless its dedupe key is known. `tenant`: the declared source that sent it (its own conversation
   * index), undefined in single-tenant mode.
   */
  async submit(jobId: string, data: FallbackJobData, tenant?: string): Promise<SubmitResult> {
    const { queue, prefix, policy, dedupeTtlSec } = this.opts;
    const jobKey = queue.toKey(jobId);
    const marker = dedupeKey(prefix, jobId);
    const index = conversationIndexKey(prefix, data.conversationId, tenant);
    const indexTtlSec = conversationIndexTtlSec(policy);
    // Both commands are issued before either is awaited. (ioredis sends a script as EVAL on the first use per
    // connection, so no NOSCRIPT retry can reorder them; if one ever did, a new event would answer 200, not
    // create a second job.)
    const claimed = this.redis.fallbackClaim(jobKey, marker, index, dedupeTtlSec, jobId, data.receivedAt, indexTtlSec, `(${data.receivedAt - indexTtlSec * 1000}`, CONVERSATION_INDEX_LIMIT);
    const added = queue.add(FALLBACK_JOB, data, fallbackJobOptions(jobId, policy));
    const [claim, add] = await Promise.allSettled([claimed, added]);
    if (add.status === 'rejected') {
      // Not acknowledged: let the sender's retry start from scratch rather than hit a marker without a job. If
      // this fails too (Redis is gone), the lookup skips an index entry whose job does not exist.
      if (claim.status === 'fulfilled' && claim.value === 1) await this.redis.fallbackUnclaim(jobKey, marker, index, jobId).catch(() => undefined);
      throw add.reason;
    }
    if (claim.status === 'rejected') throw claim.reason;
    return { id: jobId, created: claim.value === 1 };
  }
}
