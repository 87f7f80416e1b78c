import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { RequestContext } from '@fallback/genesys';
import { applyDecision, decide, type BreakerPosition, type Decision } from './machine.js';
import { describeSwitch, type BreakerSpec } from './spec.js';
import type { BreakerSnapshot, BreakerStore } from './store.js';
import { setSwitch, type SwitchPort, type SwitchResult } from './switches.js';

/** The logger surface the evaluator writes to (pino's). */
export interface BreakerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** One attempt at setting a switch, for metrics. */
export interface FlipReport {
  breaker: string;
  to: BreakerPosition;
  /** Who decided: the breaker itself, or a person (a forced state). */
  by: 'breaker' | 'person';
  /** done: written; already: Genesys showed it so (nothing written); failed: will be retried. */
  result: 'done' | 'already' | 'failed';
}

/** Options of BreakerEvaluator. */
export interface EvaluatorOptions {
  store: BreakerStore;
  specs: readonly BreakerSpec[];
  /** The worker's GenesysClient: its gate, budget and Retry-After blocks are the transfers'. */
  switches: SwitchPort;
  log: BreakerLog;
  /** Name in the lease and the stream (default host:pid:random). */
  holder?: string;
  /** How often the lease holder looks at the counts (ms; default 250). */
  tickMs?: number;
  /** Lease lifetime (ms; default 5000): an evaluator that dies is replaced after at most this. */
  leaseMs?: number;
  /** Waits between failed attempts at a flip: doubling from baseMs to capMs, never shorter than a Retry-After. */
  retry?: { baseMs: number; capMs: number };
  /** Longest a flip's request may wait for the request budget (ms; default 30 000). */
  maxWaitMs?: number;
  /** Whether the bot's health URL answers 2xx (default: a GET with a 2 s timeout). */
  probe?: (url: string) => Promise<boolean>;
  onFlip?: (report: FlipReport) => void;
}

/** The wait before attempt `attempts + 1` of a flip (ms). Pure. */
export function flipRetryDelay(attempts: number, retry: { baseMs: number; capMs: number }, retryAfterMs?: number): number {
  const backoff = Math.min(retry.capMs, retry.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.max(backoff, retryAfterMs ?? 0);
}

/** GET of the bot's health URL: 2xx within 2 s is healthy; anything else (redirects included) is not. */
export async function httpProbe(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000), redirect: 'manual' });
    await res.body?.cancel().catch(() => undefined);
    return res.status >= 200 && res.status < 300;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 500);

/**
 * The breaker's evaluator, in the worker (flipping needs Genesys credentials). Every worker runs one; the one
 * holding the Redis lease decides for all, so each decision is made once. A decision is written to Redis first
 * (only by the lease holder, only if the state is still the one it decided from), then carried out: the switch
 * is read and written back whole through the worker's GenesysClient (priority high for a trip, low for a
 * recovery). A flip that fails (429, 5xx, refusal) stays pending and is retried with backoff; every attempt is
 * logged, counted and kept in the flips stream. An evaluator that took over from a dead one finds the flip
 * pending and reads Genesys again before writing: a flip that did land is not written twice.
 */
export class BreakerEvaluator {
  private readonly holder: string;
  private readonly tickMs: number;
  private readonly leaseMs: number;
  private readonly retry: { baseMs: number; capMs: number };
  private readonly probe: (url: string) => Promise<boolean>;
  private readonly flips = new Map<string, Promise<void>>();
  /** Flips finished per breaker: a snapshot read before one finished must not start another (it predates the record). */
  private readonly finished = new Map<string, number>();
  private readonly probes = new Map<string, { at: number; up: boolean }>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  private leader = false;

  constructor(private readonly opts: EvaluatorOptions) {
    this.holder = opts.holder ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.tickMs = opts.tickMs ?? 250;
    this.leaseMs = opts.leaseMs ?? 5000;
    this.retry = opts.retry ?? { baseMs: 1000, capMs: 30_000 };
    this.probe = opts.probe ?? httpProbe;
  }

  /** True while this evaluator holds the lease (as of its last tick). */
  get isLeader(): boolean {
    return this.leader;
  }

  /** Registers the breakers and starts evaluating every `tickMs`. */
  async start(): Promise<void> {
    await this.opts.store.register(this.opts.specs);
    this.schedule(0);
  }

  /**
   * Stops evaluating, lets a round and a flip under way finish (≤ 2 s each: a Redis that does not answer must not
   * hold the shutdown), and gives the lease up so another evaluator takes over at once.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.race([this.ticking, sleep(2000)]);
    await Promise.race([Promise.allSettled([...this.flips.values()]), sleep(2000)]);
    this.leader = false;
    await this.opts.store.release(this.holder).catch(() => undefined);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => this.schedule(this.tickMs));
    }, ms);
  }

  /** One round: take or renew the lease; if held, evaluate every breaker. Never throws. */
  async tick(): Promise<void> {
    try {
      this.leader = await this.opts.store.lease(this.holder, this.leaseMs);
    } catch (err) {
      this.leader = false;
      this.opts.log.warn({ err: messageOf(err) }, 'breaker: cannot reach Redis for the evaluator lease');
      return;
    }
    if (!this.leader) return;
    for (const spec of this.opts.specs) {
      try {
        await this.evaluate(spec);
      } catch (err) {
        this.opts.log.warn({ breaker: spec.name, err: messageOf(err) }, 'breaker: evaluation failed; trying again next round');
      }
    }
  }

  private freshProbe(spec: BreakerSpec, now: number): 'up' | 'down' | undefined {
    const p = this.probes.get(spec.name);
    // Asked again at most every 5 s (or every quiet time, when shorter): a health URL is not to be hammered.
    return p && now - p.at < Math.min(5000, spec.recoverMs) ? (p.up ? 'up' : 'down') : undefined;
  }

  private async evaluate(spec: BreakerSpec): Promise<void> {
    const { store, log } = this.opts;
    const generation = this.finished.get(spec.name) ?? 0;
    let snap = await store.snapshot(spec);
    const observe = () => ({
      now: snap.now,
      failures: snap.failures,
      ...(snap.lastFailureAt !== undefined ? { lastFailureAt: snap.lastFailureAt } : {}),
      ...(!snap.pending && snap.applied === snap.state.position ? { switchSetAt: snap.appliedAt ?? 0 } : {}),
    });
    let decision: Decision = decide(spec, snap.state, { ...observe(), ...withProbe(this.freshProbe(spec, snap.now)) });
    if (decision.kind === 'probe') {
      const up = await this.probe(spec.probeUrl!);
      this.probes.set(spec.name, { at: snap.now, up });
      await store.note(spec.name, { probe: up ? 'up' : 'down', probedAt: snap.now });
      decision = decide(spec, snap.state, { ...observe(), probe: up ? 'up' : 'down' });
    }
    if (decision.kind === 'open' || decision.kind === 'close') {
      const to: BreakerPosition = decision.kind === 'open' ? 'open' : 'closed';
      const fields: Record<string, string | number> = {
        state: to,
        why: decision.why,
        by: decision.by,
        failuresAtFlip: snap.failures,
        pending: 1,
        attempts: 0,
        retryAt: 0,
        lastError: '',
        ...(decision.kind === 'open'
          ? { openedAt: snap.now, level: decision.level, quietMs: decision.quietMs }
          : { closedAt: snap.now, ...(decision.recovered ? { recoveredAt: snap.now } : {}) }),
      };
      const seq = await store.transition(this.holder, spec.name, snap.state.position, fields);
      if (typeof seq !== 'number') return; // the lease or the state moved on: the next round decides again
      log.warn(
        { breaker: spec.name, to, why: decision.why, by: decision.by, failures: snap.failures, threshold: spec.threshold, switch: describeSwitch(spec.switch) },
        to === 'open' ? `breaker ${spec.name} tripped: ${decision.why}` : `breaker ${spec.name} closing: ${decision.why}`,
      );
      snap = { ...snap, seq, pending: true, attempts: 0, retryAt: 0, why: decision.why, by: decision.by, failuresAtFlip: snap.failures, state: applyDecision(snap.state, decision, snap.now) };
    }
    await store.note(spec.name, { evaluatedAt: snap.now, evaluator: this.holder });
    if (snap.pending && !this.flips.has(spec.name) && (this.finished.get(spec.name) ?? 0) === generation && snap.now >= snap.retryAt) {
      const flip = this.flip(spec, snap).finally(() => {
        this.finished.set(spec.name, (this.finished.get(spec.name) ?? 0) + 1);
        this.flips.delete(spec.name);
      });
      this.flips.set(spec.name, flip);
    }
  }

  /** Sets the switch for the snapshot's transition and records what happened (never throws). */
  private async flip(spec: BreakerSpec, snap: BreakerSnapshot): Promise<void> {
    const { store, log } = this.opts;
    const to = snap.state.position;
    const by = snap.by?.startsWith('person') ? 'person' : 'breaker';
    const ctx: RequestContext = {
      // A trip saves the callers still to come; a recovery can wait behind the transfers of callers on hold.
      priority: to === 'open' ? 'high' : 'low',
      maxWaitMs: this.opts.maxWaitMs ?? 30_000,
      fence: () => {
        if (!this.leader || this.stopped) throw Object.assign(new Error('no longer the breaker evaluator (lease lost or stopping)'), { name: 'FencedError' });
      },
    };
    const base = {
      breaker: spec.name,
      event: 'flip',
      to,
      by: snap.by ?? by,
      why: snap.why ?? '',
      failures: snap.failuresAtFlip ?? snap.failures,
      threshold: spec.threshold,
      windowSeconds: spec.windowMs / 1000,
      switch: describeSwitch(spec.switch),
      evaluator: this.holder,
    };
    let result: SwitchResult;
    try {
      result = await setSwitch(this.opts.switches, spec.switch, to === 'open', ctx);
    } catch (err) {
      if ((err as Error).name === 'FencedError') return; // the new lease holder carries the flip out
      const attempts = snap.attempts + 1;
      const retryAfterMs = (err as { retryAfterMs?: unknown }).retryAfterMs;
      const waitMs = flipRetryDelay(attempts, this.retry, typeof retryAfterMs === 'number' ? retryAfterMs : undefined);
      const at = await store.now().catch(() => Date.now());
      const error = messageOf(err);
      await store
        .record(spec.name, snap.seq, { attempts, retryAt: at + waitMs, lastError: error }, { at, ...base, result: 'failed', attempt: attempts, retryInMs: waitMs, error })
        .catch((e) => log.error({ breaker: spec.name, err: messageOf(e) }, 'breaker: could not record a failed flip'));
      this.opts.onFlip?.({ breaker: spec.name, to, by, result: 'failed' });
      log.error(
        { breaker: spec.name, to, attempt: attempts, retryInMs: waitMs, err: error, correlationId: (err as { correlationId?: string }).correlationId },
        `breaker ${spec.name}: could not set ${describeSwitch(spec.switch)} ${to === 'open' ? 'on' : 'off'}; retrying in ${waitMs} ms`,
      );
      return;
    }
    const at = await store.now().catch(() => Date.now());
    const outcome = result.changed ? 'done' : 'already';
    await store
      .record(
        spec.name,
        snap.seq,
        { pending: 0, attempts: 0, retryAt: 0, lastError: '', applied: to, appliedAt: at },
        {
          at,
          ...base,
          result: outcome,
          attempt: snap.attempts + 1,
          ...(result.versionBefore !== undefined ? { versionBefore: result.versionBefore } : {}),
          ...(result.version !== undefined ? { version: result.version } : {}),
          conflicts: result.conflicts,
        },
      )
      .catch((e) => log.error({ breaker: spec.name, err: messageOf(e) }, 'breaker: could not record a flip'));
    this.opts.onFlip?.({ breaker: spec.name, to, by, result: outcome });
    log.warn(
      { breaker: spec.name, to, by: base.by, result: outcome, versionBefore: result.versionBefore, version: result.version, conflicts: result.conflicts },
      `breaker ${spec.name} ${to}: ${describeSwitch(spec.switch)} ${to === 'open' ? 'on' : 'off'}${result.changed ? '' : ' (it already was)'}`,
    );
  }
}

const withProbe = (probe: 'up' | 'down' | undefined) => (probe ? { probe } : {});
