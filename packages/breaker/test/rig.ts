/**
 * Test wiring of the breaker (not a test itself): the real store and evaluators on the suite's Redis under a
 * unique prefix, and the real GenesysClient against the simulator over HTTP. Each evaluator has a Redis
 * connection of its own, as each worker process has.
 */
import { inject } from 'vitest';
import { Redis } from 'ioredis';
import { ClientCredentialsTokenProvider, GenesysClient, createHttp } from '@fallback/genesys';
import { SEED, createSimulator, type Simulator, type SimulatorOptions } from '@fallback/genesys-sim';
import { deleteByPrefix, uniquePrefix, waitFor } from '@fallback/testing';
import type { FailureEvent } from '@fallback/core';
import { BreakerEvaluator, type EvaluatorOptions, type FlipReport } from '../src/evaluator.js';
import { breakersFor, type BreakerSpec } from '../src/spec.js';
import { BreakerStore, type BreakerSnapshot, type FlipEntry } from '../src/store.js';

/** The seeded emergency group as a switch. */
export const GROUP = { kind: 'emergencyGroup', groupId: SEED.emergencyGroup.id } as const;

/** A breaker that trips on 5 failures in 2 s and recovers after 1 s of quiet. */
export const spec = (over: Partial<BreakerSpec> = {}): BreakerSpec => ({ name: 'default', switch: GROUP, threshold: 5, windowMs: 2000, recoverMs: 1000, ...over });

export interface BreakerRig {
  sim: Simulator;
  prefix: string;
  store: BreakerStore;
  client: GenesysClient;
  evaluators: BreakerEvaluator[];
  reports: FlipReport[];
  logs: { level: string; msg: string; obj: object }[];
  /** Starts one more evaluator (its own Redis connection and holder name). */
  addEvaluator(opts?: Partial<EvaluatorOptions>): Promise<BreakerEvaluator>;
  /** Counts `n` failures of `event` as the ingress does; resolves with the Redis time of the last one. */
  fail(n: number, event?: Partial<FailureEvent>): Promise<number>;
  snapshot(name?: string): Promise<BreakerSnapshot>;
  /** Waits until an evaluator has looked at the breaker after Redis time `t`, and returns what it saw then. */
  evaluatedAfter(t: number, name?: string): Promise<BreakerSnapshot>;
  /** The flips stream, oldest first. */
  history(): Promise<FlipEntry[]>;
  stop(): Promise<void>;
}

export async function startBreakerRig(specs: BreakerSpec[], opts: { sim?: SimulatorOptions; evaluators?: number; evaluator?: Partial<EvaluatorOptions> } = {}): Promise<BreakerRig> {
  const redisUrl = inject('redisUrl');
  const prefix = uniquePrefix('breaker');
  const sim = createSimulator({ rateLimitPerMinute: 0, ...opts.sim });
  const url = await sim.listen(0);
  const http = createHttp({ maxSockets: 16 });
  const tokens = new ClientCredentialsTokenProvider({ http, loginBaseUrl: url, clientId: SEED.clientId, clientSecret: SEED.clientSecret, timeoutMs: 2000 });
  const client = new GenesysClient({ apiBaseUrl: url, credentials: [{ clientId: SEED.clientId, tokens }], http, timeoutMs: 2000 });
  const redis = new Redis(redisUrl);
  const store = new BreakerStore(redis, prefix);
  const connections: Redis[] = [redis];
  const evaluators: BreakerEvaluator[] = [];
  const reports: FlipReport[] = [];
  const logs: BreakerRig['logs'] = [];
  const log = Object.fromEntries(['info', 'warn', 'error'].map((level) => [level, (obj: object, msg: string) => logs.push({ level, msg, obj })])) as unknown as EvaluatorOptions['log'];
  const byName = (name: string) => specs.find((s) => s.name === name)!;

  const addEvaluator = async (over: Partial<EvaluatorOptions> = {}) => {
    const connection = new Redis(redisUrl);
    connections.push(connection);
    const evaluator = new BreakerEvaluator({
      store: new BreakerStore(connection, prefix),
      specs,
      switches: client,
      log,
      tickMs: 50,
      leaseMs: 1000,
      retry: { baseMs: 100, capMs: 1000 },
      onFlip: (r) => reports.push(r),
      ...opts.evaluator,
      ...over,
    });
    evaluators.push(evaluator);
    await evaluator.start();
    return evaluator;
  };
  for (let i = 0; i < (opts.evaluators ?? 1); i += 1) await addEvaluator();

  const rig: BreakerRig = {
    sim,
    prefix,
    store,
    client,
    evaluators,
    reports,
    logs,
    addEvaluator,
    async fail(n, event = {}) {
      const matched = breakersFor(specs, { conversationId: '00000000-0000-4000-8000-000000000000', ...event } as FailureEvent);
      let at = 0;
      for (let i = 0; i < n; i += 1) at = await store.count(matched);
      return at;
    },
    snapshot: (name = specs[0]!.name) => store.snapshot(byName(name)),
    evaluatedAfter: (t, name = specs[0]!.name) =>
      waitFor(
        async () => {
          const s = await store.snapshot(byName(name));
          return (s.evaluatedAt ?? 0) > t ? s : undefined;
        },
        { timeoutMs: 5000, what: `an evaluation of breaker ${name} after ${t}` },
      ),
    history: async () => (await store.history(1000)).reverse(),
    async stop() {
      await Promise.all(evaluators.map((e) => e.stop()));
      await sim.close();
      (http.defaults.httpAgent as { destroy(): void }).destroy();
      await deleteByPrefix(redis, prefix).catch(() => undefined);
      for (const c of connections) c.disconnect();
    },
  };
  return rig;
}
