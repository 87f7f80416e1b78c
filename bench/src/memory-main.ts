/**
 * `pnpm --filter @fallback/bench memory [--flags "<node flags>"] [--seconds N]`: what the ingress and one worker
 * hold at 1,000 failures/s (the ttt scenario's load: live calls, the simulator answering at once, worker
 * concurrency 500), as built and run in production. Prints each process's peak RSS and, sampled from its own
 * /metrics while the load runs, V8's heap by space (used / committed), external memory and RSS. `--flags` adds node
 * flags to both (as NODE_OPTIONS), e.g. `--max-semi-space-size=4`, to compare; `--snapshot DIR` writes a heap
 * snapshot of the worker there at the same moment. Bounded: N seconds of load (default 10) after a 1,000-failure
 * warm-up.
 */
import os from 'node:os';
import { loadAgent, request } from './http.js';
import { sendAtRate } from './load.js';
import { sampleProcesses } from './proc.js';
import { AUTH, failureEvent, startBenchEnv, startOurs, waitForDrain } from './stack.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const flags = arg('--flags') ?? '';
// A heap snapshot of the worker, three quarters into the load, written into this directory (it pauses the worker).
const snapshotDir = arg('--snapshot');
const seconds = Number(arg('--seconds') ?? 10);
const RATE = 1000;

/** V8 heap spaces, external memory and RSS from a Prometheus text (prom-client's default metrics), in MB. */
export function memoryOf(metrics: string): Record<string, string> {
  const mb = (v: string | undefined) => (v === undefined ? 'n/a' : (Number(v) / 1024 / 1024).toFixed(1));
  const value = (name: string, space?: string) =>
    new RegExp(`^${name}${space ? `\\{space="${space}"\\}` : ''} (\\S+)$`, 'm').exec(metrics)?.[1];
  const out: Record<string, string> = {};
  for (const space of ['new', 'old', 'code', 'large_object'])
    out[`${space} used/size`] = `${mb(value('nodejs_heap_space_size_used_bytes', space))}/${mb(value('nodejs_heap_space_size_total_bytes', space))}`;
  out['external'] = mb(value('nodejs_external_memory_bytes'));
  out['rss'] = mb(value('process_resident_memory_bytes'));
  return out;
}

const env = await startBenchEnv();
try {
  await env.sim.reset();
  await env.sim.config({ rateLimitPerMinute: 0, orgRateLimitPerMinute: 0, transferDelayMs: 0, latencyMs: 0 });
  const nodeOptions: Record<string, string> = flags ? { NODE_OPTIONS: flags } : {};
  const workerFlags = [flags, snapshotDir ? `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${snapshotDir}` : ''].join(' ').trim();
  const ours = await startOurs(env, {
    workers: 1,
    ingressEnv: nodeOptions,
    workerEnv: { GENESYS_REQUESTS_PER_MINUTE: '0', WORKER_CONCURRENCY: '500', ...(workerFlags ? { NODE_OPTIONS: workerFlags } : {}) },
  });
  const agent = loadAgent(256);
  try {
    const worker = ours.workers[0]!;
    const opsUrl = (JSON.parse((await worker.waitForLine(/worker ready/)) as string) as { opsUrl?: string }).opsUrl;
    const send = async (count: number, sample: boolean) => {
      const convs = await env.sim.conversations(count);
      const events = convs.map((c, i) => ({ conversationId: c.id, body: failureEvent(c.id, i) }));
      const sampler = sample ? sampleProcesses({ ingress: ours.ingress.child.pid!, worker: worker.child.pid!, redis: env.redisPid }) : undefined;
      // Heap by space from each process's own /metrics, three quarters into the load.
      const scrape = sample
        ? new Promise<Record<string, Record<string, string>>>((resolve) =>
            setTimeout(async () => {
              const text = async (url: string | undefined) => (url ? (await request(url, { method: 'GET' })).text : '');
              const [ingress, workerMetrics] = await Promise.all([text(`${ours.ingressUrl}/metrics`), text(opsUrl && `${opsUrl}/metrics`)]);
              resolve({ ingress: memoryOf(ingress), worker: memoryOf(workerMetrics) });
              if (snapshotDir) worker.child.kill('SIGUSR2');
            }, (count / RATE) * 750),
          )
        : undefined;
      const load = await sendAtRate({ url: `${ours.ingressUrl}/v1/fallbacks`, events, headers: AUTH, agent, ratePerSecond: RATE });
      await waitForDrain(ours.queue, count, 60_000);
      return { load, resources: sampler?.stop(), heap: await scrape };
    };
    await send(1000, false);
    const run = await send(RATE * seconds, true);
    console.log(`\nmemory at ${RATE} failures/s for ${seconds} s (achieved ${run.load.achievedRate.toFixed(0)}/s), node flags "${flags}", load ${os.loadavg()[0]!.toFixed(2)}, node ${process.version}`);
    for (const r of run.resources ?? []) if (['ingress', 'worker', 'redis'].includes(r.name)) console.log(`  ${r.name}: RSS start ${r.rssStartMb.toFixed(0)} MB, max ${r.rssMaxMb.toFixed(0)} MB, end ${r.rssEndMb.toFixed(0)} MB; CPU ${r.cpuPercent.toFixed(0)} % of a core`);
    for (const [name, m] of Object.entries(run.heap ?? {})) console.log(`  ${name} (MB): ${Object.entries(m).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  } finally {
    agent.destroy();
    await ours.stop();
  }
} finally {
  await env.close();
}
