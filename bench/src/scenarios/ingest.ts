import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { SEED } from '@fallback/genesys-sim';
import { benchRoutesYaml } from '@fallback/ingress-core/testing';
import { freePort, startService } from '@fallback/testing';
import type { Mode } from '../cli.js';
import { sampleProcesses } from '../proc.js';
import { BARE_RUN, INGRESS_RUN, type IngestResult, type IngestRun } from '../results.js';
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
    connections,
    loadAvg1: os.loadavg()[0]!,
    accepted: ok,
    acceptedPerSec: ok / result.duration,
    requestsPerSec: result.requests.average,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average },
    non2xx: result.non2xx,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count])),
    errors: result.errors,
    timeouts: result.timeouts,
    durationSec: result.duration,
  };
}


/**
 * Scenario 1: accepted failures per second and latency of ONE ingress process with everything on — API-key auth,
 * JSON and schema validation, dedupe, five routing rules, the per-source flood limit (on, never reached), the
 * durable enqueue on a Redis with AOF everysec — workers off, beside a bare Fastify route and a bare route doing
 * one BullMQ add, all measured in this run with the same load generator and body, at each connection count.
 */
export async function runIngest(env: BenchEnv, mode: Mode, connectionCounts: readonly number[] = [10, 50]): Promise<IngestResult> {
  const seconds = mode === 'quick' ? 4 : 10;
  const warmup = mode === 'quick' ? 1 : 2;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-ingest-'));
  const routesFile = path.join(dir, 'routes.yaml');
  // Routing as a real deployment has it: five rules the event does not match, then the default route.
  writeFileSync(routesFile, benchRoutesYaml(SEED.fallbackQueue.id));
  const barePort = await freePort();
  const bare = startService('bare', 'bench/src/bare-main.ts', { BARE_PORT: String(barePort), REDIS_URL: env.redis.url, QUEUE_PREFIX: '{bench-bare}' });
  // A limit the load never reaches: the flood counter runs on every request, as in production, and refuses none.
  const ours = await startOurs(env, { workers: 0, ingressEnv: { ROUTES_FILE: routesFile, RATE_LIMIT_MAX: '10000000', RATE_LIMIT_WINDOW_SECONDS: '1' } });
  try {
    await bare.waitForLine(/bare routes listening/, 30_000);
    const targets: Array<[string, string, Record<string, string>, number]> = [
      [BARE_RUN, `http://127.0.0.1:${barePort}/bare`, {}, bare.child.pid!],
      ['bare route + one BullMQ add', `http://127.0.0.1:${barePort}/bare-bullmq`, {}, bare.child.pid!],
      [INGRESS_RUN, `${ours.ingressUrl}/v1/fallbacks`, AUTH, ours.ingress.child.pid!],
    ];
    const runs: IngestRun[] = [];
    const ratios: IngestResult['ratios'] = [];
    for (const connections of connectionCounts) {
      for (const [name, url, headers, pid] of targets) {
        await cannon(`${name} (warm-up)`, url, warmup, headers, connections); // JIT, connection pools, Redis scripts loaded
        const sampler = sampleProcesses({ server: pid, redis: env.redisPid });
        const run = await cannon(name, url, seconds, headers, connections);
        runs.push({ ...run, resources: sampler.stop() });
        // Each run starts on an empty Redis: hundreds of thousands of queued jobs would skew the next one.
        await wipePrivateRedis(env);
      }
      const of = (name: string) => runs.find((r) => r.connections === connections && r.name === name)!;
      ratios.push({ connections, ratioToBare: of(INGRESS_RUN).acceptedPerSec / of(BARE_RUN).requestsPerSec });
    }
    return { connections: [...connectionCounts], runs, ratios };
  } finally {
    await Promise.all([bare.kill('SIGTERM'), ours.stop()]);
    await wipePrivateRedis(env);
    rmSync(dir, { recursive: true, force: true });
  }
}
