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

/** Starts `apps/<entry>` (a main.ts) under tsx with `env` added to this process's environment. */
export function startService(name: string, entry: string, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ['--import', tsx, path.join(REPO_ROOT, entry)], {
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
