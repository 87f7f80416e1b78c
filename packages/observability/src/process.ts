import v8 from 'node:v8';
import type { Logger } from 'pino';

/** One step of an ordered shutdown. */
export interface ShutdownStep {
  name: string;
  run: () => Promise<unknown> | unknown;
}

/** The process-wide events installShutdown listens to (process itself; an EventEmitter in tests). */
export type ProcessEvents = Pick<NodeJS.Process, 'on'>;

/** Options of installShutdown. */
export interface ShutdownOptions {
  logger: Logger;
  steps: () => ShutdownStep[];
  timeoutMs: number;
  exit?: (code: number) => void;
  signals?: NodeJS.Signals[];
  /** What a crash line carries besides the logger's own fields (evaluated at the crash: queue, port, jobs …). */
  context?: () => Record<string, unknown>;
  /** Where signals and crashes come from; `process` unless a test hands in an EventEmitter. */
  proc?: ProcessEvents;
}

/**
 * One shutdown coordinator per process: idempotent (a second call does not start a second shutdown), ordered
 * (stop intake → drain → close queues → quit Redis), each step isolated (one failing step does not skip the
 * rest), and bounded by a deadline after which the process exits anyway. A second SIGTERM/SIGINT while it runs
 * exits at once (an operator pressing Ctrl-C twice, an orchestrator losing patience): the jobs still active go
 * back to the queue when their locks expire, as after a crash.
 *
 * It also owns crashes: an `uncaughtException` or `unhandledRejection` is logged (fatal, with the process
 * context) and the process exits 1 without running the steps. After an error nobody handled the state is
 * unknown, and draining on it could do harm (a job half-way between its claim and its POST); a fresh process is
 * safe: the orchestrator restarts it, BullMQ re-runs its jobs once their locks expire, and each re-run reads
 * the call before posting.
 */
export function installShutdown(opts: ShutdownOptions): () => Promise<void> {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const proc = opts.proc ?? process;
  const context = () => {
    try {
      return { ...opts.context?.(), uptimeSec: Math.round(process.uptime()), rssBytes: process.memoryUsage.rss(), node: process.version };
    } catch {
      return {};
    }
  };
  let running: Promise<void> | undefined;
  const shutdown = () => {
    running ??= (async () => {
      const timer = setTimeout(() => {
        opts.logger.error({ timeoutMs: opts.timeoutMs }, 'shutdown deadline passed; exiting now');
        exit(1);
      }, opts.timeoutMs);
      timer.unref();
      let failed = false;
      for (const step of opts.steps()) {
        try {
          await step.run();
          opts.logger.debug({ step: step.name }, 'shutdown step done');
        } catch (err) {
          failed = true;
          opts.logger.error({ step: step.name, err }, 'shutdown step failed');
        }
      }
      clearTimeout(timer);
      opts.logger.info('shutdown complete');
      exit(failed ? 1 : 0);
    })();
    return running;
  };
  for (const signal of opts.signals ?? (['SIGTERM', 'SIGINT'] as NodeJS.Signals[])) {
    proc.on(signal, () => {
      if (running) {
        opts.logger.warn({ signal }, 'second signal during shutdown; exiting now (active jobs return to the queue when their locks expire)');
        exit(1);
        return;
      }
      opts.logger.info({ signal }, 'shutting down');
      void shutdown();
    });
  }
  let crashed = false;
  const crash = (kind: 'uncaughtException' | 'unhandledRejection') => (reason: unknown) => {
    // A throw inside the logger must not recurse into this handler forever: exit whatever happens.
    if (crashed) return exit(1);
    crashed = true;
    try {
      const err = reason instanceof Error ? reason : new Error(`non-Error ${kind}: ${String(reason)}`);
      opts.logger.fatal({ err, kind, ...context() }, `${kind}: exiting so the process is restarted and its jobs re-run`);
    } finally {
      exit(1);
    }
  };
  proc.on('uncaughtException', crash('uncaughtException'));
  proc.on('unhandledRejection', crash('unhandledRejection'));
  return shutdown;
}

/**
 * How far V8 lets the old generation grow past what its last full GC kept before collecting again (%). V8's own
 * factor reaches 4× on an idle-looking heap, which is what the services hold under load: at 1,000 failures/s a
 * worker that keeps ~35 MB alive held ~100 MB of old space and peaked at 206-237 MB of RSS; at 20 % it peaked at
 * 146-150 MB (the ingress 131-137 MB) with CPU within this shared machine's noise (pnpm --filter @fallback/bench
 * memory). The young generation is left as it is: --max-semi-space-size can only be given at start (NODE_OPTIONS).
 */
export const HEAP_GROWING_PERCENT = 20;

/**
 * Bounds V8's old-generation growth to `percent` for the rest of the process. V8 reads this flag whenever it sets
 * its next collection limit, so it takes effect after start, unlike the heap size flags.
 */
export function boundHeapGrowth(percent = HEAP_GROWING_PERCENT): void {
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/**
 * Runs a process's main, its heap growth bounded (boundHeapGrowth). Startup errors that carry a human message (bad
 * config, Redis not answering) are printed as that message alone, without a stack trace, and the process exits 1.
 */
export function runMain(name: string, main: () => Promise<void>): void {
  boundHeapGrowth();
  main().catch((err: Error) => {
    const known = ['ConfigError', 'RedisUnavailableError', 'RedisNotDurableError'].includes(err?.name);
    const code = (err as NodeJS.ErrnoException)?.code;
    const message =
      code === 'EADDRINUSE' || code === 'EACCES'
        ? `cannot listen: ${err.message} (another instance running? choose another port in the environment)`
        : known
          ? err.message
          : err?.stack ?? String(err);
    process.stderr.write(`[${name}] ${message}\n`);
    process.exit(1);
  });
}

/** Calls `onLine` for each complete line a child process writes to `stream` (its log lines, mostly). */
export function onLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) if (line) onLine(line);
  });
}
