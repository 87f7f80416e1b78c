import type { Target } from '@fallback/core';

/**
 * One participant, normalized from either read endpoint (genesys-cloud.md §5):
 * `GET /api/v2/conversations/calls/{id}` puts state at the top of each participant, while
 * `GET /api/v2/conversations/{id}` nests it in `calls[]`. Everything downstream sees only this shape.
 */
export interface Leg {
  id: string;
  /** Lower-cased purpose: customer, external, ivr, acd, agent, user, … ('unknown' if absent). */
  purpose: string;
  /** Lower-cased call state: connected, disconnected, terminated, alerting, … ('unknown' if absent). */
  state: string;
  disconnectType?: string;
  startTime?: string;
  connectedTime?: string;
  endTime?: string;
  address?: string;
  /** Display name; for an acd leg Genesys shows the queue's name. */
  name?: string;
  queueId?: string;
  userId?: string;
}

/** A recent transfer (`recentTransfers[]`), normalized. */
export interface RecentTransfer {
  id?: string;
  /** Pending | Active | Complete | Canceled | Failed | Timeout | Unknown (as Genesys spells it). */
  state: string;
  dateIssued?: string;
  destination?: { queueId?: string; userId?: string; address?: string };
}

/** A conversation, normalized. */
export interface ConversationView {
  id: string;
  /** Set when the whole conversation ended (generic endpoint only). */
  endTime?: string;
  /** Conversation-level state, lower-cased (generic endpoint only). */
  state?: string;
  participants: Leg[];
  recentTransfers: RecentTransfer[];
}

type Json = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const lower = (v: string | undefined): string | undefined => v?.toLowerCase();

function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

const ENDED_STATES = new Set(['disconnected', 'terminated']);
const LIVE_STATES = new Set(['connected', 'alerting', 'dialing', 'contacting', 'offering']);

/**
 * The media entry of a generic-shape participant (`calls[]`) that stands for the leg: a live one if any
 * (a participant can carry an ended call and a newer live one), else the last.
 */
function currentCall(p: Json): Json | undefined {
  const calls = arr(p['calls']).map(obj).filter((c): c is Json => c !== undefined);
  return calls.find((c) => LIVE_STATES.has(lower(str(c['state'])) ?? '')) ?? calls.at(-1);
}

function parseLeg(raw: unknown): Leg | undefined {
  const p = obj(raw);
  const id = str(p?.['id']);
  if (!p || !id) return undefined;
  const call = currentCall(p);
  const queue = obj(p['queue']);
  const user = obj(p['user']);
  const state = lower(str(p['state']) ?? str(call?.['state'])) ?? 'unknown';
  return compact({
    id,
    purpose: lower(str(p['purpose'])) ?? 'unknown',
    state,
    disconnectType: str(p['disconnectType']) ?? str(call?.['disconnectType']),
    startTime: str(p['startTime']),
    connectedTime: str(p['connectedTime']) ?? str(call?.['connectedTime']),
    // A live call's disconnectedTime cannot be set; only an ended one's ends the leg.
    endTime: str(p['endTime']) ?? (LIVE_STATES.has(state) ? undefined : str(call?.['disconnectedTime'])),
    address: str(p['address']),
    name: str(p['name']) ?? str(queue?.['name']),
    queueId: str(p['queueId']) ?? str(queue?.['id']),
    userId: str(p['userId']) ?? str(user?.['id']),
  });
}

function parseTransfer(raw: unknown): RecentTransfer | undefined {
  const t = obj(raw);
  if (!t) return undefined;
  const d = obj(t['destination']);
  const destination = d
    ? compact({
        queueId: str(d['queueId']) ?? str(obj(d['queue'])?.['id']),
        userId: str(d['userId']) ?? str(obj(d['user'])?.['id']),
        address: str(d['address']),
      })
    : undefined;
  return compact({
    id: str(t['id']),
    state: str(t['state']) ?? 'Unknown',
    dateIssued: str(t['dateIssued']),
    destination: destination && Object.keys(destination).length > 0 ? destination : undefined,
  });
}

/** Parses either conversation shape; throws on something that is not a conversation at all. */
export function parseConversation(json: unknown): ConversationView {
  const c = obj(json);
  const id = str(c?.['id']);
  if (!c || !id) throw new TypeError('not a Genesys conversation: no id');
  if (c['participants'] !== undefined && !Array.isArray(c['participants']))
    throw new TypeError('not a Genesys conversation: participants is not a list');
  return compact({
    id,
    endTime: str(c['endTime']),
    state: lower(str(c['state'])),
    participants: arr(c['participants']).map(parseLeg).filter((l): l is Leg => l !== undefined),
    recentTransfers: arr(c['recentTransfers']).map(parseTransfer).filter((t): t is RecentTransfer => t !== undefined),
  });
}

/** True for a leg that has hung up. */
export function isEnded(leg: Leg): boolean {
  return ENDED_STATES.has(leg.state) || leg.endTime !== undefined;
}

/** True for a leg that is ringing or talking (not ended). */
export function isLiveLeg(leg: Leg): boolean {
  return LIVE_STATES.has(leg.state) && !isEnded(leg);
}

/**
 * Why a call counts as over (genesys-cloud.md §5), or undefined while the caller is still there:
 * the conversation has an `endTime` or an ended state (generic shape), every customer leg has disconnected or
 * terminated, or (no customer leg at all) every leg has.
 */
export function callOverReason(view: ConversationView): string | undefined {
  if (view.endTime) return 'conversation ended';
  if (view.state && ENDED_STATES.has(view.state)) return `conversation ${view.state}`;
  const customers = view.participants.filter((p) => p.purpose === 'customer');
  if (customers.length > 0 && customers.every(isEnded)) return 'customer disconnected';
  if (customers.length === 0 && view.participants.length > 0 && view.participants.every(isEnded)) return 'all participants disconnected';
  return undefined;
}

/** Address for comparison: `tel:`/`sip:` scheme, spaces and case do not make two addresses different. */
export function normalizeAddress(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  return address.trim().replace(/^(tel|sip|sips):/i, '').replace(/\s+/g, '').toLowerCase();
}

function sameAddress(a: string | undefined, b: string | undefined): boolean {
  const na = normalizeAddress(a);
  return na !== undefined && na !== '' && na === normalizeAddress(b);
}

const TRANSFERRING = new Set(['pending', 'active', 'complete']);
const TRANSFER_FAILED = new Set(['canceled', 'cancelled', 'failed', 'timeout']);

function sameTarget(dest: RecentTransfer['destination'], target: Target): boolean {
  if (!dest) return false;
  switch (target.kind) {
    case 'queue':
      return target.queueId !== undefined && dest.queueId === target.queueId;
    case 'agent':
      return dest.userId === target.userId;
    case 'number':
      return sameAddress(dest.address, target.address);
  }
}

function isLiveLegForTarget(leg: Leg, target: Target, replacedLegId: string | undefined): boolean {
  if (!isLiveLeg(leg) || leg.purpose === 'customer' || leg.id === replacedLegId) return false;
  switch (target.kind) {
    case 'queue':
      return (
        leg.purpose === 'acd' &&
        ((target.queueId !== undefined && leg.queueId === target.queueId) ||
          (target.queueId === undefined && target.queueName !== undefined && leg.name?.toLowerCase() === target.queueName.toLowerCase()))
      );
    case 'agent':
      return leg.userId === target.userId;
    case 'number':
      return sameAddress(leg.address, target.address);
  }
}

/** Options of transferEvidence and transferStatus. */
export interface EvidenceOptions {
  /** The leg we replace (or replaced). */
  legId?: string;
  /** Epoch ms: only transfers issued and legs connected from then on can be ours (when `legId` is unknown). */
  since?: number;
}

/**
 * From when a transfer can be ours: the replaced leg's connection (a transfer issued before the bot leg
 * existed moved the call *to* the bot, e.g. a queue → bot → queue round trip) or `since`, whichever is later.
 */
function threshold(view: ConversationView, opts: EvidenceOptions): number {
  const leg = opts.legId ? view.participants.find((p) => p.id === opts.legId) : undefined;
  const connected = Date.parse(leg?.connectedTime ?? leg?.startTime ?? '');
  return Math.max(opts.since ?? 0, Number.isFinite(connected) ? connected : 0);
}

/** Recent transfers that can be ours: issued after the threshold (undated ones count: never transfer twice). */
function recentTransfersOf(view: ConversationView, target: Target, opts: EvidenceOptions): RecentTransfer[] {
  const from = threshold(view, opts);
  return view.recentTransfers.filter((t) => {
    const issued = t.dateIssued === undefined ? Number.NaN : Date.parse(t.dateIssued);
    const recent = !Number.isFinite(issued) || issued >= from;
    if (!recent) return false;
    // Without a destination we can only attribute it by time, and only when we know a time to go by.
    return sameTarget(t.destination, target) || (t.destination === undefined && from > 0);
  });
}

/** Evidence on the legs themselves: the replaced leg ended by a transfer, or a leg for the target is live. */
function legEvidence(view: ConversationView, target: Target, opts: EvidenceOptions): string | undefined {
  const since = opts.since ?? 0;
  const after = (iso: string | undefined) => iso === undefined || Date.parse(iso) >= since;
  for (const leg of view.participants) {
    if (leg.purpose === 'customer') continue;
    const ours = opts.legId ? leg.id === opts.legId : after(leg.connectedTime ?? leg.startTime);
    if (ours && leg.disconnectType?.toLowerCase().startsWith('transfer')) return `leg ${leg.id} disconnected by ${leg.disconnectType}`;
  }
  for (const leg of view.participants) {
    if (isLiveLegForTarget(leg, target, opts.legId)) return `${leg.purpose} leg ${leg.id} live for the target`;
  }
  return undefined;
}

const describeTransfer = (t: RecentTransfer) => `recent transfer ${t.id ?? '(no id)'} ${t.state}`;

/**
 * Evidence that the call was already moved off the bot (genesys-cloud.md §5), or undefined. Transfers are not
 * idempotent: this is what a retry reads before it posts again.
 * - the replaced leg (or, unknown, any non-customer leg that connected after `since`) ended with `transfer*`;
 * - a live `acd` leg for the target queue (by id, or by name for a queue-name target), a live leg for the
 *   target user, or a live leg to the target number;
 * - a Pending/Active/Complete recent transfer to the target issued since the replaced leg connected (or since
 *   `since`), or one without destination in that window.
 */
export function transferEvidence(view: ConversationView, target: Target, opts: EvidenceOptions = {}): string | undefined {
  const onLegs = legEvidence(view, target, opts);
  if (onLegs) return onLegs;
  const moving = recentTransfersOf(view, target, opts).find((t) => TRANSFERRING.has(t.state.toLowerCase()));
  return moving ? describeTransfer(moving) : undefined;
}

/** Where an accepted (202) transfer stands, read from the conversation. */
export type TransferStatus =
  | { status: 'confirmed'; evidence: string }
  | { status: 'in-progress'; evidence: string }
  | { status: 'call-over'; reason: string }
  | { status: 'failed'; state: string; transferId?: string }
  | { status: 'not-seen' };

/**
 * Confirmation of a 202 (genesys-cloud.md §4: accepted, not done), for a confirming read:
 * - `confirmed`: the legs show it (replaced leg ended by transfer, target leg live) or a Complete recent transfer;
 * - `call-over`: the caller is gone and nothing confirms the transfer;
 * - `in-progress`: the latest recent transfer of ours is Pending/Active: do not post again, read again;
 * - `failed`: the latest one ended Canceled/Failed/Timeout: posting again is safe;
 * - `not-seen`: Genesys shows nothing yet.
 * Anything but `failed` and `not-seen` is also `transferEvidence` (never post twice).
 */
export function transferStatus(view: ConversationView, target: Target, opts: EvidenceOptions = {}): TransferStatus {
  const onLegs = legEvidence(view, target, opts);
  if (onLegs) return { status: 'confirmed', evidence: onLegs };
  const ours = recentTransfersOf(view, target, opts);
  const complete = ours.find((t) => t.state.toLowerCase() === 'complete');
  if (complete) return { status: 'confirmed', evidence: describeTransfer(complete) };
  const over = callOverReason(view);
  if (over) return { status: 'call-over', reason: over };
  const latest = ours.at(-1);
  if (latest && TRANSFERRING.has(latest.state.toLowerCase())) return { status: 'in-progress', evidence: describeTransfer(latest) };
  if (latest && TRANSFER_FAILED.has(latest.state.toLowerCase()))
    return { status: 'failed', state: latest.state, ...(latest.id ? { transferId: latest.id } : {}) };
  return { status: 'not-seen' };
}

/** Which legs may be replaced, and how to recognise the bot. */
export interface LegPolicy {
  /** Purposes that may be replaced; default external, ivr, agent, user. Never customer or acd. */
  purposes: readonly string[];
  /** The bot's address (e.g. its SIP URI or number), preferred when several legs qualify. */
  botAddress?: string;
}

/** Default purposes of a bot leg: external (SIP/BYOC bridge), ivr, agent, user (genesys-cloud.md §5). */
export const DEFAULT_BOT_PURPOSES = ['external', 'ivr', 'agent', 'user'] as const;

/** Purposes that are never replaced, whatever the configuration says: the caller and the queue. */
const NEVER_REPLACED = new Set(['customer', 'acd']);

/**
 * The leg to replace: the latest connected, not-ended participant whose purpose is allowed, never the customer
 * or an acd leg. Participants are never removed from the list (the same user can appear several times, ended
 * and live), so "latest" (by connectedTime, then position) is the one live now. A leg matching `botAddress`
 * (scheme and case aside) wins over others; without a match the latest allowed leg is taken.
 */
export function pickLegToReplace(view: ConversationView, policy: LegPolicy): Leg | undefined {
  const allowed = new Set(policy.purposes.map((p) => p.toLowerCase()).filter((p) => !NEVER_REPLACED.has(p)));
  const candidates = view.participants
    .map((leg, index) => ({ leg, index }))
    .filter(({ leg }) => allowed.has(leg.purpose) && leg.state === 'connected' && !isEnded(leg));
  if (candidates.length === 0) return undefined;
  const time = (leg: Leg) => Date.parse(leg.connectedTime ?? leg.startTime ?? '') || 0;
  const isBot = (leg: Leg) => (policy.botAddress && sameAddress(leg.address, policy.botAddress) ? 1 : 0);
  candidates.sort((a, b) => isBot(b.leg) - isBot(a.leg) || time(b.leg) - time(a.leg) || b.index - a.index);
  return candidates[0]!.leg;
}
