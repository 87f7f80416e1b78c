import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FallbackJobData } from '@fallback/core';
import { FALLBACK_JOB, dedupeKey, fallbackJobOptions, type JobPolicy } from './catalog.js';

/** Result of submitting a job. */
export interface SubmitResult {
  id: string;
  /** False when the event was a repeat: no new job was created. */
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
 * Adds fallback jobs exactly once per dedupe key.
 *
 * `SET marker NX` decides new-versus-repeat atomically (two identical requests racing get one 202 and one 200).
 * The job id is deterministic and BullMQ's add is a no-op for an existing id, so the two steps need no
 * transaction: if a process dies between them, the sender's retry sees the marker, finds no job and adds it.
 */
export class FallbackProducer {
  constructor(private readonly opts: ProducerOptions) {}

  async submit(jobId: string, data: FallbackJobData): Promise<SubmitResult> {
    const { redis, queue, prefix, policy, dedupeTtlSec } = this.opts;
    const marker = dedupeKey(prefix, jobId);
    const fresh = (await redis.set(marker, '1', 'EX', dedupeTtlSec, 'NX')) === 'OK';
    if (!fresh) {
      // A repeat. The job exists unless the first attempt died between marker and add: then add it now.
      const state = await queue.getJobState(jobId);
      if (state !== 'unknown') return { id: jobId, created: false };
    }
    try {
      await queue.add(FALLBACK_JOB, data, fallbackJobOptions(jobId, policy));
    } catch (err) {
      // Not acknowledged: let the sender's retry start from scratch rather than hit a marker without a job.
      if (fresh) await redis.del(marker).catch(() => undefined);
      throw err;
    }
    // Also true after a marker without a job: that first attempt was never acknowledged, this one is.
    return { id: jobId, created: true };
  }
}
