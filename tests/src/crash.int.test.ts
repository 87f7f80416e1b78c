import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import type { FallbackJobData } from '@fallback/core';
import { FALLBACK_QUEUE } from '@fallback/queue';
import { startPrivateRedis, waitFor, type PrivateRedis } from '@fallback/testing';
import { startStack, type Stack } from './harness.js';

let stack: Stack | undefined;
let privateRedis: PrivateRedis | undefined;
afterEach(async () => {
  await stack?.stop();
  await privateRedis?.destroy();
  stack = undefined;
  privateRedis = undefined;
});

const FINAL = ['transferred', 'failed', 'expired'];

/** Posts one failure per new simulated call through the ingress; returns the acknowledged job ids. */
async function postCalls(s: Stack, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const conv = s.sim.createConversation();
    const res = await s.post({ conversationId: conv.id, eventId: `crash-${i}`, failureType: 'BOT_UNREACHABLE' });
    if (res.status === 202) ids.push(res.body.id);
  }
  return ids;
}

async function settle(s: Stack, ids: string[], timeoutMs: number) {
  return waitFor(
    async () => {
      const views = await Promise.all(ids.map(async (id) => (await s.status(id)).body));
      return views.every((v) => FINAL.includes(v?.status)) ? views : undefined;
    },
    { timeoutMs, intervalMs: 100, what: `${ids.length} fallbacks to finish` },
  );
}

function assertLedger(s: Stack, views: any[], accepted: number) {
  const transferred = views.filter((v) => v.status === 'transferred').length;
  const failed = views.filter((v) => v.status === 'failed').length;
  const expired = views.filter((v) => v.status === 'expired').length;
  expect({ accepted: views.length, sum: transferred + failed + expired }).toEqual({ accepted, sum: accepted });
  expect(transferred).toBe(accepted);
  expect(s.sim.stats().duplicateTransfers).toBe(0);
  expect(s.sim.transfers()).toHaveLength(accepted);
}

describe('crashes and restarts (real processes)', () => {
  it('SIGKILL a worker at random points: zero lost, zero doubled, jobs taken over within the lock window', async () => {
    // The defaults (LOCK_DURATION_MS 3000, STALLED_INTERVAL_MS 1000) are what is measured here.
    const lockMs = 3000;
    const stallMs = 1000;
    // A job killed with its POST on the wire is read again only once that POST can no longer land (S14):
    // POST_SETTLE_MS after it left, shortened here with the request timeout it must exceed.
    const settleMs = 1000;
    const calls = 120;
    stack = await startStack({
      workers: 2,
      // Each request takes 200 ms, so kills land mid-job: between read, transfer POST and confirmation.
      sim: { latencyMs: 200, transferDelayMs: 50 },
      workerEnv: { WORKER_CONCURRENCY: '4', GENESYS_REQUESTS_PER_MINUTE: '0', CONFIRM_DELAY_MS: '50', GENESYS_TIMEOUT_MS: '1000', POST_SETTLE_MS: String(settleMs) },
    });
    const queue = new Queue<FallbackJobData>(FALLBACK_QUEUE, { connection: stack.redis, prefix: stack.prefix });
    const ids = await postCalls(stack, calls);
    expect(ids).toHaveLength(calls);

    const recoveries: number[] = [];
    for (let kill = 0; kill < 3; kill += 1) {
      // A random moment in the batch, once the victim holds jobs.
      await new Promise((r) => setTimeout(r, 200 + Math.floor(Math.random() * 600)));
      const victimIndex = Math.floor(Math.random() * stack.workers.length);
      const victim = stack.workers[victimIndex]!;
      const name = `${os.hostname()}:${victim.child.pid}`;
      const held = (await queue.getActive()).filter((j) => j.processedBy === name).map((j) => j.id!);
      const killedAt = Date.now();
      await victim.kill('SIGKILL');
      stack.workers.splice(victimIndex, 1);
      // The replacement boots while the surviving worker takes the killed one's jobs over.
      const replacement = stack.addWorker();
      if (held.length > 0) {
        await waitFor(async () => {
          const states = await Promise.all(held.map((id) => queue.getJobState(id)));
          return states.every((s) => s === 'completed' || s === 'failed') || undefined;
        }, { timeoutMs: 30_000, what: 'jobs of the killed worker to be taken over' });
        recoveries.push(Date.now() - killedAt);
      }
      await replacement;
    }
    const views = await settle(stack, ids, 60_000);
    assertLedger(stack, views, calls);
    expect(recoveries.length).toBeGreaterThanOrEqual(2);
    // A held job runs again once its lock expires and a stall check sees it (plus the settle time if its POST may
    // have been on the wire), plus its own run time.
    for (const ms of recoveries) expect(ms).toBeLessThan(lockMs + stallMs + settleMs + 3000);
    console.log(`worker SIGKILL recovery (ms): ${recoveries.join(', ')}`);
    await queue.close();
  });

  it('Redis killed and restarted mid-run (AOF fsync always): every acknowledged failure ends transferred once', async () => {
    privateRedis = await startPrivateRedis({ appendonly: true, appendfsync: 'always' });
    stack = await startStack({
      redisUrl: privateRedis.url,
      workers: 2,
      sim: { latencyMs: 20 },
      workerEnv: { WORKER_CONCURRENCY: '4', GENESYS_REQUESTS_PER_MINUTE: '0', CONFIRM_DELAY_MS: '20' },
    });
    const acked: string[] = [];
    let refused = 0;
    let i = 0;
    const post = async () => {
      const conv = stack!.sim.createConversation();
      const res = await stack!.post({ conversationId: conv.id, eventId: `r-${i++}` });
      if (res.status === 202) acked.push(res.body.id);
      else {
        expect(res.status).toBe(503);
        expect(res.body.error.code).toBe('queue_unavailable');
        refused += 1;
      }
    };
    for (let k = 0; k < 15; k += 1) await post();
    await privateRedis.stop('SIGKILL');
    // While Redis is down the ingress refuses at once (503), it does not hang.
    const t0 = Date.now();
    for (let k = 0; k < 3; k += 1) await post();
    expect(Date.now() - t0).toBeLessThan(3000);
    await privateRedis.start();
    // Workers and ingress reconnect by themselves.
    await waitFor(async () => (await stack!.post({ conversationId: stack!.sim.createConversation().id, eventId: 'probe' })).status === 202 || undefined, {
      timeoutMs: 15_000,
      what: 'ingress to accept again',
    });
    for (let k = 0; k < 15; k += 1) await post();
    expect(refused).toBeGreaterThanOrEqual(3);
    const views = await settle(stack, acked, 60_000);
    const transferred = views.filter((v) => v.status === 'transferred').length;
    expect(transferred).toBe(acked.length);
    expect(stack.sim.stats().duplicateTransfers).toBe(0);
  });

  it('SIGTERM: a worker stops taking jobs, finishes or hands back what it holds, and exits in time', async () => {
    stack = await startStack({
      workers: 1,
      sim: { latencyMs: 300 },
      workerEnv: { WORKER_CONCURRENCY: '6', GENESYS_REQUESTS_PER_MINUTE: '0', CONFIRM_DELAY_MS: '100', SHUTDOWN_TIMEOUT_MS: '400' },
    });
    const ids = await postCalls(stack, 12);
    const queue = new Queue<FallbackJobData>(FALLBACK_QUEUE, { connection: stack.redis, prefix: stack.prefix });
    await waitFor(async () => (await queue.getActiveCount()) > 0 || undefined, { what: 'jobs to be active' });
    const worker = stack.workers.shift()!;
    const t0 = Date.now();
    const exit = await worker.kill('SIGTERM');
    const took = Date.now() - t0;
    expect(exit.code).toBe(0);
    // Grace (400 ms) + the longest in-flight request (300 ms) + closing: well under the 5 s margin.
    expect(took).toBeLessThan(4000);
    expect(worker.lines.some((l) => /handed back|shutdown complete/.test(l))).toBe(true);
    // Nothing is left active by the stopped worker; a new worker finishes everything exactly once.
    await stack.addWorker({ SHUTDOWN_TIMEOUT_MS: '10000' });
    const views = await settle(stack, ids, 60_000);
    assertLedger(stack, views, 12);
    await queue.close();
  });
});
