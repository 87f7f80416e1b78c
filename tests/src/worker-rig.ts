import { inject } from 'vitest';
import { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import { loadWorkerConfig } from '@fallback/config';
import { buildJobData, defaultQueueRouter, jobIdOf, type FailureEvent, type FallbackJobData, type FallbackResult } from '@fallback/core';
import { SEED, createSimulator, type Simulator, type SimulatorOptions } from '@fallback/genesys-sim';
import { createLogger } from '@fallback/observability';
import { FallbackProducer, createRedis, getFallbackStatus, openFallbackQueue, waitUntilReady, type FallbackStatusView } from '@fallback/queue';
import { deleteByPrefix, uniquePrefix, waitFor } from '@fallback/testing';
import { buildGenesys, createFallbackWorker, type FallbackWorker } from '@fallback/worker';

/** Environment every rig's worker gets unless a test overrides it: fast confirmation, generous pacing. */
const RIG_WORKER_ENV = {
  CONFIRM_DELAY_MS: '20',
  // An unanswered POST is judged after 1 s instead of 10 s (the simulator answers or drops at once).
  GENESYS_TIMEOUT_MS: '1000',
  POST_SETTLE_MS: '1000',
  GENESYS_REQUESTS_PER_MINUTE: '0',
  WORKER_CONCURRENCY: '20',
  BACKOFF_BASE_MS: '50',
  BACKOFF_CAP_MS: '500',
  LOG_LEVEL: 'silent',
};

/**
 * An in-process worker rig: the simulator (real HTTP), real BullMQ workers on the suite's Redis under a unique
 * prefix, and a producer that enqueues exactly as the ingress does. For semantics under Genesys faults; crash and
 * restart tests use real processes instead (tests/src/harness.ts).
 */
export interface WorkerRig {
  sim: Simulator;
  simUrl: string;
  prefix: string;
  queue: Queue<FallbackJobData, FallbackResult>;
  workers: FallbackWorker[];
  addWorker(env?: Record<string, string>): Promise<FallbackWorker>;
  /** Enqueues a failure for a conversation as the ingress would; returns the job id. */
  submit(event: FailureEvent, opts?: { queueId?: string; receivedAt?: number }): Promise<string>;
  /** Waits until every id is final, then returns their views. */
  settle(ids: string[], timeoutMs?: number): Promise<FallbackStatusView[]>;
  stop(): Promise<void>;
}

export async function startWorkerRig(
  opts: { sim?: SimulatorOptions; env?: Record<string, string>; workers?: number; attempts?: number } = {},
): Promise<WorkerRig> {
  const redisUrl = inject('redisUrl');
  const prefix = uniquePrefix('rig');
  const sim = createSimulator({ rateLimitPerMinute: 0, transferDelayMs: 0, ...opts.sim });
  const simUrl = await sim.listen(0);
  const producerRedis = createRedis(redisUrl, { role: 'producer', name: 'rig-producer' });
  await waitUntilReady(producerRedis);
  const queue = openFallbackQueue<FallbackJobData, FallbackResult>(producerRedis, prefix);
  const producer = new FallbackProducer({
    queue,
    redis: producerRedis,
    prefix,
    policy: { attempts: opts.attempts ?? 5, retentionSec: 3600, failedRetentionSec: 3600 },
    dedupeTtlSec: 600,
  });
  const connections: Redis[] = [producerRedis];
  const workers: FallbackWorker[] = [];
  const logger = createLogger({ name: 'worker', level: 'silent' });

  const closers: (() => Promise<void>)[] = [];
  const addWorker = async (env: Record<string, string> = {}) => {
    const config = loadWorkerConfig({
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      GENESYS_API_URL: simUrl,
      GENESYS_LOGIN_URL: simUrl,
      GENESYS_CLIENT_ID: SEED.clientId,
      GENESYS_CLIENT_SECRET: SEED.clientSecret,
      ...RIG_WORKER_ENV,
      ...opts.env,
      ...env,
    });
    const connection = createRedis(redisUrl, { role: 'worker', name: 'rig-worker' });
    connections.push(connection);
    const genesys = await buildGenesys(config, connection, logger);
    closers.push(() => genesys.close());
    const worker = createFallbackWorker({ config, connection, genesys: genesys.client, reader: genesys.reader, pressure: () => genesys.gate.pressure(), logger });
    workers.push(worker);
    return worker;
  };
  for (let i = 0; i < (opts.workers ?? 1); i += 1) await addWorker();

  return {
    sim,
    simUrl,
    prefix,
    queue,
    workers,
    addWorker,
    async submit(event, o = {}) {
      const receivedAt = o.receivedAt ?? Date.now();
      const router = defaultQueueRouter(o.queueId ?? SEED.fallbackQueue.id);
      const data = buildJobData(event, router.resolve(event, new Date(receivedAt)), receivedAt, { defaultTtlMs: 120_000, maxTtlMs: 600_000 });
      const id = jobIdOf(data.dedupeKey);
      await producer.submit(id, data);
      return id;
    },
    async settle(ids, timeoutMs = 30_000) {
      return waitFor(
        async () => {
          const views = await Promise.all(ids.map((id) => getFallbackStatus(queue, id)));
          return views.every((v) => v && ['transferred', 'failed', 'expired'].includes(v.status)) ? (views as FallbackStatusView[]) : undefined;
        },
        { timeoutMs, intervalMs: 50, what: `${ids.length} fallbacks to finish` },
      );
    },
    async stop() {
      await Promise.all(workers.map((w) => w.close(1000)));
      await Promise.all(closers.map((c) => c()));
      await sim.close();
      await deleteByPrefix(producerRedis, prefix);
      await queue.close();
      await Promise.all(connections.map((c) => c.quit().catch(() => undefined)));
    },
  };
}

/** The promise, checked: every accepted fallback is transferred, failed with a reason, or expired; no call moved twice. */
export function ledger(views: FallbackStatusView[], sim: Simulator) {
  const count = (s: string) => views.filter((v) => v.status === s).length;
  const perConversation = new Map<string, number>();
  for (const t of sim.transfers()) perConversation.set(t.conversationId, (perConversation.get(t.conversationId) ?? 0) + 1);
  return {
    accepted: views.length,
    transferred: count('transferred'),
    failed: count('failed'),
    expired: count('expired'),
    unfinished: views.length - count('transferred') - count('failed') - count('expired'),
    failedWithoutReason: views.filter((v) => v.status === 'failed' && (!v.reason || v.reason === 'unknown')).length,
    duplicateTransfers: [...perConversation.values()].filter((n) => n > 1).length,
    stats: sim.stats(),
  };
}
