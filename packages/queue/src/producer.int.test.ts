/**
 * The batched enqueue against a real Redis: what one script call per batch decides and writes, compared with what
 * BullMQ's own `queue.add` writes for the same job, and read back by a real BullMQ Worker.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Worker, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FallbackJobData } from '@fallback/core';
import { deleteByPrefix, uniquePrefix, waitFor } from '@fallback/testing';
import { FALLBACK_JOB, FALLBACK_QUEUE, conversationIndexKey, dedupeKey, fallbackJobOptions, floodKey, openFallbackQueue, type JobPolicy } from './catalog.js';
import { createRedis } from './connection.js';
import { FloodCounter } from './flood.js';
import { DEFAULT_MAX_BATCH, FallbackProducer } from './producer.js';
import { getFallbackStatus } from './status.js';

const POLICY: JobPolicy = { attempts: 3, retentionSec: 3600, failedRetentionSec: 7200 };
const QUEUE_ID = '6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b';

function jobData(overrides: Partial<FallbackJobData> = {}): FallbackJobData {
  const receivedAt = Date.now();
  return {
    v: 1,
    conversationId: randomUUID(),
    eventId: `e-${randomUUID()}`,
    dedupeKey: `k-${randomUUID()}`,
    failureType: 'FLOW_ERROR',
    source: 'cognigy',
    receivedAt,
    deadline: receivedAt + 120_000,
    target: { kind: 'queue', queueId: QUEUE_ID },
    route: 'default',
    cognigy: { sessionId: 's-1', userId: 'u-1' },
    ...overrides,
  };
}

const jobIdOf = () => `fb-${randomUUID().replace(/-/g, '')}`;

/** A producer on its own prefix and producer connection (as the ingress has), recording the size of each batch. */
interface Rig {
  prefix: string;
  redis: Redis;
  queue: Queue<FallbackJobData>;
  producer: FallbackProducer;
  batches: number[];
  close(): Promise<void>;
}

async function rig(name: string, opts: { maxBatch?: number } = {}): Promise<Rig> {
  const prefix = uniquePrefix(name);
  const redis = createRedis(inject('redisUrl'), { role: 'producer', name: `test-${name}` });
  const queue = openFallbackQueue<FallbackJobData>(redis, prefix);
  await queue.waitUntilReady();
  const batches: number[] = [];
  const producer = new FallbackProducer({ queue, redis, prefix, policy: POLICY, dedupeTtlSec: 600, onBatch: (n) => batches.push(n), ...opts });
  return {
    prefix,
    redis,
    queue,
    producer,
    batches,
    async close() {
      await queue.close();
      await deleteByPrefix(redis, prefix);
      await redis.quit();
    },
  };
}

/**
 * Every key under a prefix with its content, the prefix replaced by `<p>`: what an add leaves in Redis, comparable
 * across prefixes. Timestamps (the job's `timestamp`, stream entry ids) are left out; everything else is compared.
 * A job's `opts` is compared as the object it encodes: BullMQ re-encodes it with Lua's cjson, whose key order is
 * a Lua table's, and every reader (BullMQ's Job.fromJSON, Bull Board) parses it.
 */
async function keyspace(redis: Redis, prefix: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  let cursor = '0';
  const keys: string[] = [];
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  for (const key of [...new Set(keys)].sort()) {
    const type = await redis.type(key);
    let value: unknown;
    if (type === 'string') value = await redis.get(key);
    else if (type === 'hash') {
      const { timestamp, opts, ...rest } = await redis.hgetall(key);
      value = { ...rest, ...(timestamp === undefined ? {} : { timestamp: 'T' }), ...(opts === undefined ? {} : { opts: JSON.parse(opts) as unknown }) };
    } else if (type === 'list') value = await redis.lrange(key, 0, -1);
    else if (type === 'zset') value = await redis.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'set') value = (await redis.smembers(key)).sort();
    else if (type === 'stream') value = (await redis.xrange(key, '-', '+')).map(([, fields]) => fields);
    out[`${type} ${key.replace(prefix, '<p>')}`] = value;
  }
  return out;
}

describe('batched enqueue (one script call per event-loop turn)', () => {
  let r: Rig;
  beforeAll(async () => {
    // Room for the twenty requests of a test in one batch (the default is smaller; see the last test).
    r = await rig('producer', { maxBatch: 32 });
  });
  afterAll(async () => {
    await r?.close();
  });

  it('identical events in one batch: one created, the others repeats of it, one job, one marker, one index entry', async () => {
    const data = jobData();
    const id = jobIdOf();
    const before = r.batches.length;
    const results = await Promise.all(Array.from({ length: 20 }, () => r.producer.submit(id, data)));
    expect(r.batches.slice(before)).toEqual([20]);
    expect(results.filter((x) => x.created)).toHaveLength(1);
    expect(results[0]).toEqual({ id, created: true });
    expect(results.every((x) => x.id === id)).toBe(true);
    expect(await r.queue.getWaitingCount()).toBe(1);
    expect(await r.redis.exists(dedupeKey(r.prefix, id))).toBe(1);
    expect(await r.redis.zrange(conversationIndexKey(r.prefix, data.conversationId), 0, -1)).toEqual([id]);
    // A later batch still sees it: a repeat for as long as the job is retained.
    expect(await r.producer.submit(id, data)).toEqual({ id, created: false });
    await r.queue.drain();
  });

  it('keeps arrival order within and across batches, and each job its own reception time and deadline', async () => {
    const submitted = Array.from({ length: 12 }, (_, i) => ({ id: jobIdOf(), data: jobData({ receivedAt: 1_000_000 + i, deadline: 1_000_000 + i + (i + 1) * 10_000 }) }));
    const before = r.batches.length;
    const first = submitted.slice(0, 7).map((j) => r.producer.submit(j.id, j.data));
    await new Promise((done) => setImmediate(done));
    const second = submitted.slice(7).map((j) => r.producer.submit(j.id, j.data));
    expect((await Promise.all([...first, ...second])).every((x) => x.created)).toBe(true);
    expect(r.batches.slice(before)).toEqual([7, 5]);
    // A worker takes from the tail of the wait list: reversed, it is the order of arrival.
    expect((await r.redis.lrange(`${r.prefix}:${FALLBACK_QUEUE}:wait`, 0, -1)).reverse()).toEqual(submitted.map((j) => j.id));
    for (const j of submitted) {
      const job = await r.queue.getJob(j.id);
      expect(job?.data.receivedAt).toBe(j.data.receivedAt);
      expect(job?.data.deadline).toBe(j.data.deadline);
    }
    // And a real worker (one at a time) processes them in that order.
    const seen: string[] = [];
    const worker = new Worker<FallbackJobData>(FALLBACK_QUEUE, async (job) => void seen.push(job.id!), {
      connection: createRedis(inject('redisUrl'), { role: 'worker', name: 'test-order-worker' }),
      prefix: r.prefix,
      concurrency: 1,
    });
    try {
      await waitFor(() => seen.length === submitted.length, { timeoutMs: 10_000, what: 'the worker to process the batch' });
      expect(seen).toEqual(submitted.map((j) => j.id));
    } finally {
      await worker.close();
      await worker.disconnect();
    }
  });

  it('a job BullMQ would refuse (an integer id) fails alone, before anything is sent; its batch goes on', async () => {
    const good = { id: jobIdOf(), data: jobData() };
    const bad = jobData();
    const [refused, accepted] = await Promise.allSettled([r.producer.submit('4242', bad), r.producer.submit(good.id, good.data)]);
    expect(refused).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/integer/) } });
    expect(accepted).toEqual({ status: 'fulfilled', value: { id: good.id, created: true } });
    expect(await r.redis.exists(dedupeKey(r.prefix, '4242'), conversationIndexKey(r.prefix, bad.conversationId))).toBe(0);
    await r.queue.drain();
  });

  it('a flood limit counted in the batch: past it a job is refused with the window left, and nothing of it is written', async () => {
    const flood = { key: floodKey(r.prefix, `tiny-${randomUUID()}`), max: 2, windowMs: 30_000 };
    const jobs = Array.from({ length: 4 }, () => ({ id: jobIdOf(), data: jobData() }));
    const settled = await Promise.allSettled(jobs.map((j) => r.producer.submit(j.id, j.data, undefined, { flood })));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
    for (const s of settled.slice(2)) {
      const err = (s as PromiseRejectedResult).reason;
      expect(err.name).toBe('FloodLimitedError');
      expect(err.ttlMs).toBeGreaterThan(0);
      expect(err.ttlMs).toBeLessThanOrEqual(30_000);
    }
    for (const j of jobs.slice(2)) {
      expect(await r.queue.getJob(j.id)).toBeUndefined();
      expect(await r.redis.exists(dedupeKey(r.prefix, j.id), conversationIndexKey(r.prefix, j.data.conversationId))).toBe(0);
    }
    // Every request counted, as the per-request counter it replaces counted them; the GETs' counter sees the same.
    expect(await r.redis.get(flood.key)).toBe('4');
    expect((await new FloodCounter(r.redis).hit(flood.key, flood.windowMs)).current).toBe(5);
    await r.queue.drain();
  });

  it('sends a full batch at once and the rest in the next ones, in order (default size)', async () => {
    const small = await rig('producer-default');
    try {
      const jobs = Array.from({ length: DEFAULT_MAX_BATCH * 2 + 3 }, () => ({ id: jobIdOf(), data: jobData() }));
      const results = await Promise.all(jobs.map((j) => small.producer.submit(j.id, j.data)));
      expect(results.every((x) => x.created)).toBe(true);
      expect(small.batches).toEqual([DEFAULT_MAX_BATCH, DEFAULT_MAX_BATCH, 3]);
      expect((await small.redis.lrange(`${small.prefix}:${FALLBACK_QUEUE}:wait`, 0, -1)).reverse()).toEqual(jobs.map((j) => j.id));
    } finally {
      await small.close();
    }
  });

  it("sends a caller's extra commands in the batch's round trip and hands each its own replies", async () => {
    const counter = `${r.prefix}:test-counter`;
    const jobs = [0, 1, 2].map(() => ({ id: jobIdOf(), data: jobData() }));
    const before = r.batches.length;
    const results = await Promise.all([
      r.producer.submit(jobs[0]!.id, jobs[0]!.data, undefined, { also: [['INCR', counter]] }),
      r.producer.submit(jobs[1]!.id, jobs[1]!.data),
      r.producer.submit(jobs[2]!.id, jobs[2]!.data, undefined, { also: [['INCRBY', counter, 10], ['HSET', counter, 'x', 1]] }),
    ]);
    expect(r.batches.slice(before)).toEqual([3]);
    expect(results[0]).toEqual({ id: jobs[0]!.id, created: true, also: [[null, 1]] });
    expect(results[1]).toEqual({ id: jobs[1]!.id, created: true });
    // A failed extra command fails nothing else: the job is in, its error is in `also`.
    expect(results[2]!.created).toBe(true);
    expect(results[2]!.also![0]).toEqual([null, 11]);
    expect(results[2]!.also![1]![0]).toBeInstanceOf(Error);
    await r.queue.drain();
  });
});

describe('a batched job is the job queue.add writes', () => {
  let ours: Rig;
  let theirs: Rig;
  beforeAll(async () => {
    [ours, theirs] = await Promise.all([rig('parity-ours'), rig('parity-add')]);
  });
  afterAll(async () => {
    await Promise.all([ours?.close(), theirs?.close()]);
  });

  it('leaves the same keys with the same content (plus our marker and index), reads the same, and runs the same in a worker', async () => {
    const id = jobIdOf();
    const data = jobData({ participantId: randomUUID(), language: 'de-DE', bot: { flowName: 'Billing' }, attributes: { a: 'b' } });
    expect(await ours.producer.submit(id, data)).toEqual({ id, created: true });
    await theirs.queue.add(FALLBACK_JOB, data, fallbackJobOptions(id, POLICY));

    const ourKeys = await keyspace(ours.redis, ours.prefix);
    const marker = `string ${dedupeKey('<p>', id)}`;
    const index = `zset ${conversationIndexKey('<p>', data.conversationId)}`;
    expect(ourKeys[marker]).toBe('1');
    expect(ourKeys[index]).toEqual([id, String(data.receivedAt)]);
    delete ourKeys[marker];
    delete ourKeys[index];
    // Job hash (name, data, opts, delay, priority…), wait list, worker marker, id counter, meta, events stream:
    // a BullMQ upgrade that writes a job differently fails here.
    expect(ourKeys).toEqual(await keyspace(theirs.redis, theirs.prefix));

    const [a, b] = await Promise.all([ours.queue.getJob(id), theirs.queue.getJob(id)]);
    const comparable = (job: Job | undefined) => ({ ...job!.asJSON(), timestamp: 'T' });
    expect(comparable(a)).toEqual(comparable(b));
    expect(a!.data).toEqual(data);
    expect(a!.opts).toMatchObject({ attempts: POLICY.attempts, backoff: { type: 'fallback' }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 7200 } });
    expect(await ours.queue.getJobState(id)).toBe('waiting');
    const view = await getFallbackStatus(ours.queue, id);
    expect(view).toEqual(await getFallbackStatus(theirs.queue, id));
    expect(view).toMatchObject({ id, status: 'queued', conversationId: data.conversationId, target: data.target });

    // A real BullMQ worker takes each, sees the same job, and completes it the same way.
    const processed = async (rigged: Rig) => {
      let seen: Job<FallbackJobData> | undefined;
      const worker = new Worker<FallbackJobData>(
        FALLBACK_QUEUE,
        async (job) => {
          seen = job;
          return { outcome: 'transferred', genesysRequests: 0 };
        },
        { connection: createRedis(inject('redisUrl'), { role: 'worker', name: 'test-parity-worker' }), prefix: rigged.prefix },
      );
      try {
        await waitFor(async () => (await rigged.queue.getJobState(id)) === 'completed', { timeoutMs: 10_000, what: 'the worker to complete the job' });
      } finally {
        await worker.close();
        await worker.disconnect();
      }
      const done = await rigged.queue.getJob(id);
      return { data: seen!.data, name: seen!.name, opts: seen!.opts, attemptsMade: done!.attemptsMade, returnvalue: done!.returnvalue };
    };
    expect(await processed(ours)).toEqual(await processed(theirs));
  });

  it('a batch of jobs leaves what the same jobs added one by one leave, on a paused queue too (no worker marker)', async () => {
    const [a, b] = await Promise.all([rig('parity-paused-ours'), rig('parity-paused-add')]);
    try {
      await Promise.all([a.queue.pause(), b.queue.pause()]);
      const jobs = [0, 1, 2].map(() => ({ id: jobIdOf(), data: jobData() }));
      const before = a.batches.length;
      await Promise.all(jobs.map((j) => a.producer.submit(j.id, j.data)));
      expect(a.batches.slice(before)).toEqual([3]);
      for (const j of jobs) await b.queue.add(FALLBACK_JOB, j.data, fallbackJobOptions(j.id, POLICY));
      const ourKeys = await keyspace(a.redis, a.prefix);
      for (const k of Object.keys(ourKeys)) if (k.includes(':dedupe:') || k.includes(':by-conversation:')) delete ourKeys[k];
      const theirKeys = await keyspace(b.redis, b.prefix);
      expect(ourKeys).toEqual(theirKeys);
      expect(Object.keys(theirKeys).some((k) => k.endsWith(':marker'))).toBe(false);
      expect(await a.queue.getJobCounts('waiting')).toEqual(await b.queue.getJobCounts('waiting'));
      expect(await a.queue.isPaused()).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
