import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { FALLBACK_QUEUE } from '@fallback/queue';
import { startPrivateRedis, waitFor, type PrivateRedis } from '@fallback/testing';
import { startStack, type Stack } from './harness.js';

/**
 * Redis sizing, measured (README: Redis sizing): what one fallback costs in Redis while it is retained, on a
 * private redis-server (nothing else in it), through the real ingress and worker. Completed jobs (kept
 * JOB_RETENTION_SECONDS), failed jobs (FAILED_RETENTION_SECONDS), dedupe markers (DEDUPE_TTL_SECONDS), per-call
 * claims (deadline + CLAIM_TTL_MS) and BullMQ's event stream (capped). The bounds below keep the README's figures
 * honest: a change that makes a job much bigger fails here and sends someone to re-measure.
 */
const COMPLETED = 300;
const FAILED = 100;

/** A Cognigy failure as the README shows it (~380 bytes of JSON), for call `conversationId`. */
const event = (i: number, conversationId: string) => ({
  eventId: `sizing-${i}-exec-1`,
  occurredAt: new Date().toISOString(),
  source: 'cognigy',
  failureType: 'FLOW_ERROR',
  conversationId,
  language: 'de-DE',
  dnis: '+4930123456',
  bot: { flowName: 'Billing', endpoint: 'voicegateway-prod' },
  cognigy: { sessionId: `session-${i}-0c1d2e3f4a5b6c7d`, userId: `+49151${String(1_000_000 + i)}` },
});

describe('Redis bytes per fallback (private redis-server)', () => {
  let redis: PrivateRedis;
  let stack: Stack;
  let probe: Redis;
  const used = async () => Number(/used_memory:(\d+)/.exec(await probe.info('memory'))![1]);
  const keys = async (pattern: string) => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await probe.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return found;
  };
  const bytesOf = async (ks: string[]) => {
    let total = 0;
    for (const k of ks) total += (await probe.memory('USAGE', k, 'SAMPLES', '0')) ?? 0;
    return total;
  };

  beforeAll(async () => {
    redis = await startPrivateRedis({ args: ['--maxmemory', '256mb'] });
    probe = new Redis(redis.url);
    stack = await startStack({ redisUrl: redis.url, workerEnv: { GENESYS_REQUESTS_PER_MINUTE: '0', WORKER_CONCURRENCY: '50' } });
  });
  afterAll(async () => {
    await stack?.stop();
    probe?.disconnect();
    await redis?.destroy();
  });

  /** Posts `n` failures for new calls and waits until all have ended in `status`. */
  async function run(n: number, offset: number, status: 'transferred' | 'failed') {
    const ids: string[] = [];
    for (let i = 0; i < n; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, n - i) }, (_, j) => stack.post(event(offset + i + j, stack.sim.createConversation().id))),
      );
      for (const r of batch) {
        expect(r.status, JSON.stringify(r.body)).toBe(202);
        ids.push(r.body.id);
      }
    }
    const queue = `${stack.prefix}:${FALLBACK_QUEUE}`;
    await waitFor(async () => (await probe.zcard(`${queue}:${status === 'transferred' ? 'completed' : 'failed'}`)) >= n, {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: `${n} fallbacks ${status}`,
    });
    return ids;
  }

  it('measures completed and failed jobs, markers, claims and the event stream', async () => {
    const queue = `${stack.prefix}:${FALLBACK_QUEUE}`;
    const stream = `${queue}:events`;
    const streamBytes = async () => (await probe.memory('USAGE', stream, 'SAMPLES', '0')) ?? 0;
    const extras = async () => {
      const markers = await keys(`${queue}:dedupe:*`);
      const claims = await keys(`${stack.prefix}:claim:*`);
      return { markers: markers.length, claims: claims.length, markerBytes: await bytesOf(markers), claimBytes: await bytesOf(claims) };
    };

    // Warm-up: the first jobs create the queue's fixed keys (meta, sets, the stream); measured from after them.
    await run(10, 0, 'transferred');
    const m0 = await used();
    const s0 = await streamBytes();
    const x0 = await extras();

    const done = await run(COMPLETED, 10, 'transferred');
    const m1 = await used();
    const s1 = await streamBytes();
    const x1 = await extras();
    const jobHash = (await bytesOf(done.slice(0, 50).map((id) => `${queue}:${id}`))) / 50;

    stack.sim.installFaults([{ endpoint: 'transfer', action: { type: 'status', status: 400, code: 'conversations.error.queue.not.found' } }]);
    const failed = await run(FAILED, 10 + COMPLETED, 'failed');
    stack.sim.clearFaults();
    const m2 = await used();
    const s2 = await streamBytes();
    const x2 = await extras();
    const failedHash = (await bytesOf(failed.slice(0, 50).map((id) => `${queue}:${id}`))) / 50;
    const streamEntries = await probe.xlen(stream);

    const per = (bytes: number, n: number) => Math.round(bytes / n);
    const figures = {
      completedJobBytes: per(m1 - m0 - (s1 - s0) - (x1.markerBytes - x0.markerBytes) - (x1.claimBytes - x0.claimBytes), COMPLETED),
      completedJobHashBytes: Math.round(jobHash),
      failedJobBytes: per(m2 - m1 - (s2 - s1) - (x2.markerBytes - x1.markerBytes) - (x2.claimBytes - x1.claimBytes), FAILED),
      failedJobHashBytes: Math.round(failedHash),
      dedupeMarkerBytes: per(x1.markerBytes - x0.markerBytes, x1.markers - x0.markers),
      claimBytes: per(x1.claimBytes - x0.claimBytes, Math.max(1, x1.claims - x0.claims)),
      claimsPerCompletedJob: (x1.claims - x0.claims) / COMPLETED,
      streamBytesPerEntry: per(s2, streamEntries),
      streamEntriesPerJob: Math.round((streamEntries / (10 + COMPLETED + FAILED)) * 10) / 10,
    };
    process.stdout.write(`redis sizing: ${JSON.stringify(figures)}\n`);

    // One marker per event; every job's row costs what the README says, within a margin.
    expect(x1.markers - x0.markers).toBe(COMPLETED);
    expect(figures.completedJobBytes).toBeGreaterThan(500);
    expect(figures.completedJobBytes).toBeLessThan(3000);
    expect(figures.failedJobBytes).toBeLessThan(5000);
    expect(figures.dedupeMarkerBytes).toBeLessThan(200);
  });
});
