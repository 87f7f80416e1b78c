import { randomUUID } from 'node:crypto';
import type { Models } from 'purecloud-platform-client-v2';
import { toAnalyticsConversation } from './analytics.js';
import type { RateLimitInfo, Refusal } from './errors.js';
import { FaultBook, type FailedTransferState } from './faults.js';
import { Ledger, type ChangeAuthor, type LedgerAttributePatch, type LedgerCallback, type LedgerTransfer } from './ledger.js';
import { SEED, isConnected, isLive, leg, newConversation, type NewConversation, type SimConversation, type SimParticipant, type SimQueue } from './model.js';
import {
  checkAttributes,
  checkCallback,
  emergencyGroupFields,
  newEmergencyGroup,
  updateEmergencyGroup,
  updateRow,
  type DataTableRow,
  type EmergencyGroupFields,
  type SimDataTable,
  type SimEmergencyGroup,
} from './org.js';
import { SlidingWindow } from './rate-limit.js';
import { DEFAULT_SETTINGS, type SimSettings } from './settings.js';
import { TokenStore, type TokenRecord } from './tokens.js';

/** Where a transfer goes, as the request named it. */
export type TransferTarget = LedgerTransfer['target'];

/** Why a transfer request is refused (a Genesys status and code), or the leg and queue it applies to. */
export type TransferCheck = { ok: true; conv: SimConversation; leg: SimParticipant; queue?: SimQueue } | ({ ok: false } & Refusal);

/** A participant named by a request, or the 404 Genesys answers. */
type LegLookup = { ok: true; conv: SimConversation; leg: SimParticipant } | ({ ok: false } & Refusal);

/** How an accepted transfer ends without moving the call (fail-transfer fault), and after how long. */
export interface TransferFailure {
  state: FailedTransferState;
  /** How long the entry shows Pending first (ms); default the transfer delay. */
  pendingMs?: number;
}

const NOT_CONNECTED_MESSAGE = 'You are not a connected participant on the call';
const refuse = (status: number, code: string, message: string): { ok: false } & Refusal => ({ ok: false, status, code, message });
const notFound = (what: string) => refuse(404, 'not.found', `${what} not found`);

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
  readonly emergencyGroups = new Map<string, SimEmergencyGroup>();
  readonly dataTables = new Map<string, SimDataTable>();
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
    this.seedOrg();
  }

  /** The seeded emergency group (disabled) and switch table, so demos and docs can name them (SEED). */
  private seedOrg(): void {
    const g = SEED.emergencyGroup;
    this.createEmergencyGroup({
      id: g.id,
      name: g.name,
      description: 'Inbound flows send new callers around the Cognigy bot while it is enabled.',
      emergencyCallFlows: [{ emergencyFlow: { ...SEED.emergencyFlow }, ivrs: [] }],
    });
    const t = SEED.datatable;
    this.createDataTable({ id: t.id, name: t.name, fields: { enabled: 'boolean', reason: 'string' }, rows: [{ key: t.rowId, enabled: false, reason: '' }] });
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

  /** The limit a refused request hit (`ErrorBody.limit`; key names from Genesys' limits page, org key an assumption). */
  limitHit(token: TokenRecord, t: number): RateLimitInfo {
    const perToken = this.settings.rateLimitPerMinute;
    if (perToken > 0 && token.window.waitMs(perToken, t) > 0)
      return { maxRequests: perToken, limit: { key: 'client.credentials.token.rate.per.minute', namespace: 'platform.api', value: perToken } };
    const org = this.settings.orgRateLimitPerMinute;
    return { maxRequests: org, limit: { key: 'org.rate.per.minute', namespace: 'platform.api', value: org } };
  }

  /** Records that `token` was told to wait `seconds` from `t`: a request before then counts as early. */
  giveRetryAfter(token: TokenRecord | undefined, seconds: number, t: number): void {
    // "The Retry-After it was last given": the latest answer defines the wait, even if shorter than an earlier one.
    if (token) token.retryAfterUntil = t + seconds * 1000;
  }

  // ---- transfers ----------------------------------------------------------------------------------------

  /** The conversation and participant a request names, or Genesys' plain 404 `not.found` for either. */
  findLeg(conversationId: string, participantId: string): LegLookup {
    const conv = this.conversations.get(conversationId);
    // Assumption: a POST about an unknown conversation answers the same plain not.found as one about an unknown participant.
    if (!conv) return notFound(`Conversation ${conversationId}`);
    const found = conv.participants.find((p) => p.id === participantId);
    return found ? { ok: true, conv, leg: found } : notFound(`Participant ${participantId}`);
  }

  /** The refusal of a transfer naming a leg that is not connected, as the `notConnectedAnswer` setting says. */
  notConnected(): { ok: false } & Refusal {
    switch (this.settings.notConnectedAnswer) {
      case 'not.connected':
        return refuse(400, 'conversations.error.transfer.not.connected', 'The participant to transfer is not connected.');
      case 'not.active':
        return refuse(403, 'conversation.error.forbidden.not.active.participant', 'The participant is not an active participant on the conversation.');
      default:
        return refuse(400, 'bad.request', NOT_CONNECTED_MESSAGE);
    }
  }

  /**
   * Checks a transfer request the way Genesys answers it (docs/genesys-contract.md §5, §6): unknown conversation or
   * participant → 404 `not.found`; the customer leg → 400 `bad.request`; a leg that ended or a call that is over →
   * the `notConnectedAnswer` refusal; then the target (unknown queue → 400, own address → 400 same.party).
   */
  checkTransfer(conversationId: string, participantId: string, target: TransferTarget): TransferCheck {
    const found = this.findLeg(conversationId, participantId);
    if (!found.ok) return found;
    const { conv, leg: named } = found;
    if (named.purpose === 'customer') return refuse(400, 'bad.request', NOT_CONNECTED_MESSAGE);
    if (!isConnected(conv, named)) return this.notConnected();
    let queue: SimQueue | undefined;
    if (target.queueId !== undefined || target.queueName !== undefined) {
      queue = target.queueId !== undefined ? this.queues.get(target.queueId) : [...this.queues.values()].find((q) => q.name === target.queueName);
      // A bad queue id is a 400, not a 404 (docs/genesys-contract.md §6).
      if (!queue) return refuse(400, 'conversations.error.queue.not.found', 'The specified queue was not found.');
    } else if (target.userId === undefined && target.address === undefined) {
      return refuse(400, 'bad.request', 'A transfer target (queueId, queueName, userId or address) is required.');
    }
    if (target.address !== undefined && sameAddress(target.address, named.address))
      return refuse(400, 'conversations.error.transfer.same.party', 'Cannot transfer a participant to itself.');
    return { ok: true, conv, leg: named, ...(queue ? { queue } : {}) };
  }

  /**
   * Applies an accepted transfer: a Pending `recentTransfers` entry now; after the transfer delay the bot leg
   * disconnects with `transfer`, the target's leg joins (acd for a queue, an alerting agent, an ivr flow for a
   * number) and the entry turns Complete. A call that ended meanwhile turns it Canceled; `fail` ends it in its
   * state after its pendingMs and leaves the bot leg connected; a leg that ended meanwhile turns it Failed.
   */
  applyTransfer(
    check: Extract<TransferCheck, { ok: true }>,
    target: TransferTarget,
    endpoint: string,
    token: TokenRecord,
    opts: { fail?: TransferFailure; replyDropped?: boolean; requestedAt?: number } = {},
  ): LedgerTransfer {
    const { conv, leg: moved, queue } = check;
    const at = this.now();
    const id = randomUUID();
    const entry: LedgerTransfer = {
      id,
      at,
      requestedAt: opts.requestedAt ?? at,
      conversationId: conv.id,
      participantId: moved.id,
      endpoint,
      target,
      clientId: token.clientId,
      tokenId: token.tokenId,
      state: 'Pending',
      replyDropped: opts.replyDropped ?? false,
    };
    this.ledger.addTransfer(entry);
    const recent: SimConversation['recentTransfers'][number] = {
      id,
      state: 'Pending',
      dateIssued: new Date(at).toISOString(),
      transferType: 'Unattended',
      // TransferDestination is {userId?, address?}: a queue transfer has no destination at all (assumption: omitted, not {}).
      ...(queue ? {} : target.userId ? { destination: { userId: target.userId } } : { destination: { address: target.address! } }),
    };
    conv.recentTransfers.push(recent);
    const settle = (state: LedgerTransfer['state'] & SimConversation['recentTransfers'][number]['state']) => {
      recent.state = state;
      this.ledger.settleTransfer(entry, state);
    };
    this.later(opts.fail?.pendingMs ?? this.settings.transferDelayMs, () => {
      if (conv.endTime) return settle('Canceled');
      if (opts.fail) return settle(opts.fail.state);
      if (!isLive(moved)) return settle('Failed');
      const t = new Date(this.now()).toISOString();
      Object.assign(moved, { state: 'disconnected', disconnectType: 'transfer', endTime: t });
      const base = { startTime: t, connectedTime: t, state: 'connected', direction: 'inbound' as const };
      if (queue) conv.participants.push(leg({ ...base, purpose: 'acd', queueId: queue.id, name: queue.name }));
      else if (target.userId) conv.participants.push(leg({ ...base, purpose: 'agent', userId: target.userId, state: 'alerting', connectedTime: undefined }));
      else conv.participants.push(leg({ ...base, purpose: 'ivr', address: target.address, name: 'Architect inbound flow' }));
      settle('Complete');
    });
    return entry;
  }

  // ---- analytics ----------------------------------------------------------------------------------------

  /** The known conversations among `ids` as analytics shows them now (`analyticsLagMs` behind); unknown ids left out. */
  analytics(ids: readonly string[]): Models.AnalyticsConversationWithoutAttributes[] {
    const asOf = this.now() - this.settings.analyticsLagMs;
    const out: Models.AnalyticsConversationWithoutAttributes[] = [];
    for (const id of ids) {
      const conv = this.conversations.get(id);
      const seen = conv && toAnalyticsConversation(conv, asOf);
      if (seen) out.push(seen);
    }
    return out;
  }

  // ---- emergency groups and data tables -----------------------------------------------------------------

  /** Adds an emergency group (control API, seeding); version 1. */
  createEmergencyGroup(fields: Partial<EmergencyGroupFields> & { id?: string; name: string }): SimEmergencyGroup {
    const group = newEmergencyGroup({ ...fields, id: fields.id ?? randomUUID() }, this.now());
    this.emergencyGroups.set(group.id, group);
    return group;
  }

  /** `PUT /api/v2/architect/emergencygroups/{id}`: the whole group with its current version; every change is a flip. */
  putEmergencyGroup(id: string, body: unknown, author: ChangeAuthor): { ok: true; group: SimEmergencyGroup } | ({ ok: false } & Refusal) {
    const current = this.emergencyGroups.get(id);
    if (!current) return notFound(`Emergency group ${id}`);
    const result = updateEmergencyGroup(current, body, this.now(), author.clientId);
    if (!result.ok) return result;
    this.emergencyGroups.set(id, result.group);
    const [before, after] = [emergencyGroupFields(current), emergencyGroupFields(result.group)];
    this.ledger.addFlip({
      at: this.now(),
      kind: 'emergencyGroup',
      id,
      name: result.group.name,
      before,
      after,
      changed: changedKeys(before, after),
      versionBefore: current.version,
      version: result.group.version,
      ...author,
    });
    return result;
  }

  /** A person edits the group in Architect (control API): the fields given change, the version goes up (a later stale PUT gets 409). */
  editEmergencyGroup(id: string, changes: Partial<EmergencyGroupFields>): { ok: true; group: SimEmergencyGroup } | ({ ok: false } & Refusal) {
    const current = this.emergencyGroups.get(id);
    if (!current) return notFound(`Emergency group ${id}`);
    return this.putEmergencyGroup(id, { ...emergencyGroupFields(current), ...changes, version: current.version }, { by: 'control' });
  }

  /** Adds a data table with its fields (other than `key`) and rows (control API, seeding). */
  createDataTable(t: { id?: string; name: string; fields: SimDataTable['fields']; rows?: DataTableRow[] }): SimDataTable {
    const table: SimDataTable = { id: t.id ?? randomUUID(), name: t.name, fields: { ...t.fields }, rows: new Map((t.rows ?? []).map((r) => [r.key, { ...r }])) };
    this.dataTables.set(table.id, table);
    return table;
  }

  /** `PUT /api/v2/flows/datatables/{id}/rows/{rowId}` (and the control API's edit): the whole row; a change is a flip. */
  putRow(datatableId: string, rowId: string, body: unknown, author: ChangeAuthor): { ok: true; row: DataTableRow } | ({ ok: false } & Refusal) {
    const table = this.dataTables.get(datatableId);
    if (!table) return notFound(`Data table ${datatableId}`);
    const current = table.rows.get(rowId);
    if (!current) return notFound(`Row ${rowId} of data table ${datatableId}`);
    const result = updateRow(table, rowId, body);
    if (!result.ok) return result;
    table.rows.set(rowId, result.row);
    this.ledger.addFlip({ at: this.now(), kind: 'datatableRow', id: rowId, datatableId, name: table.name, before: { ...current }, after: { ...result.row }, changed: changedKeys(current, result.row), ...author });
    return result;
  }

  // ---- participant attributes, callbacks, queue wait -------------------------------------------------------

  /** `PATCH …/calls/{cid}/participants/{pid}/attributes`: merges string attributes into the participant (shown in reads). */
  patchAttributes(conversationId: string, participantId: string, body: unknown, author: ChangeAuthor): { ok: true; patch: LedgerAttributePatch } | ({ ok: false } & Refusal) {
    const found = this.findLeg(conversationId, participantId);
    if (!found.ok) return found;
    const checked = checkAttributes(body);
    if (!checked.ok) return checked;
    found.leg.attributes = { ...found.leg.attributes, ...checked.attributes };
    const patch: LedgerAttributePatch = { at: this.now(), conversationId, participantId, attributes: checked.attributes, after: { ...found.leg.attributes }, ...clientOf(author) };
    this.ledger.addAttributePatch(patch);
    return { ok: true, patch };
  }

  /** `POST …/{cid}/participants/{pid}/callbacks`: validated and recorded (the callback's own conversation is not modelled). */
  createCallback(conversationId: string, participantId: string, body: unknown, author: ChangeAuthor): { ok: true; callback: LedgerCallback } | ({ ok: false } & Refusal) {
    const found = this.findLeg(conversationId, participantId);
    if (!found.ok) return found;
    const checked = checkCallback(body, this.queues);
    if (!checked.ok) return checked;
    const callback: LedgerCallback = { at: this.now(), conversationId, participantId, body: checked.command, ...clientOf(author) };
    this.ledger.addCallback(callback);
    return { ok: true, callback };
  }

  /** A queue's estimated wait (s), or a 404 for a queue the org does not have. */
  estimatedWait(queueId: string): { ok: true; seconds: number } | ({ ok: false } & Refusal) {
    const queue = this.queues.get(queueId);
    return queue ? { ok: true, seconds: queue.estimatedWaitTimeSeconds ?? 0 } : notFound(`Queue ${queueId}`);
  }

  /** Forgets the ledger, limits and faults (conversations, queues and tokens stay). */
  reset(): void {
    this.ledger.reset();
    this.orgWindow.clear();
    this.tokens.resetLimits();
    this.faults.clear();
  }
}

/** Keys whose values differ between two flat-or-nested records (compared as JSON). */
function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

const clientOf = (a: ChangeAuthor) => ({ ...(a.clientId ? { clientId: a.clientId } : {}), ...(a.tokenId ? { tokenId: a.tokenId } : {}) });

function sameAddress(a: string | undefined, b: string | undefined): boolean {
  const norm = (s: string | undefined) => s?.trim().replace(/^(tel|sip|sips):/i, '').toLowerCase();
  return a !== undefined && b !== undefined && norm(a) === norm(b);
}
