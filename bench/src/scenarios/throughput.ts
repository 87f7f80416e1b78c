import { Queue } from 'bullmq';
import { FALLBACK_JOB, FALLBACK_QUEUE } from '@fallback/queue';
import { startService } from '@fallback/testing';
import type { Mode } from '../cli.js';
import { loadAgent } from '../http.js';
import { sendBurst } from '../load.js';
import { sampleProcesses } from '../proc.js';
import type { SystemRun } from '../results.js';
import { AUTH, collectOutcomes, failureEvent, readCounters, resetCounters, startOurs, waitForDrain, wipePrivateRedis, type BenchEnv } from '../stack.js';
import { measureOurs, perJob } from '../measure.js';
import { maxOf, minOf, ratePerSecond, summarize } from '../stats.js';

const FAST_SIM = { rateLimitPerMinute: 0, orgRateLimitPerMinute: 0, transferDelayMs: 0, latencyMs: 0 };

/** The ceiling: a no-op BullMQ worker process draining the same number of jobs at the same concurrency. */
async function bareWorker(env: BenchEnv, backlog: number, concurrency: string): Promise<SystemRun> {
  const prefix = '{bench-bare-worker}';
  const conn = env.conn.duplicate();
  const queue = new Queue(FALLBACK_QUEUE, { connection: conn, prefix });
  try {
    for (let i = 0; i < backlog; i += 1000)
      await queue.addBulk(Array.from({ length: Math.min(1000, backlog - i) }, (_, k) => ({ name: FALLBACK_JOB, data: { n: i + k }, opts: { removeOnComplete: false } })));
    const worker = startService('bare-worker', 'bench/src/bare-worker-main.ts', { REDIS_URL: env.redis.url, QUEUE_PREFIX: prefix, WORKER_CONCURRENCY: concurrency });
    try {
      await worker.waitForLine(/bare worker ready/, 30_000);
      await resetCounters(env);
      const sampler = sampleProcesses({ worker: worker.child.pid!, redis: env.redisPid });
      await waitForDrain(queue, backlog, 120_000);
      const resources = sampler.stop();
      const { redisCalls } = await readCounters(env);
      const { counts, jobs } = await collectOutcomes(queue);
      const empty = summarize([]);
      return {
        name: `no-op BullMQ worker, concurrency ${concurrency}`,
        system: 'ours',
        config: { backlog, WORKER_CONCURRENCY: concurrency, processor: 'async no-op (reference ceiling)' },
        sent: backlog,
        answers: {},
        achievedRate: Number.NaN,
        ackMs: empty,
        ledger: { accepted: backlog, ...counts, duplicates: 0, lost: 0, balanced: counts.transferred === backlog, problems: [] },
        timeToTransferMs: empty,
        genesys: { apiRequests: 0, admitted: 0, rateLimited: 0, early: 0, tokenRequests: 0, perTransfer: Number.NaN, admittedPerMinute: Number.NaN },
        simTransfers: 0,
        redisCallsPerJob: perJob(redisCalls, backlog),
        transfersPerSec: ratePerSecond(counts.transferred, minOf(jobs.map((j) => j.processedOn ?? Number.NaN)), maxOf(jobs.map((j) => j.finishedOn ?? Number.NaN))),
        drainSec: Number.NaN,
        resources,
      };
    } finally {
      await worker.kill('SIGTERM');
    }
  } finally {
    await queue.close();
    conn.disconnect();
    await wipePrivateRedis(env);
  }
}

/** Our worker draining a backlog queued through the ingress while it was off. */
async function ourWorker(env: BenchEnv, backlog: number, concurrency: string): Promise<SystemRun> {
  await env.sim.reset();
  await env.sim.config(FAST_SIM);
  const workerEnv = { GENESYS_REQUESTS_PER_MINUTE: '0', WORKER_CONCURRENCY: concurrency };
  const ours = await startOurs(env, { workers: 0, workerEnv });
  const agent = loadAgent(64);
  try {
    const convs = await env.sim.conversations(backlog);
    const events = convs.map((c, i) => ({ conversationId: c.id, body: failureEvent(c.id, i) }));
    const load = await sendBurst({ url: `${ours.ingressUrl}/v1/fallbacks`, events, headers: AUTH, agent, concurrency: 32 });
    await resetCounters(env);
    const worker = await ours.addWorker();
    const sampler = sampleProcesses({ worker: worker.child.pid!, simulator: env.simProcess.child.pid!, redis: env.redisPid });
    await waitForDrain(ours.queue, backlog, 180_000);
    return await measureOurs(env, ours, load, {
      name: `our worker, concurrency ${concurrency}`,
      config: { backlog, ...workerEnv, CONFIRM_DELAY_MS: '250 (default)', participantId: 'no' },
      drainTimeoutMs: 1000,
      resources: sampler.stop(),
      notes: ['time to transfer includes the wait in the backlog: not a latency figure'],
    });
  } finally {
    agent.destroy();
    await ours.stop();
    await wipePrivateRedis(env);
  }
}

/**
 * Worker throughput without a rate limit: a backlog is queued with the worker off, then one worker process starts
 * and drains it. Confirmed transfers per second = transfers ÷ (last job end − first job start), so start-up is not
 * counted. Our worker at the default concurrency and at a sized one, beside a no-op BullMQ worker (the ceiling).
 */
export async function runThroughput(env: BenchEnv, mode: Mode): Promise<SystemRun[]> {
  const backlog = mode === 'quick' ? 1500 : 4000;
  return [await bareWorker(env, backlog, '500'), await ourWorker(env, backlog, '50'), await ourWorker(env, backlog, '500')];
}
