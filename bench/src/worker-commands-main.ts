/**
 * `pnpm --filter @fallback/bench commands [N]`: Redis commands per confirmed transfer of one worker process, by
 * command, unpaced and paced (see worker-commands.ts). Prints Markdown; needs `pnpm build` first (the worker
 * runs as built). Bounded: N transfers per run (default 1,000): ~5 s unpaced, ~10 s paced.
 */
import os from 'node:os';
import { commandsTable, measureWorkerCommands, scriptsTable, total, type WorkerCommandsRun } from './worker-commands.js';
import { startBenchEnv } from './stack.js';

const transfers = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 1000);
const env = await startBenchEnv();
const runs: WorkerCommandsRun[] = [];
try {
  runs.push(await measureWorkerCommands(env, 'unpaced', transfers, { GENESYS_REQUESTS_PER_MINUTE: '0', ANALYTICS_READS: 'off' }));
  // Paced as in production (one request of the client in flight, each taking a slot of the shared budget), with
  // the budget's window shortened to a second so the run lasts seconds, not minutes: ~98 transfers/s.
  runs.push(await measureWorkerCommands(env, 'paced', transfers, { GENESYS_REQUESTS_PER_MINUTE: '295', GENESYS_BUDGET_WINDOW_SECONDS: '1', ANALYTICS_READS: 'off' }));
} finally {
  await env.close();
}
console.log(`\nRedis commands per confirmed transfer, one worker process, ${transfers} transfers per run, load ${os.loadavg()[0]!.toFixed(2)}, node ${process.version}\n`);
for (const r of runs)
  console.log(
    `- ${r.name}: ${(total(r.commands.topLevel) / r.transfers).toFixed(1)} sent + ${(total(r.commands.inScripts) / r.transfers).toFixed(1)} run in scripts per transfer ` +
      `(of which idle background ${((total(r.idle.topLevel) + total(r.idle.inScripts)) / r.transfers).toFixed(1)}); ${r.durationSec.toFixed(1)} s; worker CPU ${r.cpuMicrosPerTransfer.toFixed(0)} µs per transfer; ${JSON.stringify(r.config)}`,
  );
console.log(`\nBy command (per confirmed transfer):\n\n${commandsTable(runs)}\n`);
console.log(`By script (per confirmed transfer):\n\n${scriptsTable(runs)}\n`);
