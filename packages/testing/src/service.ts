import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onLines } from '@fallback/observability';
import { waitFor } from './wait.js';

/** The repository root (this file is packages/testing/src/service.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const tsx = createRequire(path.join(REPO_ROOT, 'package.json')).resolve('tsx');

/** A service running as its own OS process, as in production: real HTTP, real signals, real crashes. */
export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** Every line it wrote to stdout/stderr so far (JSON log lines, mostly). */
  lines: string[];
  /** Resolves with the first line matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends a signal; resolves when the process has exited (SIGKILL = a crash). */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * How a service runs: `tsx` (the TypeScript sources, as in development and tests) or `dist` (what `pnpm build`
 * emitted, resolved through the "fallback-dist" export condition, as in production and the benchmarks).
 */
export type ServiceRuntime = 'tsx' | 'dist';

/** The node arguments that run `entry` (e.g. apps/worker/src/main.ts) in a runtime. */
export function serviceArgs(entry: string, runtime: ServiceRuntime = 'tsx'): string[] {
  if (runtime === 'tsx') return ['--import', tsx, path.join(REPO_ROOT, entry)];
  const built = entry.replace(/\/src\/(.*)\.ts$/, '/dist/$1.js');
  if (built === entry) throw new Error(`${entry} is not a src/*.ts entry that pnpm build emits`);
  return ['--conditions=fallback-dist', path.join(REPO_ROOT, built)];
}

/** Starts `apps/<entry>` (a main.ts) with `env` added to this process's environment (under tsx unless told `dist`). */
export function startService(name: string, entry: string, env: Record<string, string>, runtime: ServiceRuntime = 'tsx'): ServiceProcess {
  const child = spawn(process.execPath, serviceArgs(entry, runtime), {
    // WORKER_HTTP_PORT=0: parallel test workers must not fight over the default ops port (9091); tests that want it pass one.
    env: { ...process.env, LOG_PRETTY: 'false', WORKER_HTTP_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) onLines(stream, (line) => lines.push(line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    name,
    child,
    lines,
    exited,
    waitForLine: (pattern, timeoutMs = 20_000) =>
      waitFor(
        () => {
          if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${lines.slice(-5).join(' | ')}`);
          return lines.find((l) => pattern.test(l));
        },
        { timeoutMs, what: `${name} to log ${pattern}`, intervalMs: 20 },
      ),
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
