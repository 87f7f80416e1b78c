import { readProc, ticksPerSecond } from './proc.js';
import { sendBurst } from './load.js';
import { loadAgent } from './http.js';
import { AUTH, failureEvent, startOurs, wipePrivateRedis, type BenchEnv } from './stack.js';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Redis } from 'ioredis';
import { ConversationClaims, RedisPacer } from '@fallback/queue';
import { waitFor } from '@fallback/testing';

/** One script's share of a run. */
export interface ScriptCount {
  calls: number;
  commands: number;
  byCommand: Record<string, number>;
}

/** Commands one worker process sent to Redis during a run, as MONITOR saw them. */
export interface CommandCount {
  /** Commands its connections sent (each a round trip's worth of parsing and a reply; EVALSHA is one). */
  topLevel: Record<string, number>;
  /** Commands its scripts ran inside Redis (`[lua]` lines of MONITOR, attributed to the EVALSHA they ran in). */
  inScripts: Record<string, number>;
  /** Per script (by name when known, else its SHA): times run, and commands it ran inside Redis (also by name). */
  scripts: Record<string, ScriptCount>;
}

/** One measured run. */
export interface WorkerCommandsRun {
  name: string;
  config: Record<string, string>;
  transfers: number;
  durationSec: number;
  commands: CommandCount;
  /** The same worker, idle (no jobs), for as long as the run took: what the run's figures include anyway. */
  idle: CommandCount;
  /** The worker's CPU time ÷ confirmed transfers (µs). */
  cpuMicrosPerTransfer: number;
}

/**
 * Names of the scripts the worker may run, by SHA1 (what EVALSHA names): ours, read from the commands the pacer and
 * the claims define on an unconnected client, and BullMQ's, hashed from the sources it ships.
 */
export function scriptNames(): Map<string, string> {
  const redis = new Redis({ lazyConnect: true });
  new RedisPacer(redis, '{x}', { budget: 1 });
  new ConversationClaims(redis, '{x}', (id) => id);
  const names = new Map<string, string>();
  for (const [name, script] of Object.entries((redis as unknown as { scriptsSet: Record<string, { sha: string }> }).scriptsSet)) names.set(script.sha, name);
  redis.disconnect();
  const bullmqScripts = createRequire(createRequire(import.meta.url).resolve('bullmq'))('./scripts/index.js') as Record<string, { name?: string; content?: string }>;
  for (const s of Object.values(bullmqScripts)) if (s.name && s.content) names.set(createHash('sha1').update(s.content).digest('hex'), `bullmq ${s.name}`);
  return names;
}

/** One MONITOR line as ioredis hands it over. */
export interface MonitorLine {
  /** "host:port" of the client, or "lua" for a command a script ran. */
  source: string;
  args: string[];
}

/**
 * Counts the commands of `clients` (addresses) in MONITOR lines. Redis 7 shows an EVALSHA/EVAL before the commands
 * its script runs (`lua` lines), so those belong to the last script line before them. Pure.
 */
export function countCommands(lines: readonly MonitorLine[], clients: ReadonlySet<string>, names: ReadonlyMap<string, string> = new Map()): CommandCount {
  const topLevel: Record<string, number> = {};
  const inScripts: Record<string, number> = {};
  const scripts: Record<string, ScriptCount> = {};
  // The script whose commands the following `lua` lines are; undefined after anything else (or another client's).
  let running: ScriptCount | undefined;
  for (const line of lines) {
    const name = (line.args[0] ?? '').toLowerCase();
    if (line.source === 'lua') {
      if (running) {
        inScripts[name] = (inScripts[name] ?? 0) + 1;
        running.commands += 1;
        running.byCommand[name] = (running.byCommand[name] ?? 0) + 1;
      }
      continue;
    }
    running = undefined;
    if (!clients.has(line.source)) continue;
    topLevel[name] = (topLevel[name] ?? 0) + 1;
    if (name === 'evalsha' || name === 'eval') {
      const sha = name === 'evalsha' ? (line.args[1] ?? '') : createHash('sha1').update(line.args[1] ?? '').digest('hex');
      running = scripts[names.get(sha) ?? sha.slice(0, 10)] ??= { calls: 0, commands: 0, byCommand: {} };
      running.calls += 1;
    }
  }
  return { topLevel, inScripts, scripts };
}

/** Sum of a count's commands. */
export const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** Addresses of the clients whose name starts with one of `prefixes` (CLIENT LIST). */
async function clientsNamed(env: BenchEnv, prefixes: readonly string[]): Promise<Set<string>> {
  const list = (await env.conn.client('LIST')) as string;
  const out = new Set<string>();
  for (const line of list.split('\n')) {
    const addr = /\baddr=(\S+)/.exec(line)?.[1];
    const name = /\bname=(\S*)/.exec(line)?.[1] ?? '';
    if (addr && prefixes.some((p) => name.startsWith(p))) out.add(addr);
  }
  return out;
}

/** Records MONITOR lines until stopped. */
async function monitor(env: BenchEnv): Promise<{ lines: MonitorLine[]; stop(): Promise<void> }> {
  const conn = env.conn.duplicate({ connectionName: 'bench-monitor' });
  const mon = await conn.monitor();
  const lines: MonitorLine[] = [];
  mon.on('monitor', (_time: string, args: string[], source: string) => lines.push({ source, args }));
  return {
    lines,
    async stop() {
      mon.disconnect();
      conn.disconnect();
    },
  };
}

/**
 * Redis commands per confirmed transfer of ONE worker process: `transfers` live calls failed through the real
 * ingress while the queue is paused, then one worker (built code, as in production) drains them against the
 * simulator (transfers shown 200 ms after their 202, as Genesys does; the worker's 250 ms confirm delay) while
 * MONITOR records what its connections send and what its scripts run. The harness's own commands (resuming
 * the queue, watching the completed count) are on connections of its own and left out. The worker idle for as
 * long is measured too: lock renewals, stall checks and the marker wait go on whatever the load.
 */
export async function measureWorkerCommands(env: BenchEnv, name: string, transfers: number, workerEnv: Record<string, string>): Promise<WorkerCommandsRun> {
  await env.sim.reset();
  await env.sim.config({ rateLimitPerMinute: 0, orgRateLimitPerMinute: 0, transferDelayMs: 200, latencyMs: 0 });
  const ours = await startOurs(env, { workers: 0, workerEnv });
  const agent = loadAgent(32);
  try {
    const convs = await env.sim.conversations(transfers);
    await ours.queue.pause();
    const load = await sendBurst({ url: `${ours.ingressUrl}/v1/fallbacks`, events: convs.map((c, i) => ({ conversationId: c.id, body: failureEvent(c.id, i) })), headers: AUTH, agent, concurrency: 16 });
    const accepted = load.sent.filter((s) => s.status === 202).length;
    if (accepted !== transfers) throw new Error(`${accepted} of ${transfers} failures accepted`);

    // The worker's connections: those that appear with it.
    const before = await clientsNamed(env, ['']);
    const worker = await ours.addWorker();
    const workers = new Set([...(await clientsNamed(env, ['']))].filter((addr) => !before.has(addr)));

    const watch = env.conn.duplicate({ connectionName: 'bench-watch' });
    const completedKey = `${ours.prefix}:fallbacks:completed`;
    const started = Date.now();
    const cpuBefore = readProc(worker.child.pid!)!;
    const mon = await monitor(env);
    await ours.queue.resume();
    await waitFor(() => worker.lines.filter((l) => l.includes('"msg":"transferred"')).length >= transfers, { timeoutMs: 120_000, intervalMs: 100, what: 'every transfer' });
    await waitFor(async () => (await watch.zcount(completedKey, '-inf', '+inf')) >= transfers, { timeoutMs: 30_000, intervalMs: 50, what: 'every job to complete' });
    const durationMs = Date.now() - started;
    const cpuAfter = readProc(worker.child.pid!)!;
    await mon.stop();
    const names = scriptNames();
    const commands = countCommands(mon.lines, workers, names);

    // The same worker idle for as long as the run lasted.
    const idleMon = await monitor(env);
    await new Promise((r) => setTimeout(r, durationMs));
    await idleMon.stop();
    const idle = countCommands(idleMon.lines, workers, names);
    watch.disconnect();

    return {
      name,
      config: workerEnv,
      transfers,
      durationSec: durationMs / 1000,
      commands,
      idle,
      cpuMicrosPerTransfer: (((cpuAfter.cpuTicks - cpuBefore.cpuTicks) / ticksPerSecond()) * 1e6) / transfers,
    };
  } finally {
    agent.destroy();
    await ours.stop();
    await wipePrivateRedis(env);
  }
}

/** A Markdown table: per command, top-level and in-script commands per transfer for each run, and the idle share. */
export function commandsTable(runs: readonly WorkerCommandsRun[]): string {
  const names = new Set<string>();
  for (const r of runs) for (const c of [r.commands.topLevel, r.commands.inScripts]) for (const k of Object.keys(c)) names.add(k);
  const per = (n: number, r: WorkerCommandsRun) => (n / r.transfers).toFixed(2);
  const head = ['command', ...runs.flatMap((r) => [`${r.name}: sent`, `${r.name}: in scripts`, `${r.name}: of which idle`])];
  const rows = [...names]
    .map((name) => ({ name, sum: runs.reduce((s, r) => s + (r.commands.topLevel[name] ?? 0) + (r.commands.inScripts[name] ?? 0), 0) }))
    .sort((a, b) => b.sum - a.sum)
    .map(({ name }) => [
      name,
      ...runs.flatMap((r) => [per(r.commands.topLevel[name] ?? 0, r), per(r.commands.inScripts[name] ?? 0, r), per((r.idle.topLevel[name] ?? 0) + (r.idle.inScripts[name] ?? 0), r)]),
    ]);
  rows.push([
    '**total**',
    ...runs.flatMap((r) => [per(total(r.commands.topLevel), r), per(total(r.commands.inScripts), r), per(total(r.idle.topLevel) + total(r.idle.inScripts), r)]),
  ]);
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** A Markdown table: per script, runs and the commands it ran inside Redis, per transfer, for each run. */
export function scriptsTable(runs: readonly WorkerCommandsRun[]): string {
  const names = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.commands.scripts)) names.add(k);
  const per = (n: number, r: WorkerCommandsRun) => (n / r.transfers).toFixed(2);
  const inside = (c: ScriptCount | undefined, r: WorkerCommandsRun) =>
    c ? Object.entries(c.byCommand).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${per(v, r)}`).join(', ') : '';
  const head = ['script', ...runs.flatMap((r) => [`${r.name}: runs`, `${r.name}: commands inside`, `${r.name}: which`])];
  const rows = [...names]
    .sort((a, b) => runs.reduce((s, r) => s + (r.commands.scripts[b]?.commands ?? 0), 0) - runs.reduce((s, r) => s + (r.commands.scripts[a]?.commands ?? 0), 0))
    .filter((name) => runs.some((r) => (r.commands.scripts[name]?.calls ?? 0) / r.transfers >= 0.005))
    .map((name) => [
      name,
      ...runs.flatMap((r) => [per(r.commands.scripts[name]?.calls ?? 0, r), per(r.commands.scripts[name]?.commands ?? 0, r), inside(r.commands.scripts[name], r)]),
    ]);
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
