import { randomUUID } from 'node:crypto';
import { FaultBook } from './faults.js';
import { Ledger, type LedgerTransfer } from './ledger.js';
import { SEED, isLive, newConversation, type NewConversation, type SimConversation, type SimParticipant, type SimQueue } from './model.js';
import { SlidingWindow } from './rate-limit.js';
import { TokenStore, type TokenRecord } from './tokens.js';

/** Settings that can change at run time (`POST /__sim/config`). All are numbers ≥ 0. */
export interface SimSettings {
  /** Requests per minute per access token (Genesys default 300). 0 disables. */
  rateLimitPerMinute: number;
  /** Requests per minute for the whole org, all tokens together (the 2026 org-level limits). 0 disables. */
  orgRateLimitPerMinute: number;
  /** Time between a transfer's 202 and the transfer showing in the conversation (ms). */
  transferDelayMs: number;
  /** Lifetime of issued tokens (`expires_in`, s). */
  tokenTtlSec: number;
  /** Latency added to every API answer (ms). */
  latencyMs: number;
  /** Default time after which a new conversation's customer hangs up (ms); 0 = never. */
  hangupAfterMs: number;
}

/** Defaults of SimSettings: Genesys-like limits, instant transfers, 24 h tokens, callers who wait. */
export const DEFAULT_SETTINGS: Readonly<SimSettings> = Object.freeze({
  rateLimitPerMinute: 300,
  orgRateLimitPerMinute: 0,
  transferDelayMs: 0,
  tokenTtlSec: 86_400,
  latencyMs: 0,
  hangupAfterMs: 0,
});

/** Where a transfer goes, as the request named it. */
export type TransferTarget = LedgerTransfer['target'];

/** Why a transfer request is refused (a Genesys status and code), or the leg and queue it applies to. */
export type TransferCheck =
  | { ok: true; conv: SimConversation; leg: SimParticipant; queue?: SimQueue }
  | { ok: false; status: number; code: string; message: string };

/** Options of SimEngine. */
export interface EngineOptions {
  settings?: Partial<SimSettings>;
  clients?: Record<string, string>;
  queues?: SimQueue[];
  seed?: number;
  now?: () => number;
  requestLedgerLimit?: number;
}

/**
 * The simulated org: conversations and their lifecycles, queues, OAuth clients and tokens, rate-limit windows,
 * faults and the ledger. No HTTP here; api.ts and control.ts put it on the wire.
 */
export class SimEngine {
  readonly settings: SimSettings;
  readonly clients: Map<string, string>;
  readonly queues: Map<string, SimQueue>;
  readonly conversations = new Map<string, SimConversation>();
  readonly tokens = new TokenStore();
  readonly ledger: Ledger;
  readonly faults: FaultBook;
  readonly orgWindow = new SlidingWindow();
  readonly now: () => number;
  tokensIssued = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(opts: EngineOptions = {}) {
    this.settings = { ...DEFAULT_SETTINGS, ...opts.settings };
    this.clients = new Map(Object.entries(opts.clients ?? { [SEED.clientId]: SEED.clientSecret }));
    this.queues = new Map([SEED.fallbackQueue, SEED.billingQueue, ...(opts.queues ?? [])].map((q) => [q.id, { ...q }]));
    this.ledger = new Ledger(opts.requestLedgerLimit);
    this.faults = new FaultBook(opts.seed ?? 1);
    this.now = opts.now ?? Date.now;
  }

  /** Runs `fn` after `ms` of real time (at once for 0); cancelled by stop(). */
  later(ms: number, fn: () => void): void {
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** Resolves after `ms` of real time (a stop() leaves it pending: its request is being torn down anyway). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.later(ms, resolve));
  }

  /** Cancels every pending lifecycle step (hang-ups, transfer completions, latencies). */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  // ---- conversations ------------------------------------------------------------------------------------

  /** A new live call: customer and bot connected; the customer hangs up after the configured time. */
  createConversation(opts: NewConversation = {}): SimConversation {
    const conv = newConversation(opts, this.now());
    this.conversations.set(conv.id, conv);
    const hangupAfterMs = opts.hangupAfterMs ?? this.settings.hangupAfterMs;
    if (hangupAfterMs > 0) this.later(hangupAfterMs, () => this.hangup(conv));
    return conv;
  }

  /** The customer hangs up: every live leg disconnects and the conversation ends. */
  hangup(conv: SimConversation): void {
    if (conv.endTime) return;
    const t = new Date(this.now()).toISOString();
    for (const p of conv.participants) {
      if (!isLive(p)) continue;
      p.state = 'disconnected';
      p.disconnectType = p.purpose === 'customer' ? 'endpoint' : 'peer';
      p.endTime = t;
    }
    conv.endTime = t;
  }

  // ---- tokens and limits --------------------------------------------------------------------------------

  /** Issues a token to a known client with the right secret; undefined otherwise. */
  issueToken(clientId: string | undefined, secret: string | undefined): { accessToken: string; record: TokenRecord } | undefined {
    if (!clientId || this.clients.get(clientId) !== secret) return undefined;
    this.tokensIssued += 1;
    return this.tokens.issue(clientId, this.settings.tokenTtlSec, this.now());
  }

  /**
   * Admission under the per-token and org limits at `t`: 0 and the request is counted in both windows, or the
   * milliseconds until it would fit (nothing counted: a refused request takes no slot).
   */
  admit(token: TokenRecord, t: number): number {
    const wait = Math.max(token.window.waitMs(this.settings.rateLimitPerMinute, t), this.orgWindow.waitMs(this.settings.orgRateLimitPerMinute, t));
    if (wait > 0) return wait;
    if (this.settings.rateLimitPerMinute > 0) token.window.add(t);
    if (this.settings.orgRateLimitPerMinute > 0) this.orgWindow.add(t);
    return 0;
  }

  /** Records that `token` was told to wait `seconds` from `t`: a request before then counts as early. */
  giveRetryAfter(token: TokenRecord | undefined, seconds: number, t: number): void {
    // "The Retry-After it was last given": the latest answer defines the wait, even if shorter than an earlier one.
    if (token) token.retryAfterUntil = t + seconds * 1000;
  }

  // ---- transfers ----------------------------------------------------------------------------------------

  /** Checks a transfer request the way Genesys answers it (codes from genesys-cloud.md §6). */
  checkTransfer(conversationId: string, participantId: string, target: TransferTarget): TransferCheck {
    const conv = this.conversations.get(conversationId);
    if (!conv) return { ok: false, status: 404, code: 'conversation.error.conversation.not.found', message: `Conversation ${conversationId} not found` };
    const leg = conv.participants.find((p) => p.id === participantId);
    // Not a verified Genesys code; a participant that does not exist is a wrong id, not a finished call.
    if (!leg) return { ok: false, status: 404, code: 'conversation.error.participant.not.found', message: `Participant ${participantId} not found` };
    if (leg.purpose === 'customer') return { ok: false, status: 400, code: 'bad.request', message: 'You are not a connected participant on the call' };
    if (conv.endTime || !isLive(leg) || leg.state !== 'connected')
      return { ok: false, status: 400, code: 'conversations.error.transfer.not.connected', message: 'The participant to transfer is not connected.' };
    let queue: SimQueue | undefined;
    if (target.queueId !== undefined || target.queueName !== undefined) {
      queue = target.queueId !== undefined ? this.queues.get(target.queueId) : [...this.queues.values()].find((q) => q.name === target.queueName);
      // A bad queue id is a 400, not a 404 (genesys-cloud.md §6).
      if (!queue) return { ok: false, status: 400, code: 'conversations.error.queue.not.found', message: 'The specified queue was not found.' };
    } else if (target.userId === undefined && target.address === undefined) {
      return { ok: false, status: 400, code: 'bad.request', message: 'A transfer target (queueId, queueName, userId or address) is required.' };
    }
    if (target.address !== undefined && sameAddress(target.address, leg.address))
      return { ok: false, status: 400, code: 'conversations.error.transfer.same.party', message: 'Cannot transfer a participant to itself.' };
    return { ok: true, conv, leg, ...(queue ? { queue } : {}) };
  }

  /**
   * Applies an accepted transfer: a Pending `recentTransfers` entry now; after the transfer delay the bot leg
   * disconnects with `transfer`, the target's leg joins (acd for a queue, an alerting agent, an ivr flow for a
   * number) and the entry turns Complete. A call that ended meanwhile turns it Canceled; `fail` turns it Failed
   * and leaves the bot leg connected.
   */
  applyTransfer(
    check: Extract<TransferCheck, { ok: true }>,
    target: TransferTarget,
    endpoint: string,
    token: TokenRecord,
    opts: { fail?: boolean; replyDropped?: boolean } = {},
  ): LedgerTransfer {
    const { conv, leg, queue } = check;
    const at = this.now();
    const id = randomUUID();
    const entry: LedgerTransfer = {
      id,
      at,
      conversationId: conv.id,
      participantId: leg.id,
      endpoint,
      target,
      clientId: token.clientId,
      tokenId: token.tokenId,
      state: 'Pending',
      replyDropped: opts.replyDropped ?? false,
    };
    this.ledger.addTransfer(entry);
    const recent = {
      id,
      state: 'Pending' as SimConversation['recentTransfers'][number]['state'],
      dateIssued: new Date(at).toISOString(),
      transferType: 'Unattended' as const,
      destination: queue ? { queueId: queue.id } : target.userId ? { userId: target.userId } : { address: target.address! },
    };
    conv.recentTransfers.push(recent);
    this.later(this.settings.transferDelayMs, () => {
      if (conv.endTime) {
        recent.state = 'Canceled';
        return this.ledger.settleTransfer(entry, 'Canceled');
      }
      if (opts.fail || !isLive(leg)) {
        recent.state = 'Failed';
        return this.ledger.settleTransfer(entry, 'Failed');
      }
      const t = new Date(this.now()).toISOString();
      leg.state = 'disconnected';
      leg.disconnectType = 'transfer';
      leg.endTime = t;
      const base = { id: randomUUID(), startTime: t, connectedTime: t, state: 'connected' };
      if (queue) conv.participants.push({ ...base, purpose: 'acd', queueId: queue.id, name: queue.name });
      else if (target.userId) conv.participants.push({ ...base, purpose: 'agent', userId: target.userId, state: 'alerting', connectedTime: undefined });
      else conv.participants.push({ ...base, purpose: 'ivr', address: target.address, name: 'Architect inbound flow' });
      recent.state = 'Complete';
      this.ledger.settleTransfer(entry, 'Complete');
    });
    return entry;
  }

  /** Forgets the ledger, limits and faults (conversations, queues and tokens stay). */
  reset(): void {
    this.ledger.reset();
    this.orgWindow.clear();
    this.tokens.resetLimits();
    this.faults.clear();
  }
}

function sameAddress(a: string | undefined, b: string | undefined): boolean {
  const norm = (s: string | undefined) => s?.trim().replace(/^(tel|sip|sips):/i, '').toLowerCase();
  return a !== undefined && b !== undefined && norm(a) === norm(b);
}
