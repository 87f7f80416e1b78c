import { randomBytes } from 'node:crypto';
import { GenesysApiError, type Admission, type RequestContext, type RequestGate } from '@fallback/genesys';
import type { PacerAdmission } from '@fallback/queue';

/** The pacer surface the gate needs (packages/queue RedisPacer). */
export interface Pacer {
  /** Requests per client in the window; 0 = unpaced. */
  readonly budget: number;
  /** Requests of one client under way at once when paced (0 unpaced). */
  readonly maxInFlight: number;
  admit(clientIds: readonly string[], holder: string, holdMs: number, priority: 'high' | 'low'): Promise<PacerAdmission>;
  end(clientId: string, holder: string, result: { sent: boolean; retryAfterMs?: number }): Promise<void>;
  block(clientId: string, ms: number): Promise<number>;
}

/** Options of PacerGate. */
export interface PacerGateOptions {
  pacer: Pacer;
  /** The OAuth clients, in the GenesysClient's credential order. */
  clientIds: readonly string[];
  /** Longest one admitted request can hold its client: the token fetch plus the request (ms). */
  holdMs: number;
  /**
   * Unpaced and told of other processes' blocks by a subscription (RedisPacer.watchBlocks → noteBlock): requests
   * then skip the pacer's Redis round trip and check this process's block map only.
   */
  blocksWatched?: boolean;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** A request left while this process knew its client was blocked by a Retry-After: must never happen. */
  onEarlyRequest?: (clientId: string) => void;
  /** Genesys answered 429 to `clientId`. */
  onRateLimited?: (clientId: string, retryAfterMs: number) => void;
}

/** The error a request gets when its slot is further away than it may wait. Kind rate-limited, status 0. */
export function pacingDelay(waitMs: number, code = 'client.pacing', why = 'next Genesys request slot'): GenesysApiError {
  return new GenesysApiError({
    kind: 'rate-limited',
    status: 0,
    code,
    retryAfterMs: Math.max(1, Math.ceil(waitMs)),
    request: { method: 'PACE', path: '(pacer)' },
    message: `${why} is ${Math.ceil(waitMs)} ms away`,
  });
}

interface Waiter {
  ctx: RequestContext;
  only: number | undefined;
  since: number;
  seq: number;
  resolve: (a: Admission) => void;
  reject: (e: Error) => void;
}

/**
 * The request gate of the worker: every Genesys API request (reads, analytics, transfers, the 401 retry) passes
 * it. Across processes, the Redis pacer keeps each OAuth client's budget, Retry-After blocks and in-flight hold;
 * within a process the gate queues requests by priority — a caller waiting for a first transfer before a
 * confirmation — and asks Redis only for the request at the head (one Redis round trip per admission, none while
 * this process's own request of the client is still under way).
 */
export class PacerGate implements RequestGate {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly waiters: Waiter[] = [];
  private readonly localInFlight: number[];
  private readonly localBlocks: number[];
  private pumping = false;
  private wake: (() => void) | undefined;
  private seq = 0;
  private rr = 0;
  private readonly holderPrefix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  /** Requests in each client's window, as Redis last said (for `pressure`). */
  private readonly used: number[];
  /** When a request was last refused for the budget or a block (epoch ms). */
  private lastScarcity = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: PacerGateOptions) {
    if (opts.clientIds.length === 0) throw new Error('PacerGate needs at least one OAuth client');
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.localInFlight = opts.clientIds.map(() => 0);
    this.localBlocks = opts.clientIds.map(() => 0);
    this.used = opts.clientIds.map(() => 0);
  }

  /** A block another process recorded (from the pacer's subscription): honoured locally from now on. */
  noteBlock(clientId: string, remainingMs: number): void {
    const i = this.opts.clientIds.indexOf(clientId);
    if (i >= 0) this.localBlocks[i] = Math.max(this.localBlocks[i]!, this.now() + remainingMs);
  }

  /**
   * True while callers compete for the budget: callers' requests wait in this process (a burst), one was refused
   * for the budget (or a Retry-After) in the last two seconds, or every client has used half of its window.
   * Confirmations are then deferred and batched instead of read one by one: a burst is when budget runs out.
   */
  pressure(): boolean {
    const { budget } = this.opts.pacer;
    if (budget === 0) return false;
    return this.waiters.some((w) => w.ctx.priority === 'high') || this.now() - this.lastScarcity < 2000 || this.used.every((u) => u * 2 >= budget);
  }

  admit(ctx: RequestContext, only?: number): Promise<Admission> {
    if (this.unpacedLocal()) {
      try {
        return Promise.resolve(this.admitLocally(ctx, only));
      } catch (err) {
        return Promise.reject(err as Error);
      }
    }
    return new Promise<Admission>((resolve, reject) => {
      this.waiters.push({ ctx, only, since: this.now(), seq: this.seq++, resolve, reject });
      this.kick();
    });
  }

  private unpacedLocal(): boolean {
    return this.opts.pacer.budget === 0 && this.opts.blocksWatched === true;
  }

  /** Unpaced with blocks heard by subscription: round robin over the clients that are not blocked. */
  private admitLocally(_ctx: RequestContext, only: number | undefined): Admission {
    const n = this.opts.clientIds.length;
    const now = this.now();
    let soonest = Number.POSITIVE_INFINITY;
    for (let k = 0; k < n; k += 1) {
      const i = only ?? (this.rr + k) % n;
      if (this.localBlocks[i]! <= now) {
        if (only === undefined) this.rr = i + 1;
        return this.admission(i, `${this.holderPrefix}-${this.seq++}`, false);
      }
      soonest = Math.min(soonest, this.localBlocks[i]! - now);
      if (only !== undefined) break;
    }
    throw pacingDelay(soonest, 'client.blocked', 'the end of a Retry-After');
  }

  private admission(index: number, holder: string, viaRedis: boolean): Admission {
    const clientId = this.opts.clientIds[index]!;
    if (this.localBlocks[index]! > this.now()) this.opts.onEarlyRequest?.(clientId);
    let ended = false;
    return {
      index,
      end: async ({ sent, retryAfterMs }) => {
        if (ended) return;
        ended = true;
        try {
          if (retryAfterMs !== undefined) {
            this.localBlocks[index] = Math.max(this.localBlocks[index]!, this.now() + retryAfterMs);
            this.opts.onRateLimited?.(clientId, retryAfterMs);
          }
          if (viaRedis) await this.opts.pacer.end(clientId, holder, { sent, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
          else if (retryAfterMs !== undefined) await this.opts.pacer.block(clientId, retryAfterMs);
        } finally {
          if (viaRedis) {
            this.localInFlight[index] = this.localInFlight[index]! - 1;
            this.kick();
          }
        }
      },
    };
  }

  private kick(): void {
    if (this.wake) {
      const w = this.wake;
      this.wake = undefined;
      w();
    }
    if (!this.pumping) {
      this.pumping = true;
      void this.pump().finally(() => {
        this.pumping = false;
        if (this.waiters.length > 0) this.kick();
      });
    }
  }

  /** The next waiter: high priority first, then first come. */
  private head(): Waiter | undefined {
    let best: Waiter | undefined;
    for (const w of this.waiters) {
      if (!best || (w.ctx.priority === 'high' && best.ctx.priority === 'low') || (w.ctx.priority === best.ctx.priority && w.seq < best.seq)) best = w;
    }
    return best;
  }

  private remove(w: Waiter): void {
    const i = this.waiters.indexOf(w);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  /** Waits until a local end (or a new waiter) wakes the pump, or `ms` passes. */
  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        this.wake = undefined;
        resolve();
      };
      this.wake = finish;
      void this.sleep(ms).then(finish);
    });
  }

  private async pump(): Promise<void> {
    const { pacer, clientIds } = this.opts;
    const max = pacer.maxInFlight;
    while (this.waiters.length > 0) {
      const w = this.head()!;
      // Clients this process may still send on (its own request of a serialised client is under way).
      const candidates = clientIds.map((_, i) => i).filter((i) => (w.only === undefined || i === w.only) && (max === 0 || this.localInFlight[i]! < max));
      if (candidates.length === 0) {
        await this.idle(50);
        continue;
      }
      const holder = `${this.holderPrefix}-${this.seq++}`;
      let r: PacerAdmission;
      try {
        r = await pacer.admit(
          candidates.map((i) => clientIds[i]!),
          holder,
          this.opts.holdMs,
          w.ctx.priority,
        );
      } catch (err) {
        // Redis unreachable: fail this waiter (its job retries); the next ones try again.
        this.remove(w);
        w.reject(err as Error);
        continue;
      }
      const index = candidates[r.index] ?? candidates[0]!;
      this.used[index] = r.used;
      if (r.admitted) {
        this.remove(w);
        if (max > 0) this.localInFlight[index] = this.localInFlight[index]! + 1;
        w.resolve(this.admission(index, holder, true));
        continue;
      }
      if (r.reason === 'deferred') {
        this.remove(w);
        w.reject(pacingDelay(r.waitMs, 'client.deferred', 'a turn for a confirmation (callers are waiting for transfers)'));
        continue;
      }
      if (r.reason === 'budget' || r.reason === 'blocked') this.lastScarcity = this.now();
      if (r.reason !== 'busy') {
        // Every waiter for the same clients that cannot wait this long is told now, without asking Redis again.
        const now = this.now();
        for (const other of [...this.waiters]) {
          if (other.only !== w.only) continue;
          const left = other.ctx.maxWaitMs - (now - other.since);
          if (r.waitMs > left) {
            this.remove(other);
            other.reject(r.reason === 'blocked' ? pacingDelay(r.waitMs, 'client.blocked', 'the end of a Retry-After') : pacingDelay(r.waitMs));
          }
        }
        if (!this.waiters.includes(w)) continue;
      }
      await this.idle(Math.max(1, Math.min(r.waitMs, 250)));
    }
  }
}
