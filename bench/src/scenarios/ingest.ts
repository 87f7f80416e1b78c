import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { freePort, startService } from '@fallback/testing';
import type { Mode } from '../cli.js';
import { sampleProcesses } from '../proc.js';
import type { IngestResult, IngestRun } from '../results.js';
import { AUTH, failureEvent, startOurs, wipePrivateRedis, type BenchEnv } from '../stack.js';

/** autocannon's default: enough to saturate one Node process on loopback without inflating latency. */
const CONNECTIONS = 10;

/** One autocannon run with a distinct failure event per request (so dedupe never short-circuits). */
async function cannon(name: string, url: string, seconds: number, headers: Record<string, string>): Promise<IngestRun> {
  let n = 0;
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json', ...headers },
    requests: [{ setupRequest: (req) => ({ ...req, body: failureEvent(randomUUID(), n++) }) }],
  });
  const ok = result['2xx'];
  return {
    name,
    accepted: ok,
    acceptedPerSec: ok / result.duration,
    requestsPerSec: result.requests.average,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSec: result.duration,
  };
}

/**
 * Scenario 1: accepted failures per second and latency of ONE ingress process (auth, validation, dedupe,
 * routing, durable enqueue on a Redis with AOF everysec), workers off, beside a bare Fastify route and a bare
 * route doing one BullMQ add, all measured in this run with the same load generator and body.
 */
export async function runIngest(env: BenchEnv, mode: Mode): Promise<IngestResult> {
  const seconds = mode === 'quick' ? 4 : 10;
  const warmup = mode === 'quick' ? 1 : 2;
  const barePort = await freePort();
  const bare = startService('bare', 'bench/src/bare-main.ts', { BARE_PORT: String(barePort), REDIS_URL: env.redis.url, QUEUE_PREFIX: '{bench-bare}' });
  const ours = await startOurs(env, { workers: 0 });
  try {
    await bare.waitForLine(/bare routes listening/, 30_000);
    const targets: Array<[string, string, Record<string, string>]> = [
      ['bare Fastify route', `http://127.0.0.1:${barePort}/bare`, {}],
      ['bare route + BullMQ add', `http://127.0.0.1:${barePort}/bare-bullmq`, {}],
      ['ingress (everything on)', `${ours.ingressUrl}/v1/fallbacks`, AUTH],
    ];
    const runs: IngestRun[] = [];
    let ingressResources;
    for (const [name, url, headers] of targets) {
      await cannon(`${name} (warm-up)`, url, warmup, headers); // JIT, connection pools, Redis scripts loaded
      const sampler = name.startsWith('ingress') ? sampleProcesses({ ingress: ours.ingress.child.pid!, redis: env.redisPid, 'load generator (autocannon)': process.pid }) : undefined;
      runs.push(await cannon(name, url, seconds, headers));
      if (sampler) ingressResources = sampler.stop().filter((r) => r.samples > 0);
      // Each run starts on an empty Redis: hundreds of thousands of queued jobs would skew the next one.
      await wipePrivateRedis(env);
    }
    const bareRun = runs[0]!;
    const ingressRun = runs[2]!;
    return { connections: CONNECTIONS, runs, ratioToBare: ingressRun.acceptedPerSec / bareRun.requestsPerSec, ...(ingressResources ? { ingressResources } : {}) };
  } finally {
    await Promise.all([bare.kill('SIGTERM'), ours.stop()]);
    await wipePrivateRedis(env);
  }
}
