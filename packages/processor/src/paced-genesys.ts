import type { Target } from '@fallback/core';
import { GenesysApiError, isGenesysApiError, type ConversationView, type GenesysClient, type TransferStrategy } from '@fallback/genesys';
import { randomUUID } from 'node:crypto';
import type { Admission, SendPermit } from '@fallback/queue';

/** Per-call pacing limit: how long this call may wait for its slot before it is handed back. */
export interface CallOptions {
  maxWaitMs?: number;
}

/** The Genesys surface the processor uses. */
export interface GenesysPort {
  getConversation(conversationId: string, opts?: CallOptions): Promise<ConversationView>;
  transfer(conversationId: string, participantId: string, target: Target, strategy: TransferStrategy, opts?: CallOptions): Promise<void>;
}

/** The pacer surface (packages/queue RedisPacer). */
export interface Pacer {
  /** True when a request budget is set; sends of one client are then serialised. */
  readonly paced: boolean;
  acquire(clientIds: readonly string[], maxWaitMs: number): Promise<Admission>;
  block(clientId: string, ms: number): Promise<number>;
  blockedFor(clientId: string): Promise<number>;
  beginSend(clientId: string, holder: string, holdMs: number): Promise<SendPermit>;
  endSend(clientId: string, holder: string): Promise<void>;
}

/** One OAuth client: its id and a client (without a gate of its own) that authenticates as it. */
export interface ClientSlot {
  clientId: string;
  client: Pick<GenesysClient, 'getConversation' | 'transfer'>;
}

/** Options of PacedGenesys. */
export interface PacedGenesysOptions {
  clients: readonly ClientSlot[];
  /** Shared pacer; without one, requests go unpaced (429s still hand jobs back through the processor). */
  pacer?: Pacer;
  /**
   * Unpaced (no budget) and told of other processes' blocks by a subscription (RedisPacer.watchBlocks, wired to
   * `noteBlock`): requests then skip the pacer's Redis round trip and check this process's block map only.
   */
  blocksWatched?: boolean;
  /** Default for calls that do not say how long they may wait (ms). */
  defaultMaxWaitMs: number;
  /** Longest a request can take (its timeout, ms): bounds the in-flight mark of a sender that dies. */
  requestTimeoutMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** A request left while this process knew the client was blocked by a Retry-After: must never happen. */
  onEarlyRequest?: (clientId: string) => void;
  /** Genesys answered 429 to `clientId`. */
  onRateLimited?: (clientId: string, retryAfterMs: number) => void;
}

/** The error a call gets when its slot is further away than it may wait. Kind rate-limited, code client.pacing. */
export function pacingDelay(waitMs: number): GenesysApiError {
  return new GenesysApiError({
    kind: 'rate-limited',
    status: 0,
    code: 'client.pacing',
    retryAfterMs: waitMs,
    request: { method: 'PACE', path: '(pacer)' },
    message: `next Genesys request slot is ${waitMs} ms away`,
  });
}

/**
 * Genesys calls through the shared pacer, over one or several OAuth clients: each call takes the earliest slot
 * among the clients, waits for it, and (when a budget is set) waits for the client's previous request to be
 * answered, so a 429 is always recorded before the next request leaves. A 429 blocks its client for everyone for
 * the Retry-After. Without a budget (benchmarks, or a raised Genesys limit) requests overlap: a 429 then stops
 * everything sent after it is seen, but requests already on the wire arrive after it.
 */
export class PacedGenesys implements GenesysPort {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** What this process learned from 429s: client → epoch ms before which nothing may be sent. */
  private readonly localBlocks = new Map<string, number>();
  private next = 0;

  constructor(private readonly opts: PacedGenesysOptions) {
    if (opts.clients.length === 0) throw new Error('PacedGenesys needs at least one OAuth client');
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  getConversation(conversationId: string, opts?: CallOptions): Promise<ConversationView> {
    return this.call(opts, (c) => c.getConversation(conversationId));
  }

  transfer(conversationId: string, participantId: string, target: Target, strategy: TransferStrategy, opts?: CallOptions): Promise<void> {
    return this.call(opts, (c) => c.transfer(conversationId, participantId, target, strategy));
  }

  /** A block another process recorded (from the pacer's subscription): honoured locally from now on. */
  noteBlock(clientId: string, remainingMs: number): void {
    this.localBlocks.set(clientId, Math.max(this.localBlocks.get(clientId) ?? 0, this.now() + remainingMs));
  }

  /** Round robin over the clients that are not blocked; a pacing delay when all are. */
  private unpacedSlot(): ClientSlot {
    const { clients } = this.opts;
    const now = this.now();
    let soonest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < clients.length; i += 1) {
      const slot = clients[(this.next + i) % clients.length]!;
      const until = this.localBlocks.get(slot.clientId) ?? 0;
      if (until <= now) {
        this.next += i + 1;
        return slot;
      }
      soonest = Math.min(soonest, until - now);
    }
    throw pacingDelay(soonest);
  }

  /** Books a slot, waits for it, and (paced) waits for the client's previous request to be answered. */
  private async admit(maxWaitMs: number, sendId: string): Promise<{ slot: ClientSlot; serialised: boolean }> {
    const { pacer, clients } = this.opts;
    if (!pacer || (this.opts.blocksWatched && !pacer.paced)) return { slot: this.unpacedSlot(), serialised: false };
    const started = this.now();
    const admission = await pacer.acquire(
      clients.map((c) => c.clientId),
      maxWaitMs,
    );
    if (!admission.booked) throw pacingDelay(admission.waitMs);
    const slot = clients[admission.index]!;
    if (admission.waitMs > 0) await this.sleep(admission.waitMs);
    if (!pacer.paced) {
      // Unpaced: only a Retry-After that started while we slept can stop us.
      const blocked = admission.waitMs > 0 ? await pacer.blockedFor(slot.clientId) : 0;
      if (blocked > 0) throw pacingDelay(blocked);
      return { slot, serialised: false };
    }
    for (let pause = 2; ; pause = Math.min(pause * 2, 25)) {
      const permit = await pacer.beginSend(slot.clientId, sendId, this.opts.requestTimeoutMs + 2000);
      if (permit.ok) return { slot, serialised: true };
      // A 429 arrived meanwhile: its Retry-After outranks our booking.
      if ('blockedMs' in permit) throw pacingDelay(permit.blockedMs);
      if (this.now() - started > maxWaitMs) throw pacingDelay(pause);
      await this.sleep(pause);
    }
  }

  private async call<T>(opts: CallOptions | undefined, fn: (client: ClientSlot['client']) => Promise<T>): Promise<T> {
    const sendId = randomUUID();
    const { slot, serialised } = await this.admit(opts?.maxWaitMs ?? this.opts.defaultMaxWaitMs, sendId);
    if (!this.opts.blocksWatched && (this.localBlocks.get(slot.clientId) ?? 0) > this.now()) this.opts.onEarlyRequest?.(slot.clientId);
    try {
      return await fn(slot.client);
    } catch (err) {
      // Only a real 429 from Genesys blocks the client for everyone (our own refusals carry status 0).
      if (isGenesysApiError(err) && err.kind === 'rate-limited' && err.status === 429) {
        const ms = err.retryAfterMs ?? 1000;
        this.localBlocks.set(slot.clientId, Math.max(this.localBlocks.get(slot.clientId) ?? 0, this.now() + ms));
        this.opts.onRateLimited?.(slot.clientId, ms);
        await this.opts.pacer?.block(slot.clientId, ms);
      }
      throw err;
    } finally {
      // After any block is recorded: the next request of this client may leave now.
      if (serialised) await this.opts.pacer!.endSend(slot.clientId, sendId).catch(() => undefined);
    }
  }
}
