/**
 * The ingress' batched enqueue over its real request path: requests that reach the enqueue in the same turn of the
 * event loop share one Redis round trip, each still answered for itself; a batch whose Redis dies under it
 * fails every request in it with 503 and leaves nothing behind; the dashboard reads a batched job as any other.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import type { FallbackJobData } from '@fallback/core';
import { DEFAULT_MAX_BATCH, FALLBACK_JOB, FALLBACK_QUEUE, conversationIndexKey, fallbackJobOptions } from '@fallback/queue';
import { startPrivateRedis, waitFor, type PrivateRedis } from '@fallback/testing';
import { ADMIN_PREFIX, registerAdmin } from './admin.js';
import { startTestIngress, TEST_KEY, type TestIngress } from '../test/test-app.js';

const post = (t: TestIngress, body: object) =>
  t.app.inject({ method: 'POST', url: '/v1/fallbacks', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' }, payload: body });

describe('batched enqueue over the request path (shared Redis)', () => {
  let t: TestIngress;
  const batches: number[] = [];
  beforeAll(async () => {
    t = await startTestIngress({ redisUrl: inject('redisUrl'), name: 'batch', onBatch: (n) => batches.push(n) });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('concurrent identical events in one batch: one 202, every other answer a 200 duplicate of it, one job', async () => {
    const event = { eventId: `twin-${randomUUID()}`, conversationId: randomUUID(), failureType: 'FLOW_ERROR' };
    const others = Array.from({ length: 3 }, () => ({ eventId: `other-${randomUUID()}`, conversationId: randomUUID() }));
    batches.length = 0;
    const answers = await Promise.all([...Array.from({ length: 5 }, () => post(t, event)), ...others.map((o) => post(t, o))]);
    // All eight (a full batch) reached the enqueue in one turn: one round trip.
    expect(batches).toEqual([DEFAULT_MAX_BATCH]);
    const twins = answers.slice(0, 5);
    expect(twins.filter((a) => a.statusCode === 202)).toHaveLength(1);
    expect(twins.filter((a) => a.statusCode === 200)).toHaveLength(4);
    expect(new Set(twins.map((a) => a.json().id)).size).toBe(1);
    expect(twins.filter((a) => a.statusCode === 200).every((a) => a.json().duplicate === true)).toBe(true);
    expect(answers.slice(5).map((a) => a.statusCode)).toEqual([202, 202, 202]);
    const ids = await t.jobIds();
    for (const a of answers) expect(ids).toContain(a.json().id);
    expect(ids).toHaveLength(4);
  });

  it('the dashboard shows a batched job exactly as it shows one added by queue.add', async () => {
    const conversationId = randomUUID();
    const ours = await post(t, { eventId: `board-${randomUUID()}`, conversationId });
    expect(ours.statusCode).toBe(202);
    const data = (await t.deps.queue.getJob(ours.json().id))!.data as FallbackJobData;
    const theirsId = `fb-${randomUUID().replace(/-/g, '')}`;
    await t.deps.queue.add(FALLBACK_JOB, data, fallbackJobOptions(theirsId, { attempts: 3, retentionSec: 3600, failedRetentionSec: 3600 }));
    expect(await t.probe.zrange(conversationIndexKey(t.prefix, conversationId), 0, -1)).toEqual([ours.json().id]);
    const list = await dashboardJobs(t, 'waiting');
    const shown = (id: string) => {
      const { id: _id, timestamp: _t, opts, ...rest } = list.find((j) => j['id'] === id)!;
      return { ...rest, opts: { ...(opts as object), jobId: 'ID' } };
    };
    expect(shown(ours.json().id)).toEqual(shown(theirsId));
    expect(shown(ours.json().id)).toMatchObject({ name: `transfer · ${conversationId}`, data: { conversationId } });
  });
});

/** The jobs Bull Board lists for a state, through its JSON API (the ingress' read-only dashboard on an app of its own). */
async function dashboardJobs(t: TestIngress, status: string): Promise<Array<Record<string, unknown>>> {
  const app = Fastify();
  const password = 'batch-test-password';
  await registerAdmin(app, { queue: t.deps.queue, redis: t.deps.redis, admin: { mode: 'read-only', username: 'ops', password } });
  try {
    const res = await app.inject({
      method: 'GET',
      url: `${ADMIN_PREFIX}/api/queues?activeQueue=${FALLBACK_QUEUE}&status=${status}&page=1`,
      headers: { authorization: `Basic ${Buffer.from(`ops:${password}`).toString('base64')}` },
    });
    expect(res.statusCode).toBe(200);
    return res.json().queues.find((q: { name: string }) => q.name === FALLBACK_QUEUE).jobs;
  } finally {
    await app.close();
  }
}

describe('Redis killed under a batch (private redis-server)', () => {
  let redis: PrivateRedis;
  let t: TestIngress;
  let control: Redis | undefined;
  const batches: number[] = [];
  beforeAll(async () => {
    redis = await startPrivateRedis({ appendonly: true, appendfsync: 'always' });
    t = await startTestIngress({ redisUrl: redis.url, name: 'batch-kill', onBatch: (n) => batches.push(n) });
  });
  afterEach(() => {
    control?.disconnect();
    control = undefined;
  });
  afterAll(async () => {
    await Promise.race([t?.close(), new Promise((r) => setTimeout(r, 3000))]);
    await redis?.destroy();
  });

  it('every request of the batch answers 503, and no job, marker or index entry of it is left', async () => {
    // One request first: the connection is up and the script is loaded, so the batch below is one EVALSHA.
    expect((await post(t, { eventId: 'warm-up', conversationId: randomUUID() })).statusCode).toBe(202);
    const kept = { jobs: await t.jobIds(), markers: await t.markers() };

    // Redis holds every write while paused: the batch is sent and sits in Redis, unanswered, when Redis dies.
    control = new Redis(redis.url);
    control.on('error', () => undefined); // it dies with the server below
    await control.client('PAUSE', 60_000, 'WRITE');
    const twin = { eventId: 'twin', conversationId: randomUUID() };
    const events = [twin, twin, ...Array.from({ length: DEFAULT_MAX_BATCH - 2 }, (_, i) => ({ eventId: `lost-${i}`, conversationId: randomUUID() }))];
    batches.length = 0;
    const answers = Promise.all(events.map((e) => post(t, e)));
    await waitFor(async () => /blocked_clients:[1-9]/.test(await control!.info('clients')), { timeoutMs: 5000, what: 'the batch to be held in Redis' });
    expect(batches).toEqual([events.length]);
    await redis.stop('SIGKILL');

    const statuses = (await answers).map((a) => a.statusCode);
    expect(statuses).toEqual(events.map(() => 503));
    for (const a of await answers) expect(a.json().error.code).toBe('queue_unavailable');

    await redis.start();
    const probe = new Redis(redis.url);
    try {
      await waitFor(async () => (await t.jobIds()).length > 0, { timeoutMs: 10_000, what: 'the AOF to be replayed' });
      expect(await t.jobIds()).toEqual(kept.jobs);
      expect(await t.markers()).toEqual(kept.markers);
      for (const e of events) expect(await probe.exists(conversationIndexKey(t.prefix, e.conversationId))).toBe(0);
    } finally {
      probe.disconnect();
    }
    // The senders' retries start over: the twin is new again, once.
    const retried = await waitFor(
      async () => {
        const res = await post(t, twin);
        return res.statusCode === 503 ? undefined : res;
      },
      { timeoutMs: 15_000, what: 'the ingress to accept again' },
    );
    expect(retried.statusCode).toBe(202);
    expect((await post(t, twin)).statusCode).toBe(200);
  });
});
