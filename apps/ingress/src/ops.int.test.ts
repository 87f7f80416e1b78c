import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UnrecoverableError, Worker, type Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { formatFailure, type FallbackJobData, type FallbackResult } from '@fallback/core';
import { policyFromEnv } from '@fallback/ingress-core';
import { createLogger, createMetricsRegistry } from '@fallback/observability';
import { FALLBACK_QUEUE, FallbackProducer, createRedis, openFallbackQueue } from '@fallback/queue';
import { deleteByPrefix, uniquePrefix, waitFor } from '@fallback/testing';
import { buildApp } from './app.js';
import { testConfig } from '../test/test-app.js';
import { ADMIN_PREFIX, ADMIN_SECURITY_HEADERS, registerAdmin } from './admin.js';
import { registerMetrics } from './metrics.js';

const API_KEY = 'ops-test-key-0123456789';
const PASSWORD = 'ops-test-password-42';
const QUEUE_ID = '6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const ADMIN = { authorization: basic('ops', PASSWORD) };

/** A real ingress app (not listening) on the test Redis, with the ops plugins as main.ts registers them. */
async function ingress(redis: Redis, queue: Queue<FallbackJobData, FallbackResult>, prefix: string, mode: 'off' | 'read-only' | 'operate') {
  const app = await buildApp({
    config: testConfig(prefix),
    policy: policyFromEnv({ apiKeys: [API_KEY], webhookSecrets: [], defaultQueueId: QUEUE_ID }),
    producer: new FallbackProducer({ queue, redis, prefix, policy: { attempts: 3, retentionSec: 3600, failedRetentionSec: 3600 }, dedupeTtlSec: 600 }),
    queue,
    redis,
    logger: createLogger({ name: 'ingress-test', level: 'silent' }),
  });
  await registerMetrics(app, { queue, registry: createMetricsRegistry({ defaultMetrics: false }) });
  await registerAdmin(app, { queue, redis, admin: { mode, username: 'ops', password: PASSWORD } });
  return app;
}

describe('ingress operations surface', () => {
  let redis: Redis;
  let queue: Queue<FallbackJobData, FallbackResult>;
  let prefix: string;
  const apps: FastifyInstance[] = [];
  const post = (app: FastifyInstance, body: unknown, key = API_KEY) =>
    app.inject({ method: 'POST', url: '/v1/fallbacks', headers: { authorization: `Bearer ${key}` }, payload: body as object });

  beforeAll(async () => {
    redis = createRedis(inject('redisUrl'), { role: 'producer', name: 'ops-test' });
    // A producer connection has no offline queue (503 fast when Redis is down): wait until it is up.
    await waitFor(() => redis.status === 'ready', { what: 'the Redis connection' });
    prefix = uniquePrefix('ingress-ops');
    queue = openFallbackQueue(redis, prefix);
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await queue?.close();
    await deleteByPrefix(redis, prefix);
    await redis?.quit();
  });

  it('counts ingest answers by status and code, and reports queue depth and the oldest waiting job', async () => {
    const app = await ingress(redis, queue, prefix, 'off');
    apps.push(app);
    const event = { eventId: 'm-1', conversationId: randomUUID() };
    expect((await post(app, event)).statusCode).toBe(202);
    expect((await post(app, event)).statusCode).toBe(200);
    expect((await post(app, { eventId: 'm-2', conversationId: randomUUID() }, 'wrong-key-0123456789')).statusCode).toBe(401);
    expect((await post(app, { conversationId: '{{context.genesys.conversationId}}' })).statusCode).toBe(400);
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    expect(text).toContain('fallback_ingest_requests_total{status="202",code="accepted"} 1');
    expect(text).toContain('fallback_ingest_requests_total{status="200",code="duplicate"} 1');
    expect(text).toContain('fallback_ingest_requests_total{status="401",code="unauthorized"} 1');
    expect(text).toContain('fallback_ingest_requests_total{status="400",code="invalid_payload"} 1');
    expect(text).toContain('fallback_ingest_duration_seconds_count{status="202"} 1');
    expect(text).toContain('fallback_queue_jobs{state="waiting"} 1');
    const oldest = Number(/^fallback_queue_oldest_waiting_seconds (\S+)$/m.exec(text)?.[1]);
    expect(oldest).toBeGreaterThan(0);
    expect(oldest).toBeLessThan(60);
  });

  it('leaves the metrics and the dashboard out of the published contract (/v1/openapi.json)', async () => {
    const app = await ingress(redis, queue, prefix, 'operate');
    apps.push(app);
    const doc = (await app.inject({ method: 'GET', url: '/v1/openapi.json' })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/v1/fallbacks');
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/metrics') || p.startsWith(ADMIN_PREFIX))).toEqual([]);
  });

  it('keeps the dashboard off by default: the path does not exist', async () => {
    const app = await ingress(redis, queue, prefix, 'off');
    apps.push(app);
    expect((await app.inject({ method: 'GET', url: ADMIN_PREFIX, headers: ADMIN })).statusCode).toBe(404);
  });

  it('asks for credentials, refuses wrong ones in constant time, and sets security headers', async () => {
    const app = await ingress(redis, queue, prefix, 'read-only');
    apps.push(app);
    const none = await app.inject({ method: 'GET', url: ADMIN_PREFIX });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic realm=/);
    expect((await app.inject({ method: 'GET', url: `${ADMIN_PREFIX}/api/queues`, headers: { authorization: basic('ops', 'wrong-password-42') } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: ADMIN_PREFIX, headers: { authorization: `Bearer ${API_KEY}` } })).statusCode).toBe(401);
    const page = await app.inject({ method: 'GET', url: ADMIN_PREFIX, headers: ADMIN });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    for (const [name, value] of Object.entries(ADMIN_SECURITY_HEADERS)) expect(page.headers[name.toLowerCase()]).toBe(value);
    // The rest of the app is untouched by the dashboard's headers.
    expect((await app.inject({ method: 'GET', url: '/healthz' })).headers['content-security-policy']).toBeUndefined();
  });

  describe('with a dead-lettered job', () => {
    let jobId: string;
    const conversationId = randomUUID();
    beforeAll(async () => {
      const app = await ingress(redis, queue, prefix, 'off');
      apps.push(app);
      const res = await post(app, { eventId: 'dead-1', conversationId });
      jobId = res.json().id;
      // A real BullMQ worker fails it for good the way the processor does: the reason code first.
      const worker = new Worker<FallbackJobData>(
        FALLBACK_QUEUE,
        async (job) => {
          throw new UnrecoverableError(formatFailure('genesys.rejected', 'POST … → 400 conversations.error.queue.not.found (inin-correlation-id 7d0c…)'));
        },
        { connection: redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true }), prefix, autorun: true },
      );
      await waitFor(async () => (await queue.getJobState(jobId)) === 'failed', { what: 'the job to fail' });
      await worker.close();
      await worker.disconnect();
    });

    it('read-only: shows the failure with its reason code, refuses every change', async () => {
      const app = await ingress(redis, queue, prefix, 'read-only');
      apps.push(app);
      const list = await app.inject({ method: 'GET', url: `${ADMIN_PREFIX}/api/queues?activeQueue=${FALLBACK_QUEUE}&status=failed&page=1`, headers: ADMIN });
      expect(list.statusCode).toBe(200);
      const q = list.json().queues.find((x: { name: string }) => x.name === FALLBACK_QUEUE);
      expect(q.readOnlyMode).toBe(true);
      const job = q.jobs.find((j: { id: string }) => j.id === jobId);
      expect(job.name).toBe(`transfer · genesys.rejected · ${conversationId}`);
      expect(job.failedReason).toMatch(/^genesys\.rejected: .*inin-correlation-id/);
      const retry = await app.inject({ method: 'PUT', url: `${ADMIN_PREFIX}/api/queues/${FALLBACK_QUEUE}/${jobId}/retry`, headers: ADMIN });
      expect(retry.statusCode).toBe(403);
      expect(await queue.getJobState(jobId)).toBe('failed');
    });

    it('operate: retries the failed job, but never empties, obliterates or adds', async () => {
      const app = await ingress(redis, queue, prefix, 'operate');
      apps.push(app);
      for (const [method, url] of [
        ['PUT', `/api/queues/${FALLBACK_QUEUE}/obliterate`],
        ['PUT', `/api/queues/${FALLBACK_QUEUE}/empty`],
        ['POST', `/api/queues/${FALLBACK_QUEUE}/add`],
        ['PUT', `/api/queues/${FALLBACK_QUEUE}/rate-limit/release`],
        ['PATCH', `/api/queues/${FALLBACK_QUEUE}/${jobId}/update-data`],
      ] as const) {
        const res = await app.inject({ method, url: `${ADMIN_PREFIX}${url}`, headers: ADMIN, payload: {} });
        expect(res.statusCode, `${method} ${url}`).toBe(403);
      }
      const retry = await app.inject({ method: 'PUT', url: `${ADMIN_PREFIX}/api/queues/${FALLBACK_QUEUE}/${jobId}/retry`, headers: ADMIN });
      expect(retry.statusCode).toBe(204);
      expect(await queue.getJobState(jobId)).toBe('waiting');
    });
  });

  describe('operate: only safe actions on jobs (issue 11 §5)', () => {
    const prefixes: string[] = [];
    const queues: Queue<FallbackJobData, FallbackResult>[] = [];
    afterAll(async () => {
      await Promise.all(queues.map((q) => q.close()));
      for (const p of prefixes) await deleteByPrefix(redis, p);
    });

    /** An operate-mode ingress on a queue of its own, so each case controls every job in it. */
    const fresh = async () => {
      const p = uniquePrefix('ingress-operate');
      const q = openFallbackQueue<FallbackJobData, FallbackResult>(redis, p);
      prefixes.push(p);
      queues.push(q);
      const app = await ingress(redis, q, p, 'operate');
      apps.push(app);
      const accepted = async () => {
        const res = await post(app, { eventId: `op-${randomUUID()}`, conversationId: randomUUID() });
        expect(res.statusCode).toBe(202);
        return res.json().id as string;
      };
      const act = (method: 'PUT', path: string) => app.inject({ method, url: `${ADMIN_PREFIX}/api/queues/${FALLBACK_QUEUE}${path}`, headers: ADMIN });
      return { app, queue: q, prefix: p, accepted, act };
    };

    /** Runs the queue's one waiting job with a real BullMQ worker that completes it, fails it for good, or holds it. */
    const work = (p: string, how: 'complete' | 'fail' | 'hold') => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const worker = new Worker<FallbackJobData, FallbackResult>(
        FALLBACK_QUEUE,
        async (job) => {
          if (how === 'fail') throw new UnrecoverableError(formatFailure('attempts.exhausted', 'transient Genesys errors until the attempts ran out'));
          if (how === 'hold') await held;
          return { outcome: 'transferred', at: Date.now(), target: job.data.target, participantId: randomUUID(), alreadyTransferred: false, genesysRequests: 3 };
        },
        { connection: redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true }), prefix: p, autorun: true },
      );
      return {
        release,
        async stop() {
          release();
          await worker.close();
          await worker.disconnect();
        },
      };
    };
    const until = (q: Queue, id: string, state: string) => waitFor(async () => (await q.getJobState(id)) === state, { what: `job ${id} to be ${state}` });

    it('refuses to remove a waiting, delayed or active job (an acknowledged failure would vanish)', async () => {
      const { queue: q, prefix: p, accepted, act } = await fresh();
      const waiting = await accepted();
      const removeWaiting = await act('PUT', `/${waiting}/clean`);
      expect(removeWaiting.statusCode).toBe(403);
      expect(removeWaiting.json().error).toMatchObject({ code: 'job_not_final', message: expect.stringMatching(/is waiting: only completed or failed jobs may be removed/) });
      expect(removeWaiting.headers['x-frame-options']).toBe('DENY');
      expect(await q.getJobState(waiting)).toBe('waiting');

      const held = work(p, 'hold');
      await until(q, waiting, 'active');
      const removeActive = await act('PUT', `/${waiting}/clean`);
      expect(removeActive.statusCode).toBe(403);
      expect(removeActive.json().error.code).toBe('job_not_final');
      await held.stop();
      await until(q, waiting, 'completed');

      const delayed = await q.add('transfer', (await q.getJob(waiting))!.data, { jobId: `fb-${'d'.repeat(32)}`, delay: 60_000 });
      expect((await act('PUT', `/${delayed.id}/clean`)).statusCode).toBe(403);
      expect(await q.getJobState(delayed.id!)).toBe('delayed');
      expect((await act('PUT', `/fb-${'0'.repeat(32)}/clean`)).statusCode).toBe(404);
    });

    it('refuses to retry a completed job (one by one or all), and removes a finished one', async () => {
      const { queue: q, prefix: p, accepted, act } = await fresh();
      const done = await accepted();
      const worker = work(p, 'complete');
      await until(q, done, 'completed');
      await worker.stop();
      const retry = await act('PUT', `/${done}/retry`);
      expect(retry.statusCode).toBe(403);
      expect(retry.json().error).toMatchObject({ code: 'job_not_failed', message: expect.stringMatching(/is completed: only failed jobs/) });
      const retryAll = await act('PUT', '/retry/completed');
      expect(retryAll.statusCode).toBe(403);
      expect(retryAll.json().error.code).toBe('job_not_failed');
      expect(await q.getJobState(done)).toBe('completed');
      expect((await act('PUT', `/${done}/clean`)).statusCode).toBe(204);
      expect(await q.getJob(done)).toBeUndefined();
    });

    it('retries a dead letter afresh: attempts and starts reset, retried counted in its data, and it runs again', async () => {
      const { app, queue: q, prefix: p, accepted, act } = await fresh();
      const id = await accepted();
      const original = (await q.getJob(id))!.data;
      let worker = work(p, 'fail');
      await until(q, id, 'failed');
      await worker.stop();
      const dead = (await q.getJob(id))!;
      expect([dead.attemptsMade, dead.attemptsStarted]).toEqual([1, 1]);

      expect((await act('PUT', `/${id}/retry`)).statusCode).toBe(204);
      const retried = (await q.getJob(id))!;
      expect(await q.getJobState(id)).toBe('waiting');
      expect([retried.attemptsMade, retried.attemptsStarted ?? 0]).toEqual([0, 0]);
      expect(retried.data).toEqual({ ...original, retried: 1 });
      const view = await app.inject({ method: 'GET', url: `/v1/fallbacks/${id}`, headers: { authorization: `Bearer ${API_KEY}` } });
      expect(view.json()).toMatchObject({ status: 'queued', attempts: 0, starts: 0 });
      // Retrying a job that is no longer a dead letter is refused.
      expect((await act('PUT', `/${id}/retry`)).json().error.code).toBe('job_not_failed');

      // It fails again; "retry all" of the failed list does the same, counting a second retry.
      worker = work(p, 'fail');
      await until(q, id, 'failed');
      await worker.stop();
      const all = await act('PUT', '/retry/failed');
      expect(all.statusCode).toBe(200);
      expect(all.json()).toEqual({ retried: 1, skipped: 0 });
      expect((await q.getJob(id))!.data.retried).toBe(2);

      // And a worker runs it to the end.
      worker = work(p, 'complete');
      await until(q, id, 'completed');
      await worker.stop();
      expect((await q.getJob(id))!.attemptsMade).toBe(1);
    });
  });
});
