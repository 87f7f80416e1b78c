/**
 * `pnpm start`: the whole service on one machine. With no GENESYS_CLIENT_ID it runs against the bundled
 * Genesys Cloud simulator and says so loudly; with credentials it talks to the real region configured.
 * Each part is its own process (as in production), started with the same entry points as `start:*`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onLines, runMain } from '@fallback/observability';
import { assertRedisReachable } from '@fallback/queue';
import { planStack, type StackPlan } from './plan.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const tsxLoader = createRequire(path.join(root, 'package.json')).resolve('tsx');

function start(name: string, entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', tsxLoader, path.join(root, entry)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${name}]`.padEnd(14);
  for (const stream of [child.stdout!, child.stderr!]) onLines(stream, (line) => process.stdout.write(`${prefix} ${line}\n`));
  return child;
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function banner(plan: StackPlan, conversations: string[]): string {
  const line = '='.repeat(78);
  const rows = plan.simulator
    ? [
        '  SIMULATOR MODE: no GENESYS_CLIENT_ID is set, so Genesys Cloud is SIMULATED.',
        `  Simulated Genesys API:  ${plan.simulator.url}   (no real call is ever transferred)`,
        `  Ingress:                http://127.0.0.1:${plan.ingressPort}/v1/fallbacks`,
        `  API key (dev only):     ${plan.apiKeyNotice}`,
        `  Fallback queue:         ${plan.env['DEFAULT_QUEUE_ID']} (simulated "Fallback IVR")`,
        `  Live test calls:        ${conversations.join(', ') || '(none)'}`,
        '  Set GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET and GENESYS_REGION to use a real org.',
      ]
    : [
        `  LIVE MODE: Genesys Cloud at ${plan.env['GENESYS_API_URL'] ?? `https://api.${plan.env['GENESYS_REGION'] ?? 'mypurecloud.com'}`}`,
        `  Ingress: http://127.0.0.1:${plan.ingressPort}/v1/fallbacks`,
      ];
  return `\n${line}\n${rows.join('\n')}\n${line}\n\n`;
}

runMain('stack', async () => {
  const plan = planStack(process.env);
  await assertRedisReachable(plan.env['REDIS_URL']!);
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  const stopAll = (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const child of children.values()) child.kill('SIGTERM');
    const force = setTimeout(() => process.exit(code), 12_000);
    force.unref();
    Promise.all([...children.values()].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r))))).then(() =>
      process.exit(code),
    );
  };
  const supervise = (name: string, child: ChildProcess) => {
    children.set(name, child);
    child.once('exit', (code, signal) => {
      if (stopping) return;
      process.stdout.write(`[stack] ${name} exited (${signal ?? code}); stopping the stack\n`);
      stopAll(code || 1);
    });
  };
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));

  let conversations: string[] = [];
  if (plan.simulator) {
    supervise('genesys-sim', start('genesys-sim', 'apps/genesys-sim/src/main.ts', plan.simulator.env));
    await waitForHttp(`${plan.simulator.url}/__sim/stats`, 20_000);
    const res = await fetch(`${plan.simulator.url}/__sim/conversations`);
    conversations = ((await res.json()) as { conversations: { id: string }[] }).conversations.map((c) => c.id);
  }
  supervise('worker', start('worker', 'apps/worker/src/main.ts', plan.env));
  supervise('ingress', start('ingress', 'apps/ingress/src/main.ts', plan.env));
  await waitForHttp(`http://127.0.0.1:${plan.ingressPort}/healthz`, 20_000);
  process.stdout.write(banner(plan, conversations));
});
