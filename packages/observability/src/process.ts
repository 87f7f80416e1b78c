import type { Logger } from 'pino';

/** One step of an ordered shutdown. */
export interface ShutdownStep {
  name: string;
  run: () => Promise<unknown> | unknown;
}

/**
 * One shutdown coordinator per process: idempotent (a second signal does not start a second shutdown), ordered
 * (stop intake → drain → close queues → quit Redis), each step isolated (one failing step does not skip the
 * rest), and bounded by a deadline after which the process exits anyway.
 */
export function installShutdown(opts: {
  logger: Logger;
  steps: () => ShutdownStep[];
  timeoutMs: number;
  exit?: (code: number) => void;
  signals?: NodeJS.Signals[];
}): () => Promise<void> {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
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
    process.on(signal, () => {
      opts.logger.info({ signal }, 'shutting down');
      void shutdown();
    });
  }
  return shutdown;
}

/**
 * Runs a process's main. Startup errors that carry a human message (bad config, Redis not answering) are
 * printed as that message alone, without a stack trace, and the process exits 1.
 */
export function runMain(name: string, main: () => Promise<void>): void {
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
