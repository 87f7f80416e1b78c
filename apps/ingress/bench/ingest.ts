/**
 * Ingest benchmark (`pnpm --filter @fallback/ingress bench`): how many failure events ONE ingress process accepts
 * per second with everything on (API-key auth, JSON + schema validation, dedupe claim, routing rules, durable
 * BullMQ enqueue, per-source rate limit on Redis), against a bare Fastify route measured in the same run.
 *
 * Everything runs on this machine: a private redis-server (AOF everysec, as in production), the ingress and the
 * bare route as their own processes, autocannon in this one. Every request carries a new eventId, so each is a
 * 202 and a job; at the end the jobs in Redis are counted against the 202s (the run is void if they differ).
 * Variants switch one cost off at a time to show what costs what. Results are printed, not asserted.
 *
 * The machine is shared and 2 cores carry the generator, Redis and the server alike: BENCH_ROUNDS runs every
 * variant that many times, interleaved, and the table shows the median round of each.
 *
 * Env: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (default 32), BENCH_ROUNDS (default 3), BENCH_VARIANTS.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon, { type Result } from 'autocannon';
import { Redis } from 'ioredis';
import { SAMPLE_EVENT, benchRoutesYaml } from '@fallback/ingress-core/testing';
import { freePort, startPrivateRedis, startService, type PrivateRedis, type ServiceProcess } from '@fallback/testing';

const DURATION = Number(process.env['BENCH_DURATION'] ?? 10);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const KEY = 'bench-key-0123456789abcdef';
const QUEUE = '6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b';
// A realistic Cognigy event (~420 bytes); ID is replaced by a unique id per request (every request a new event).
const BODY = JSON.stringify({ ...SAMPLE_EVENT, eventId: 'ID' });
// Five rules the benchmark event does not match (it lands on the default): the worst case, every rule evaluated.
const ROUTES = benchRoutesYaml(QUEUE, 'sip:fallback@pbx.example.com');

interface Variant {
  name: string;
  what: string;
  env: Record<string, string>;
}

const VARIANTS: Variant[] = [
  { name: 'bare', what: 'bare Fastify route (JSON parse, 202)', env: {} },
  { name: 'checks-only', what: 'the ingress app with the enqueue replaced by a no-op: HTTP + auth, JSON, schema, routing, job id', env: {} },
  { name: 'full', what: 'everything on: auth, schema, dedupe, 5 rules, enqueue, rate limit (Redis)', env: { RATE_LIMIT_MAX: '10000000' } },
  { name: 'no-ratelimit', what: 'as full, rate limit off (its counter rides in the enqueue script: two Redis commands less per job)', env: { RATE_LIMIT_MAX: '0' } },
];

interface Row {
  variant: string;
  what: string;
  reqPerSec: number;
  accepted: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
  jobs?: number;
  /** 202s of warm-up and run together: must equal the jobs in Redis. */
  acknowledged?: number;
}

let sequence = 0;
/**
 * A 2 s warm-up (JIT, connection pools), then the measured run; both results (the ledger counts both). Each
 * request gets a new eventId through setupRequest (autocannon 8's idReplacement miscounts Content-Length); it
 * costs the load generator the same for every variant, the bare route included.
 */
async function run(url: string, body: string, headers: Record<string, string>): Promise<{ warmup: Result; result: Result }> {
  const [head, tail] = body.split('"ID"') as [string, string];
  const requests = [{ method: 'POST', path: '/v1/fallbacks', headers, setupRequest: (req: object) => ({ ...req, body: `${head}"bench-${process.pid}-${++sequence}"${tail}` }) }];
  const opts = { url, requests, pipelining: 1, timeout: 10 };
  const warmup = await autocannon({ ...opts, connections: CONNECTIONS, duration: 2 });
  return { warmup, result: await autocannon({ ...opts, connections: CONNECTIONS, duration: DURATION }) };
}

const count202 = (r: Result) => r.statusCodeStats['202']?.count ?? 0;

async function main() {
  const wanted = (process.env['BENCH_VARIANTS'] ?? VARIANTS.map((v) => v.name).join(',')).split(',');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ingest-bench-'));
  const routesFile = path.join(dir, 'routes.yaml');
  writeFileSync(routesFile, ROUTES);
  const rows: Row[] = [];
  let redis: PrivateRedis | undefined;
  let service: ServiceProcess | undefined;
  try {
    redis = await startPrivateRedis({ appendonly: true, appendfsync: 'everysec' });
    const probe = new Redis(redis.url);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const v of VARIANTS.filter((x) => wanted.includes(x.name))) {
        const port = await freePort();
        const prefix = `{bench-${v.name}-${round}}`;
        service = startVariant(v, port, prefix, redis.url, routesFile);
        // LOG_LEVEL=warn hides the "listening" line: wait for the port (and fail fast if the process died).
        await waitForPort(port, service);
        const { warmup, result } = await run(`http://127.0.0.1:${port}`, BODY, { 'content-type': 'application/json', authorization: `Bearer ${KEY}` });
        const accepted = count202(result);
        const row: Row = {
          variant: v.name,
          what: v.what,
          reqPerSec: Math.round(accepted / DURATION),
          accepted,
          p50: result.latency.p50,
          p99: result.latency.p99,
          max: result.latency.max,
          errors: result.errors + result.timeouts,
          non2xx: result.non2xx,
        };
        if (v.name !== 'bare' && v.name !== 'checks-only') {
          // The ledger: every 202 (warm-up included) is a job in Redis, nothing more, nothing less.
          row.jobs = await probe.llen(`${prefix}:fallbacks:wait`);
          row.acknowledged = count202(warmup) + accepted;
        }
        rows.push(row);
        await service.kill('SIGTERM');
        service = undefined;
        if (row.jobs !== undefined) await probe.eval(`for _,k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('UNLINK', k) end`, 0, `${prefix}*`);
      }
    }
    await probe.quit();
  } finally {
    await service?.kill('SIGKILL');
    await redis?.destroy();
  }
  print(rows);
}

/** Starts the server of a variant as its own process. */
function startVariant(v: Variant, port: number, prefix: string, redisUrl: string, routesFile: string): ServiceProcess {
  if (v.name === 'bare') return startService('bare', 'apps/ingress/bench/bare-server.ts', { PORT: String(port) });
  if (v.name === 'checks-only')
    return startService('checks-only', 'apps/ingress/bench/ingress-without-queue.ts', { PORT: String(port), INGRESS_API_KEYS: KEY, ROUTES_FILE: routesFile });
  return startService('ingress', 'apps/ingress/src/main.ts', {
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    INGRESS_HOST: '127.0.0.1',
    INGRESS_PORT: String(port),
    INGRESS_API_KEYS: KEY,
    ROUTES_FILE: routesFile,
    LOG_LEVEL: 'warn',
    ...v.env,
  });
}

async function waitForPort(port: number, service: ServiceProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (service.child.exitCode !== null) throw new Error(`${service.name} exited: ${service.lines.slice(-5).join(' | ')}`);
    try {
      await fetch(`http://127.0.0.1:${port}/healthz`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`nothing answers on port ${port}`);
}

/** Per variant, the round with the median throughput. */
function medians(rows: Row[]): Row[] {
  const out: Row[] = [];
  for (const name of new Set(rows.map((r) => r.variant))) {
    const runs = rows.filter((r) => r.variant === name).sort((a, b) => a.reqPerSec - b.reqPerSec);
    out.push(runs[Math.floor((runs.length - 1) / 2)]!);
  }
  return out;
}

function print(all: Row[]) {
  const rows = medians(all);
  const bare = rows.find((r) => r.variant === 'bare');
  process.stdout.write(
    `\ningest benchmark: ${DURATION} s per variant, ${CONNECTIONS} connections, median of ${ROUNDS} rounds, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}, node ${process.version}\n` +
      `all rounds (accepted/s): ${[...new Set(all.map((r) => r.variant))].map((v) => `${v} ${all.filter((r) => r.variant === v).map((r) => r.reqPerSec).join('/')}`).join(', ')}\n\n`,
  );
  process.stdout.write('| variant | accepted/s | p50 ms | p99 ms | max ms | vs bare | errors | non-2xx | jobs in Redis |\n|---|---|---|---|---|---|---|---|---|\n');
  for (const r of rows) {
    const ratio = bare && r !== bare ? `${(r.reqPerSec / bare.reqPerSec).toFixed(2)}×` : '';
    process.stdout.write(`| ${r.variant} | ${r.reqPerSec} | ${r.p50} | ${r.p99} | ${r.max} | ${ratio} | ${r.errors} | ${r.non2xx} | ${r.jobs ?? ''} |\n`);
  }
  process.stdout.write('\n');
  for (const r of rows) process.stdout.write(`  ${r.variant}: ${r.what}\n`);
  // Requests in flight when autocannon stops (warm-up and run) are enqueued but their 202 is not counted: the
  // ledger balances when no acknowledged event is missing and the surplus is at most those in-flight requests.
  for (const r of all)
    if (r.jobs !== undefined && r.acknowledged !== undefined) {
      const surplus = r.jobs - r.acknowledged;
      const ok = surplus >= 0 && surplus <= 2 * CONNECTIONS;
      process.stdout.write(`  ledger ${r.variant}: ${r.acknowledged} acknowledged, ${r.jobs} jobs (${surplus} cut off in flight)${ok ? '' : '  VOID: does not balance'}\n`);
    }
}

await main();
