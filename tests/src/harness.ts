import { inject } from 'vitest';
import { Redis } from 'ioredis';
import { SEED, createSimulator, type Simulator, type SimulatorOptions } from '@fallback/genesys-sim';
import { createRedis } from '@fallback/queue';
import { deleteByPrefix, freePort, startService, uniquePrefix, waitFor, type ServiceProcess, type ServiceRuntime } from '@fallback/testing';

/** The API key every e2e stack accepts. */
export const API_KEY = 'e2e-test-key-0123456789';

/** A whole stack for one test: the simulator (in this process, real HTTP), ingress and worker processes. */
export interface Stack {
  sim: Simulator;
  simUrl: string;
  ingressUrl: string;
  prefix: string;
  redis: Redis;
  ingress: ServiceProcess;
  /** Every ingress process (the first is `ingress`); `post` goes round-robin over them. */
  ingresses: ServiceProcess[];
  ingressUrls: string[];
  workers: ServiceProcess[];
  /** Starts one more worker process on the same queue. */
  addWorker(env?: Record<string, string>): Promise<ServiceProcess>;
  post(body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  status(id: string): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/** Starts a stack on the suite's Redis under a unique prefix. */
export async function startStack(
  opts: {
    sim?: SimulatorOptions;
    ingressEnv?: Record<string, string>;
    workerEnv?: Record<string, string>;
    workers?: number;
    ingresses?: number;
    redisUrl?: string;
    /** Run the services from `pnpm build` output (as the image does) instead of their TypeScript sources. */
    runtime?: ServiceRuntime;
  } = {},
): Promise<Stack> {
  const redisUrl = opts.redisUrl ?? inject('redisUrl');
  const prefix = uniquePrefix('e2e');
  const sim = createSimulator({ rateLimitPerMinute: 0, transferDelayMs: 0, ...opts.sim });
  const simUrl = await sim.listen(0);
  const common = { REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, LOG_LEVEL: 'info' };
  const ingresses: ServiceProcess[] = [];
  const ingressUrls: string[] = [];
  for (let i = 0; i < (opts.ingresses ?? 1); i += 1) {
    const port = await freePort();
    ingressUrls.push(`http://127.0.0.1:${port}`);
    ingresses.push(
      startService(`ingress-${i + 1}`, 'apps/ingress/src/main.ts', {
        ...common,
        INGRESS_HOST: '127.0.0.1',
        INGRESS_PORT: String(port),
        INGRESS_API_KEYS: API_KEY,
        DEFAULT_QUEUE_ID: SEED.fallbackQueue.id,
        ...opts.ingressEnv,
      }, opts.runtime),
    );
  }
  const ingress = ingresses[0]!;
  const workerEnv = {
    ...common,
    GENESYS_API_URL: simUrl,
    GENESYS_LOGIN_URL: simUrl,
    GENESYS_CLIENT_ID: SEED.clientId,
    GENESYS_CLIENT_SECRET: SEED.clientSecret,
    CONFIRM_DELAY_MS: '0',
    ...opts.workerEnv,
  };
  const workers: ServiceProcess[] = [];
  const addWorker = async (env: Record<string, string> = {}) => {
    const w = startService(`worker-${workers.length + 1}`, 'apps/worker/src/main.ts', { ...workerEnv, ...env }, opts.runtime);
    workers.push(w);
    await w.waitForLine(/worker ready/);
    return w;
  };
  await Promise.all([...ingresses.map((i) => i.waitForLine(/ingress listening/)), ...Array.from({ length: opts.workers ?? 1 }, () => addWorker())]);
  const ingressUrl = ingressUrls[0]!;
  let nextIngress = 0;
  // createRedis understands redis+cluster:// URLs too (the Redis Cluster test runs a stack on one).
  const redis = createRedis(redisUrl, { role: 'worker', name: 'e2e-harness' });
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const base = ingressUrls[nextIngress++ % ingressUrls.length];
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    sim,
    simUrl,
    ingressUrl,
    prefix,
    redis,
    ingress,
    ingresses,
    ingressUrls,
    workers,
    addWorker,
    post: (body, headers) => call('POST', '/v1/fallbacks', body, headers),
    status: (id) => call('GET', `/v1/fallbacks/${id}`),
    async stop() {
      await Promise.all([...ingresses.map((i) => i.kill('SIGTERM')), ...workers.map((w) => w.kill('SIGTERM'))]);
      await sim.close();
      await deleteByPrefix(redis, prefix).catch(() => undefined);
      redis.disconnect();
    },
  };
}

/** Polls the status API until the fallback reaches a final state. */
export async function waitForFinal(stack: Stack, id: string, timeoutMs = 20_000): Promise<any> {
  return waitFor(
    async () => {
      const res = await stack.status(id);
      return ['transferred', 'failed', 'expired'].includes(res.body?.status) ? res.body : undefined;
    },
    { timeoutMs, what: `fallback ${id} to finish` },
  );
}
