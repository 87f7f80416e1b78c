/**
 * `pnpm bench`: runs the scenarios of issue 6 against the Genesys simulator on this machine and writes a report
 * (report.md, results.json, *.svg) under bench/results/. Benchmarks are not tests: nothing here fails on a figure;
 * the report says which targets were met.
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { USAGE, parseArgs, type Scenario } from './cli.js';
import { writeReport } from './report.js';
import type { BenchResults } from './results.js';
import { runIngest } from './scenarios/ingest.js';
import { runOutage } from './scenarios/outage.js';
import { runOverload } from './scenarios/overload.js';
import { runStorm } from './scenarios/storm.js';
import { runThroughput } from './scenarios/throughput.js';
import { runTtt } from './scenarios/ttt.js';
import { startBenchEnv, type BenchEnv } from './stack.js';
import { evaluateTargets, findings } from './targets.js';

const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../results');

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const results: BenchResults = {
  startedAt: new Date().toISOString(),
  mode: opts.mode,
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memGb: os.totalmem() / 1024 ** 3,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAvgStart: os.loadavg(),
  },
  errors: [],
};

const runners: Record<Scenario, (env: BenchEnv) => Promise<void>> = {
  ingest: async (env) => void (results.ingest = await runIngest(env, opts.mode, opts.connections)),
  ttt: async (env) => void (results.ttt = await runTtt(env, opts.mode)),
  throughput: async (env) => void (results.throughput = await runThroughput(env, opts.mode)),
  storm: async (env) => void (results.storm = await runStorm(env, opts.mode)),
  outage: async (env) => void (results.outage = await runOutage(env, opts.mode)),
  overload: async (env) => void (results.overload = await runOverload(env, opts.mode)),
};

log(`mode ${opts.mode}, scenarios ${opts.scenarios.join(', ')}; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const dir = path.join(RESULTS, `${results.startedAt.replace(/[:.]/g, '-').slice(0, 19)}-${opts.mode}`);
const env = await startBenchEnv(opts.profile ? { profileDir: path.join(dir, 'profiles') } : {});
const stop = async () => {
  await env.close().catch(() => undefined);
};
process.once('SIGINT', () => void stop().finally(() => process.exit(130)));
try {
  for (const scenario of opts.scenarios) {
    const t0 = Date.now();
    log(`${scenario}: running`);
    try {
      await runners[scenario](env);
      log(`${scenario}: done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    } catch (err) {
      results.errors.push({ scenario, error: (err as Error).stack ?? String(err) });
      log(`${scenario}: FAILED ${(err as Error).message}`);
    }
  }
} finally {
  await stop();
}
results.finishedAt = new Date().toISOString();
results.machine.loadAvgEnd = os.loadavg();

const targets = evaluateTargets(results);
const notes = findings(results);
mkdirSync(dir, { recursive: true });
writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ ...results, targets, findings: notes }, null, 2));
writeReport(dir, results, targets, notes);
const latest = path.join(RESULTS, 'latest');
rmSync(latest, { recursive: true, force: true });
cpSync(dir, latest, { recursive: true });

console.log('\nTargets:');
for (const t of targets) console.log(`  ${t.met === undefined ? '  -  ' : t.met ? ' MET ' : ' MISS'}  ${t.target}: ${t.figure}`);
if (notes.length) console.log(`\nFindings:\n${notes.map((f) => `  - ${f}`).join('\n')}`);
if (results.errors.length) console.log(`\n${results.errors.length} scenario(s) failed: ${results.errors.map((e) => e.scenario).join(', ')}`);
console.log(`\nReport: ${path.relative(process.cwd(), path.join(dir, 'report.md'))} (also bench/results/latest/)`);
