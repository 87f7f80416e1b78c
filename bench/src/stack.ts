import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { SEED } from '@fallback/genesys-sim';
import { FALLBACK_QUEUE } from '@fallback/queue';
import path from 'node:path';
import { REPO_ROOT, freePort, startPrivateRedis, startService, waitFor, type PrivateRedis, type ServiceProcess } from '@fallback/testing';
import { json } from './http.js';
import type { LedgerCounts, RequestRecord, TransferRecord } from './ledger.js';

/** The API key the bench's ingress accepts. */
export const API_KEY = 'bench-api-key-0123456789abcdef';
/** OAuth clients the bench simulator knows: the first is the worker's main client, the last is the baseline's. */
export const SIM_CLIENTS = [
  { id: SEED.clientId, secret: SEED.clientSecret },
  { id: 'bench-client-2', secret: 'bench-secret-2' },
  { id: 'bench-client-3', secret: 'bench-secret-3' },
  { id: 'bench-baseline', secret: 'bench-baseline-secret' },
] as const;

/** What every scenario shares: a private Redis (AOF everysec) and the simulator process. */
export interface BenchEnv {
  redis: PrivateRedis;
  /** The bench's own connection to the private Redis (outcomes, cleanup). */
  conn: Redis;
  /** Pid of the private redis-server (for CPU/RSS sampling). */
  redisPid: number;
  simProcess: ServiceProcess;
  /** When set, ingress and worker processes write V8 CPU profiles (node --cpu-prof) under this directory. */
  profileDir?: string;
  simUrl: string;
  sim: SimControl;
  close(): Promise<void>;
}

/** The simulator's control API (/__sim), and the bench's own counter of accepted connections. */
export interface SimControl {
  connections(): Promise<number>;
  resetConnections(): Promise<void>;
  reset(): Promise<void>;
  config(settings: Record<string, number>): Promise<void>;
  faults(rules: unknown[]): Promise<void>;
  clearFaults(): Promise<void>;
  /** Creates live conversations; returns their ids and bot legs. */
  conversations(count: number, opts?: { hangupAfterMs?: number }): Promise<Array<{ id: string; botParticipantId: string; createdAt: number }>>;
  stats(): Promise<{ requests: number; transfers: number; duplicateTransfers: number; earlyRequests: number; rateLimited: number; byEndpoint: Record<string, number> }>;
  transfers(): Promise<TransferRecord[]>;
  requests(): Promise<RequestRecord[]>;
}

function simControl(base: string): SimControl {
  return {
    connections: async () => (await json<{ connections: number }>(`${base}/__bench/connections`)).connections,
    resetConnections: async () => void (await json(`${base}/__bench/connections/reset`, 'POST', {})),
    reset: async () => void (await json(`${base}/__sim/reset`, 'POST', {})),
    config: async (settings) => void (await json(`${base}/__sim/config`, 'POST', settings)),
    faults: async (rules) => void (await json(`${base}/__sim/faults`, 'POST', { rules })),
    clearFaults: async () => void (await json(`${base}/__sim/faults`, 'DELETE')),
    async conversations(count, opts = {}) {
      const out: Array<{ id: string; botParticipantId: string; createdAt: number }> = [];
      for (let left = count; left > 0; left -= 20_000) {
        const createdAt = Date.now();
        const r = await json<{ conversations: Array<{ id: string; botParticipantId: string }> }>(`${base}/__sim/conversations/bulk`, 'POST', { count: Math.min(left, 20_000), ...opts });
        out.push(...r.conversations.map((c) => ({ ...c, createdAt })));
      }
      return out;
    },
    stats: () => json(`${base}/__sim/stats`),
    transfers: async () => (await json<{ transfers: TransferRecord[] }>(`${base}/__sim/transfers`)).transfers,
    requests: async () => (await json<{ requests: RequestRecord[] }>(`${base}/__sim/requests?since=0&limit=10000000`)).requests,
  };
}

/** Starts the private Redis and the simulator process. */
export async function startBenchEnv(opts: { profileDir?: string } = {}): Promise<BenchEnv> {
  const redis = await startPrivateRedis({ appendonly: true, appendfsync: 'everysec' });
  const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
  const port = await freePort();
  const simProcess = startService('genesys-sim', 'bench/src/sim-main.ts', {
    BENCH_SIM_PORT: String(port),
    BENCH_SIM_CLIENTS: SIM_CLIENTS.map((c) => `${c.id}:${c.secret}`).join(','),
  });
  await simProcess.waitForLine(/bench simulator listening/, 30_000);
  const simUrl = `http://127.0.0.1:${port}`;
  const redisPid = Number(/process_id:(\d+)/.exec(await conn.info('server'))?.[1] ?? 0);
  return {
    redis,
    conn,
    redisPid,
    simProcess,
    ...(opts.profileDir ? { profileDir: opts.profileDir } : {}),
    simUrl,
    sim: simControl(simUrl),
    async close() {
      await simProcess.kill('SIGTERM');
      conn.disconnect();
      await redis.destroy();
    },
  };
}

/**
 * Empties the bench's PRIVATE Redis between scenarios (a few hundred thousand ingest jobs would otherwise sit in
 * memory and in the AOF). Never pointed at a shared Redis: the URL is the one startPrivateRedis returned.
 */
export async function wipePrivateRedis(env: BenchEnv): Promise<void> {
  await env.conn.flushdb();
}

/** Starts counting Redis commands and simulator connections from zero. */
export async function resetCounters(env: BenchEnv): Promise<void> {
  await Promise.all([env.conn.config('RESETSTAT'), env.sim.resetConnections()]);
}

/** Redis commands by name (INFO commandstats) and connections the simulator accepted, since resetCounters. */
export async function readCounters(env: BenchEnv): Promise<{ redisCalls: Record<string, number>; simConnections: number }> {
  const [info, simConnections] = await Promise.all([env.conn.info('commandstats'), env.sim.connections()]);
  const redisCalls: Record<string, number> = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) redisCalls[m[1]!] = Number(m[2]);
  return { redisCalls, simConnections };
}

/** Our system for one scenario: an ingress process and worker processes on a fresh queue prefix. */
export interface Ours {
  prefix: string;
  ingressUrl: string;
  ingress: ServiceProcess;
  workers: ServiceProcess[];
  /** Starts a worker process (with the scenario's worker env plus `extra`). */
  addWorker(extra?: Record<string, string>): Promise<ServiceProcess>;
  queue: Queue;
  stop(): Promise<void>;
}

/** Options of startOurs. */
export interface OursOptions {
  ingressEnv?: Record<string, string>;
  workerEnv?: Record<string, string>;
  /** Worker processes to start now (default 1; 0 for ingest-only runs). */
  workers?: number;
  /** OAuth clients the workers use (1–3). */
  clients?: number;
}

/** Starts ingress and workers as the e2e tests do (apps/*\/src/main.ts under tsx, configured by env only). */
export async function startOurs(env: BenchEnv, opts: OursOptions = {}): Promise<Ours> {
  const prefix = `{bench-${randomUUID().slice(0, 8)}}`;
  const port = await freePort();
  const common = { REDIS_URL: env.redis.url, QUEUE_PREFIX: prefix, LOG_LEVEL: 'info' };
  const profile = (name: string): Record<string, string> =>
    env.profileDir
      ? {
          NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --import=${path.join(REPO_ROOT, 'bench/src/cpu-profile-hook.mjs')}`.trim(),
          BENCH_CPU_PROFILE_DIR: path.join(env.profileDir, `${prefix.slice(1, -1)}-${name}`),
        }
      : {};
  // The measured services run as in production: what `pnpm build` emitted, on plain node (no tsx loader thread).
  const ingress = startService('ingress', 'apps/ingress/src/main.ts', {
    ...common,
    ...profile('ingress'),
    INGRESS_HOST: '127.0.0.1',
    INGRESS_PORT: String(port),
    INGRESS_API_KEYS: API_KEY,
    DEFAULT_QUEUE_ID: SEED.fallbackQueue.id,
    // A flood limit per source (when the ingress has one) would measure the limiter, not the ingress.
    RATE_LIMIT_MAX: '0',
    ...opts.ingressEnv,
  }, 'dist');
  const clients = SIM_CLIENTS.slice(0, Math.max(1, Math.min(3, opts.clients ?? 1)));
  const workerEnv: Record<string, string> = {
    ...common,
    GENESYS_API_URL: env.simUrl,
    GENESYS_LOGIN_URL: env.simUrl,
    GENESYS_CLIENT_ID: clients[0]!.id,
    GENESYS_CLIENT_SECRET: clients[0]!.secret,
    GENESYS_CLIENTS: clients.slice(1).map((c) => `${c.id}:${c.secret}`).join(','),
    ...opts.workerEnv,
  };
  const workers: ServiceProcess[] = [];
  const addWorker = async (extra: Record<string, string> = {}) => {
    // The worker's ops server (/metrics) stays on, as in production, on a free port of its own.
    const http = { WORKER_HTTP_HOST: '127.0.0.1', WORKER_HTTP_PORT: String(await freePort()) };
    const w = startService(`worker-${workers.length + 1}`, 'apps/worker/src/main.ts', { ...workerEnv, ...http, ...profile(`worker-${workers.length + 1}`), ...extra }, 'dist');
    workers.push(w);
    await w.waitForLine(/worker ready/, 30_000);
    return w;
  };
  await Promise.all([ingress.waitForLine(/ingress listening/, 30_000), ...Array.from({ length: opts.workers ?? 1 }, () => addWorker())]);
  const queueConn = env.conn.duplicate();
  const queue = new Queue(FALLBACK_QUEUE, { connection: queueConn, prefix });
  return {
    prefix,
    ingressUrl: `http://127.0.0.1:${port}`,
    ingress,
    workers,
    addWorker,
    queue,
    async stop() {
      await Promise.all([ingress.kill('SIGTERM'), ...workers.map((w) => w.kill('SIGTERM'))]);
      await queue.close();
      queueConn.disconnect();
    },
  };
}

/** The tutorial's baseline runner as a process, against the same simulator. */
export async function startBaseline(env: BenchEnv): Promise<{ url: string; process: ServiceProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const client = SIM_CLIENTS[3];
  const p = startService('baseline', 'bench/src/baseline-main.ts', {
    BASELINE_PORT: String(port),
    GENESYS_API_URL: env.simUrl,
    GENESYS_CLIENT_ID: client.id,
    GENESYS_CLIENT_SECRET: client.secret,
    DEFAULT_QUEUE_ID: SEED.fallbackQueue.id,
  });
  await p.waitForLine(/baseline listening/, 30_000);
  return { url: `http://127.0.0.1:${port}/fallback`, process: p, stop: async () => void (await p.kill('SIGTERM')) };
}

/** A failure event as Cognigy's HTTP Request node would post it. */
export function failureEvent(conversationId: string, n: number, opts: { participantId?: string; ttlSeconds?: number } = {}): string {
  return JSON.stringify({
    eventId: `bench-${n}-${conversationId.slice(0, 8)}`,
    occurredAt: new Date().toISOString(),
    source: 'cognigy',
    failureType: 'FLOW_ERROR',
    conversationId,
    ...(opts.participantId ? { participantId: opts.participantId } : {}),
    ...(opts.ttlSeconds ? { ttlSeconds: opts.ttlSeconds } : {}),
    cognigy: { sessionId: `session-${n}`, userId: `user-${n}` },
  });
}

/** Header set for our ingress. */
export const AUTH = { authorization: `Bearer ${API_KEY}` };

const NON_FINAL = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

/** Waits until no job is left non-final (or the timeout); returns whether it drained. */
export async function waitForDrain(queue: Queue, accepted: number, timeoutMs: number): Promise<boolean> {
  try {
    await waitFor(
      async () => {
        const c = await queue.getJobCounts(...NON_FINAL, 'completed', 'failed');
        const open = NON_FINAL.reduce((n, k) => n + (c[k] ?? 0), 0);
        return open === 0 && (c['completed'] ?? 0) + (c['failed'] ?? 0) >= accepted;
      },
      { timeoutMs, intervalMs: 200, what: 'the queue to drain' },
    );
    return true;
  } catch {
    return false;
  }
}

/** One finished job, as the report needs it. */
export interface JobOutcome {
  conversationId?: string;
  /** When BullMQ stored the job (its timestamp). */
  addedAt?: number;
  outcome: 'transferred' | 'failed' | 'expired';
  reason?: string;
  processedOn?: number;
  finishedOn?: number;
  genesysRequests?: number;
}

/** Reads every job's outcome from BullMQ (completed: transferred/expired by return value; failed: reason code). */
export async function collectOutcomes(queue: Queue): Promise<{ counts: Omit<LedgerCounts, 'accepted' | 'duplicates'>; jobs: JobOutcome[]; reasons: Record<string, number> }> {
  const jobs: JobOutcome[] = [];
  const reasons: Record<string, number> = {};
  for (const state of ['completed', 'failed'] as const) {
    for (let start = 0; ; start += 1000) {
      const page = await queue.getJobs([state], start, start + 999, true);
      for (const j of page) {
        if (!j) continue;
        const rv = j.returnvalue as { outcome?: string; genesysRequests?: number } | null;
        const base = { conversationId: (j.data as { conversationId?: string })?.conversationId, addedAt: j.timestamp, processedOn: j.processedOn, finishedOn: j.finishedOn };
        if (state === 'completed') jobs.push({ ...base, outcome: rv?.outcome === 'expired' ? 'expired' : 'transferred', genesysRequests: rv?.genesysRequests });
        else {
          const reason = (j.failedReason ?? '').split(':')[0] || 'unknown';
          reasons[reason] = (reasons[reason] ?? 0) + 1;
          jobs.push({ ...base, outcome: 'failed', reason });
        }
      }
      if (page.length < 1000) break;
    }
  }
  const c = await queue.getJobCounts(...NON_FINAL);
  return {
    counts: {
      transferred: jobs.filter((j) => j.outcome === 'transferred').length,
      failed: jobs.filter((j) => j.outcome === 'failed').length,
      expired: jobs.filter((j) => j.outcome === 'expired').length,
      pending: NON_FINAL.reduce((n, k) => n + (c[k] ?? 0), 0),
    },
    jobs,
    reasons,
  };
}
