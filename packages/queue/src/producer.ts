import { Job, type Queue } from 'bullmq';
import type { ChainableCommander, Redis } from 'ioredis';
import type { FallbackJobData } from '@fallback/core';
import { MicroBatcher } from './batcher.js';
import { BATCH_SCRIPTS, CONVERSATION_INDEX_LIMIT, FALLBACK_JOB, conversationIndexKey, conversationIndexTtlSec, dedupeKey, fallbackJobOptions, type JobPolicy } from './catalog.js';
import { ENQUEUE_CODES, ENQUEUE_ITEM_ARGS, ENQUEUE_KEYS, enqueueScript, storedOpts } from './enqueue-script.js';
import { FloodLimitedError, type FloodLimit } from './flood.js';

/** Result of submitting a job. */
export interface SubmitResult {
  id: string;
  /**
   * True for exactly one request per event: the one that claimed it. False for a repeat (the job existed, an
   * earlier request of the same batch added it, or a request that claimed it died before adding it and this one
   * did); in every case the job exists when submit returns.
   */
  created: boolean;
  /** The replies to `also`, in order: [error, reply] per command. */
  also?: Array<[Error | null, unknown]>;
}

/** A Redis command a caller sends in the same round trip as its enqueue, e.g. `['INCR', key]`. */
export type RedisCommand = readonly [name: string, ...args: Array<string | number | Buffer>];

/** Options of one submit. */
export interface SubmitOptions {
  /**
   * The sender's flood limit, counted in the same script just before the job: past it, submit rejects with a
   * FloodLimitedError and nothing but the hit is written. The counter is the one GET requests count on too.
   */
  flood?: FloodLimit;
  /**
   * Commands sent in the same round trip as the batch this job goes in (after the enqueue script, in one
   * pipeline): a hook for request-path counters (a breaker's, say) that should not cost a round trip of their own.
   * They are not atomic with the enqueue; a failed one fails nothing else (its error is in `also`), and when the
   * enqueue fails none of them counted for anything the caller was told. On a Redis Cluster their keys must share
   * the queue's hash tag.
   */
  also?: readonly RedisCommand[];
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
  /** Most jobs in one round trip (default DEFAULT_MAX_BATCH). */
  maxBatch?: number;
  /** Told the size of every batch sent (a metric, a test). */
  onBatch?: (size: number) => void;
}

/** BullMQ's Job, for what `queue.add` does before it sends: normalise the options, serialise, validate. */
class StandardJob extends Job<FallbackJobData> {
  /** The job as BullMQ stores it; throws what `queue.add` would refuse (an integer id, say). */
  checkedJSON() {
    const json = this.asJSON();
    this.validateOptions(json);
    return json;
  }
}

/**
 * What BullMQ's Job.validateOptions refuses of a custom job id (6.x): an integer, or a ':' outside the three-part
 * ids of repeatable jobs. Pure.
 */
export function customJobIdProblem(jobId: string): string | undefined {
  if (`${parseInt(jobId, 10)}` === jobId) return 'Custom Id cannot be integers';
  if (jobId.includes(':') && jobId.split(':').length !== 3) return 'Custom Id cannot contain :';
  return undefined;
}

/**
 * The stored options of each job (JSON) as a function of its id: every fallback job has the same options but its
 * id, so BullMQ's Job normalises them once (attempts first, backoff normalised) and each job gets that with its id.
 */
function optionsWithId(policy: JobPolicy, queue: Queue<FallbackJobData>): (jobId: string) => string {
  const sample = 'fb-options';
  const { jobId: _sample, ...opts } = new StandardJob(queue, FALLBACK_JOB, {} as FallbackJobData, fallbackJobOptions(sample, policy), sample).checkedJSON().opts;
  const head = storedOpts(opts).slice(0, -1);
  return (jobId) => `${head}${head.length > 1 ? ',' : ''}"jobId":${JSON.stringify(jobId)}}`;
}

/**
 * Most jobs in one round trip. Small batches keep Node and Redis working at once: with 50 requests in one turn, a
 * batch of 8 is in Redis while the next requests are still parsed, where one batch of 50 leaves each waiting for
 * the other (convoys). Measured on this 2-core machine, ingress with everything on, 3 rounds each: at 50
 * connections 8,731-9,915/s with 8, 5,303-8,776/s with 64; at 10 connections 6,347-7,077/s against 4,158-5,695/s.
 */
export const DEFAULT_MAX_BATCH = 8;

/** One job ready to go: everything the script needs, computed (and validated) before it joins a batch. */
interface PreparedJob {
  jobId: string;
  args: Array<string | number | Buffer>;
  also: readonly RedisCommand[] | undefined;
  flood: FloodLimit | undefined;
}

type EnqueueOutcome = { created: boolean; also?: Array<[Error | null, unknown]> } | { error: Error };
type Reply = Array<number | string>;

type EnqueueRedis = Redis & { fallbackEnqueue(...keysAndArgs: Array<string | number | Buffer>): Promise<Reply> };
type EnqueuePipeline = ChainableCommander & { fallbackEnqueue(...keysAndArgs: Array<string | number | Buffer>): ChainableCommander };

/**
 * Adds fallback jobs exactly once per dedupe key, many requests to one Redis round trip.
 *
 * Requests that arrive together (one turn of the event loop, at most `maxBatch`) are sent as one script call
 * (enqueue-script.ts) that, per job and in arrival order, counts the sender's flood limit, decides new versus
 * repeat, writes the job as BullMQ's add does (the job itself built by BullMQ's Job, which also refuses what
 * queue.add refuses), and for a new event sets its dedupe marker and enters it in its conversation's index. The
 * script runs alone in Redis, so a decision and its writes cannot interleave with another request's, and a
 * repeat within the same batch sees the first one's job. Each request answers only after its batch ran (its job
 * is in Redis); a batch that fails (Redis gone, a timeout, the script refused) fails every request in it, and
 * since Redis applies a script whole or not at all when it dies, nothing of it remains to be undone.
 */
export class FallbackProducer {
  private readonly redis: EnqueueRedis;
  private readonly batcher: MicroBatcher<PreparedJob, EnqueueOutcome>;
  private readonly keys: string[];
  private readonly indexTtlSec: number;
  private readonly storedOptsOf: (jobId: string) => string;

  constructor(private readonly opts: ProducerOptions) {
    if (!(BATCH_SCRIPTS.enqueue in opts.redis)) opts.redis.defineCommand(BATCH_SCRIPTS.enqueue, { numberOfKeys: ENQUEUE_KEYS.length, lua: enqueueScript() });
    this.redis = opts.redis as EnqueueRedis;
    this.keys = ENQUEUE_KEYS.map((k) => opts.queue.keys[k]!);
    this.indexTtlSec = conversationIndexTtlSec(opts.policy);
    this.storedOptsOf = optionsWithId(opts.policy, opts.queue);
    this.batcher = new MicroBatcher((items) => this.send(items), { maxItems: opts.maxBatch ?? DEFAULT_MAX_BATCH });
  }

  /**
   * Adds the job unless its dedupe key is known. `tenant`: the declared source that sent it (its own conversation
   * index), undefined in single-tenant mode. Rejects when its batch failed: nothing of it was written.
   */
  async submit(jobId: string, data: FallbackJobData, tenant?: string, options: SubmitOptions = {}): Promise<SubmitResult> {
    const outcome = await this.batcher.add(this.prepare(jobId, data, tenant, options));
    if ('error' in outcome) throw outcome.error;
    return { id: jobId, ...outcome };
  }

  /**
   * The job as BullMQ's `queue.add` would store it (its data as JSON, its options, the time it was added); throws,
   * before anything is sent, what BullMQ would refuse.
   */
  private prepare(jobId: string, data: FallbackJobData, tenant: string | undefined, { also, flood }: SubmitOptions): PreparedJob {
    const problem = customJobIdProblem(jobId);
    if (problem) throw new Error(problem);
    const { prefix } = this.opts;
    const receivedAt = data.receivedAt;
    const args = [
      jobId,
      dedupeKey(prefix, jobId),
      conversationIndexKey(prefix, data.conversationId, tenant),
      receivedAt,
      `(${receivedAt - this.indexTtlSec * 1000}`,
      JSON.stringify(data),
      this.storedOptsOf(jobId),
      Date.now(),
      flood?.key ?? '',
      flood?.max ?? 0,
      flood?.windowMs ?? 0,
    ];
    if (args.length !== ENQUEUE_ITEM_ARGS) throw new Error('enqueue arguments do not match the script');
    return { jobId, args, also, flood };
  }

  /** One round trip for a batch: the script, then every `also` command of its jobs, in one pipeline. */
  private async send(items: readonly PreparedJob[]): Promise<EnqueueOutcome[]> {
    const { dedupeTtlSec } = this.opts;
    const argv: Array<string | number | Buffer> = [...this.keys, items.length, dedupeTtlSec, this.indexTtlSec, CONVERSATION_INDEX_LIMIT, this.opts.queue.keys['']!, FALLBACK_JOB];
    for (const item of items) argv.push(...item.args);
    this.opts.onBatch?.(items.length);
    const withAlso = items.some((i) => i.also?.length);
    let codes: Reply;
    let alsoReplies: Array<[Error | null, unknown]> = [];
    if (!withAlso) codes = await this.redis.fallbackEnqueue(...argv);
    else {
      const pipeline = (this.redis.pipeline() as EnqueuePipeline).fallbackEnqueue(...argv);
      for (const item of items) for (const [name, ...args] of item.also ?? []) pipeline.call(name, ...args);
      const replies = (await pipeline.exec()) ?? [];
      const [enqueueError, enqueueReply] = replies[0] ?? [new Error('no reply to the enqueue script'), undefined];
      if (enqueueError) throw enqueueError;
      codes = enqueueReply as Reply;
      alsoReplies = replies.slice(1);
    }
    let next = 0;
    return items.map((item, i) => {
      const alsoCount = item.also?.length ?? 0;
      const also = alsoCount ? alsoReplies.slice(next, (next += alsoCount)) : undefined;
      return outcomeOf(item, codes[2 * i], codes[2 * i + 1], also);
    });
  }
}

/** A job's answer from the script (ENQUEUE_CODES, or BullMQ's refusal of that job alone) as its caller sees it. */
function outcomeOf(item: PreparedJob, code: number | string | undefined, floodTtlMs: number | string | undefined, also: Array<[Error | null, unknown]> | undefined): EnqueueOutcome {
  const withAlso = also ? { also } : {};
  switch (code) {
    case ENQUEUE_CODES.created:
      return { created: true, ...withAlso };
    case ENQUEUE_CODES.repeat:
    case ENQUEUE_CODES.claimedRepeat:
      return { created: false, ...withAlso };
    case ENQUEUE_CODES.floodLimited:
      return { error: new FloodLimitedError(item.flood!, Number(floodTtlMs)) };
    default:
      return { error: new Error(`BullMQ refused job ${item.jobId} (code ${String(code)}); nothing of it was written`) };
  }
}
