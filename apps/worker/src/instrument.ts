import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FallbackJobData, FallbackResult } from '@fallback/core';
import {
  createMetricsRegistry,
  queueMetrics,
  readinessProbe,
  workerMetrics,
  type Registry,
  type WorkerMetrics,
} from '@fallback/observability';
import { openFallbackQueue, queueStatsSource } from '@fallback/queue';
import type { GenesysHooks } from './genesys.js';
import { startWorkerHttp, type WorkerHttp } from './http.js';

/** The metrics of one worker process; create it first, so its hooks can be handed to the Genesys client. */
export interface WorkerInstruments {
  registry: Registry;
  metrics: WorkerMetrics;
}

/** A registry with the worker's metric set. */
export function createWorkerInstruments(): WorkerInstruments {
  const registry = createMetricsRegistry();
  return { registry, metrics: workerMetrics(registry) };
}

/** Counts job outcomes, retries and stalls from BullMQ's own worker events. */
export function instrumentWorker(worker: Worker<FallbackJobData, FallbackResult>, metrics: WorkerMetrics, now: () => number = Date.now): void {
  worker.on('completed', (job: Job<FallbackJobData, FallbackResult>, result: FallbackResult) => metrics.jobCompleted(job, result, now()));
  worker.on('failed', (job: Job<FallbackJobData> | undefined) => {
    if (job) metrics.jobFailed(job);
  });
  worker.on('stalled', () => metrics.jobStalled());
}

/** The Genesys hooks (buildGenesys) that feed the worker metrics. */
export function genesysHooks(metrics: WorkerMetrics): GenesysHooks {
  return {
    onRequest: (info) => metrics.genesysRequest(info),
    onTokenRefresh: () => metrics.tokenRefreshed(),
    onEarlyRequest: () => metrics.genesysEarly(),
  };
}

/** Options of startWorkerOps. */
export interface WorkerOpsOptions {
  instruments: WorkerInstruments;
  worker: Worker<FallbackJobData, FallbackResult>;
  /** The worker's Redis connection (owned by the caller: not closed here). */
  connection: Redis;
  queuePrefix: string;
  http: { host: string; port: number };
  /** The outage breakers' position and window failures, read at scrape time (packages/breaker breakerGauges). */
  breakers?: () => Promise<{ breaker: string; open: boolean; failures: number }[]>;
}

/**
 * Instruments a running worker and, unless the port is 0, serves /healthz, /readyz and /metrics. Queue-wide
 * gauges are read from Redis at scrape time. Ready means: Redis answers a PING and the worker is taking jobs.
 */
export async function startWorkerOps(opts: WorkerOpsOptions): Promise<{ server?: WorkerHttp; close(): Promise<void> }> {
  const { instruments, worker } = opts;
  instrumentWorker(worker, instruments.metrics);
  const queue = openFallbackQueue(opts.connection, opts.queuePrefix);
  queueMetrics(instruments.registry, { ...queueStatsSource(queue, opts.connection), ...(opts.breakers ? { breakers: opts.breakers } : {}) });
  const readiness = readinessProbe({
    redis: () => opts.connection.ping(),
    worker: () => {
      if (!worker.isRunning() || worker.closing) throw new Error('the worker is not taking jobs (starting or shutting down)');
    },
  });
  const server = opts.http.port > 0 ? await startWorkerHttp({ ...opts.http, registry: instruments.registry, readiness }) : undefined;
  return {
    ...(server ? { server } : {}),
    async close() {
      await server?.close();
      await queue.close();
    },
  };
}
