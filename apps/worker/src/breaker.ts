import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { BreakerEvaluator, BreakerStore, type BreakerSpec, type FlipReport, type SwitchPort } from '@fallback/breaker';
import { ConfigError, type WorkerConfig } from '@fallback/config';
import { RoutesFileError, readBreakers } from '@fallback/ingress-core';

/**
 * The breakers this worker flips: BREAKER_* and ROUTES_FILE's `breakers:` (the same the ingress counts). A bad
 * file stops the process at start, one line per problem, like the ingress's.
 */
export function loadBreakers(config: Pick<WorkerConfig, 'routesFile' | 'breaker'>, read: (file: string) => string = (f) => readFileSync(f, 'utf8')): BreakerSpec[] {
  let text: string | undefined;
  if (config.routesFile) {
    try {
      text = read(config.routesFile);
    } catch (err) {
      throw new ConfigError([`ROUTES_FILE: cannot read ${config.routesFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
    }
  }
  try {
    return readBreakers(text, { fileName: config.routesFile ?? '(environment)', defaults: config.breaker });
  } catch (err) {
    if (err instanceof RoutesFileError) throw new ConfigError(err.problems.map((p) => `${err.file}: ${p}`));
    throw err;
  }
}

/**
 * Starts the breaker's evaluator on the worker's connection (none without breakers). Its Genesys requests go
 * through `switches`, the worker's GenesysClient: the same gate, budget and Retry-After blocks as the transfers.
 */
export async function startBreakerEvaluator(opts: {
  specs: readonly BreakerSpec[];
  connection: Redis;
  queuePrefix: string;
  switches: SwitchPort;
  logger: Logger;
  onFlip?: (report: FlipReport) => void;
}): Promise<BreakerEvaluator | undefined> {
  if (opts.specs.length === 0) return undefined;
  const evaluator = new BreakerEvaluator({
    store: new BreakerStore(opts.connection, opts.queuePrefix),
    specs: opts.specs,
    switches: opts.switches,
    log: opts.logger,
    ...(opts.onFlip ? { onFlip: opts.onFlip } : {}),
  });
  await evaluator.start();
  return evaluator;
}
