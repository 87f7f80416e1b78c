import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { freePort, startService } from '@fallback/testing';
import type { Mode } from '../cli.js';
import { sampleProcesses } from '../proc.js';
import type { IngestResult, IngestRun } from '../results.js';
import { AUTH, failureEvent, startOurs, wipePrivateRedis, type BenchEnv } from '../stack.js';

/** One autocannon run with a distinct failure event per request (so dedupe never short-circuits). */
async function cannon(name: string, url: string, seconds: number, headers: Record<string, string>, connections: number): Promise<IngestRun> {
  let n = 0;
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
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
export async function runIngest(env: BenchEnv, mode: Mode, connections = 10): Promise<IngestResult> {
  const seconds = mode === 'quick' ? 4 : 10;
  const warmup = mode === 'quick' ? 1 : 2;
  const barePort = await freePort();
  const bare = startService('bare', 'bench/src/bare-main.ts', { BARE_PORT: String(barePort), REDIS_URL: env.redis.url, QUEUE_PREFIX: '{bench-bare}' });
  const ours = await startOurs(env, { workers: 0 });
  try {
    await bare.waitForLine(/bare routes listening/, 30_000);
    const targets: Array<[string, string, Record<string, string>, number]> = [
      ['bare Fastify route', `http://127.0.0.1:${barePort}/bare`, {}, bare.child.pid!],
      ['bare route + BullMQ add', `http://127.0.0.1:${barePort}/bare-bullmq`, {}, bare.child.pid!],
      ['bare route + SET NX, then add', `http://127.0.0.1:${barePort}/bare-claim-add`, {}, bare.child.pid!],
      ['bare route + SET NX and add pipelined', `http://127.0.0.1:${barePort}/bare-claim-add-pipelined`, {}, bare.child.pid!],
      ['ingress (everything on)', `${ours.ingressUrl}/v1/fallbacks`, AUTH, ours.ingress.child.pid!],
    ];
    const runs: IngestRun[] = [];
    for (const [name, url, headers, pid] of targets) {
      await cannon(`${name} (warm-up)`, url, warmup, headers, connections); // JIT, connection pools, Redis scripts loaded
      const sampler = sampleProcesses({ server: pid, redis: env.redisPid });
      const run = await cannon(name, url, seconds, headers, connections);
      runs.push({ ...run, resources: sampler.stop() });
      // Each run starts on an empty Redis: hundreds of thousands of queued jobs would skew the next one.
      await wipePrivateRedis(env);
    }
    const bareRun = runs[0]!;
    const ingressRun = runs[runs.length - 1]!;
    return { connections, runs, ratioToBare: ingressRun.acceptedPerSec / bareRun.requestsPerSec };
  } finally {
    await Promise.all([bare.kill('SIGTERM'), ours.stop()]);
    await wipePrivateRedis(env);
  }
}
