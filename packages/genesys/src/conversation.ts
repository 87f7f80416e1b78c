import type { Target } from '@fallback/core';

/**
 * One participant, normalized from either read endpoint (genesys-cloud.md §5):
 * `GET /api/v2/conversations/calls/{id}` puts state at the top of each participant, while
 * `GET /api/v2/conversations/{id}` nests it in `calls[]`. Everything downstream sees only this shape.
 */
export interface Leg {
  id: string;
  purpose: string;
  /** Lower-cased call state: connected, disconnected, terminated, alerting, … ('unknown' if absent). */
  state: string;
  disconnectType?: string;
  startTime?: string;
  connectedTime?: string;
  endTime?: string;
  address?: string;
  queueId?: string;
  userId?: string;
}

/** A recent transfer (`recentTransfers[]`), normalized. */
export interface RecentTransfer {
  id?: string;
  /** Pending | Active | Complete | Canceled | Failed | Timeout | Unknown. */
  state: string;
  dateIssued?: string;
  destination?: { queueId?: string; userId?: string; address?: string };
}

/** A conversation, normalized. */
export interface ConversationView {
  id: string;
  /** Set when the whole conversation ended (generic endpoint only). */
  endTime?: string;
  participants: Leg[];
  recentTransfers: RecentTransfer[];
}

type Json = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** The latest media entry of a generic-shape participant (`calls[]`): its state is the leg's state. */
function latestCall(p: Json): Json | undefined {
  const calls = arr(p['calls']).map(obj).filter((c): c is Json => c !== undefined);
  return calls.at(-1);
}

function parseLeg(raw: unknown): Leg | undefined {
  const p = obj(raw);
  const id = str(p?.['id']);
  if (!p || !id) return undefined;
  const call = latestCall(p);
  const queue = obj(p['queue']);
  const user = obj(p['user']);
  return compact({
    id,
    purpose: (str(p['purpose']) ?? 'unknown').toLowerCase(),
    state: (str(p['state']) ?? str(call?.['state']) ?? 'unknown').toLowerCase(),
    disconnectType: str(p['disconnectType']) ?? str(call?.['disconnectType']),
    startTime: str(p['startTime']),
    connectedTime: str(p['connectedTime']) ?? str(call?.['connectedTime']),
    endTime: str(p['endTime']) ?? str(call?.['disconnectedTime']),
    address: str(p['address']),
    queueId: str(p['queueId']) ?? str(queue?.['id']),
    userId: str(p['userId']) ?? str(user?.['id']),
  });
}

function parseTransfer(raw: unknown): RecentTransfer | undefined {
  const t = obj(raw);
  if (!t) return undefined;
  const d = obj(t['destination']);
  const destination = d
    ? compact({ queueId: str(d['queueId']) ?? str(obj(d['queue'])?.['id']), userId: str(d['userId']), address: str(d['address']) })
    : undefined;
  return compact({ id: str(t['id']), state: str(t['state']) ?? 'Unknown', dateIssued: str(t['dateIssued']), destination });
}

/** Parses either conversation shape; throws on something that is not a conversation at all. */
export function parseConversation(json: unknown): ConversationView {
  const c = obj(json);
  const id = str(c?.['id']);
  if (!c || !id) throw new TypeError('not a Genesys conversation: no id');
  return compact({
    id,
    endTime: str(c['endTime']),
    participants: arr(c['participants']).map(parseLeg).filter((l): l is Leg => l !== undefined),
    recentTransfers: arr(c['recentTransfers']).map(parseTransfer).filter((t): t is RecentTransfer => t !== undefined),
  });
}

const ENDED_STATES = new Set(['disconnected', 'terminated']);
const LIVE_STATES = new Set(['connected', 'alerting', 'dialing', 'contacting', 'offering']);

/** True for a leg that has hung up. */
export function isEnded(leg: Leg): boolean {
  return ENDED_STATES.has(leg.state) || leg.endTime !== undefined;
}

/** Why a call counts as over, or undefined while the caller is still there. */
export function callOverReason(view: ConversationView): string | undefined {
  if (view.endTime) return 'conversation ended';
  const customers = view.participants.filter((p) => p.purpose === 'customer');
  if (customers.length > 0 && customers.every(isEnded)) return 'customer disconnected';
  return undefined;
}

const TRANSFERRING = new Set(['pending', 'active', 'complete']);

function sameTarget(dest: RecentTransfer['destination'], target: Target): boolean {
  if (!dest) return false;
  switch (target.kind) {
    case 'queue':
      return target.queueId !== undefined && dest.queueId === target.queueId;
    case 'agent':
      return dest.userId === target.userId;
    case 'number':
      return dest.address === target.address;
  }
}

/**
 * Evidence that the call was already moved off the bot (genesys-cloud.md §5), or undefined. Transfers are not
 * idempotent: this is what a retry reads before it posts again.
 * - the replaced leg (or, unknown, any non-customer leg that connected after `since`) ended with `transfer*`;
 * - a live `acd` leg for the target queue, an agent leg for the target user, or a leg dialing the target number;
 * - a Pending/Active/Complete recent transfer to the target, or (destination unknown) issued after `since`.
 */
export function transferEvidence(
  view: ConversationView,
  target: Target,
  opts: { legId?: string; since?: number } = {},
): string | undefined {
  const since = opts.since ?? 0;
  const after = (iso: string | undefined) => iso === undefined || Date.parse(iso) >= since;
  for (const leg of view.participants) {
    if (leg.purpose === 'customer') continue;
    const ours = opts.legId ? leg.id === opts.legId : after(leg.connectedTime ?? leg.startTime);
    if (ours && leg.disconnectType?.toLowerCase().startsWith('transfer')) return `leg ${leg.id} disconnected by ${leg.disconnectType}`;
  }
  for (const leg of view.participants) {
    if (!LIVE_STATES.has(leg.state) || isEnded(leg)) continue;
    if (target.kind === 'queue' && leg.purpose === 'acd' && target.queueId !== undefined && leg.queueId === target.queueId)
      return `acd leg ${leg.id} live for queue ${leg.queueId}`;
    if (target.kind === 'agent' && leg.userId === target.userId && leg.purpose !== 'customer')
      return `leg ${leg.id} live for user ${leg.userId}`;
    if (target.kind === 'number' && leg.address === target.address && leg.purpose !== 'customer' && leg.id !== opts.legId)
      return `leg ${leg.id} live to ${leg.address}`;
  }
  for (const t of view.recentTransfers) {
    if (!TRANSFERRING.has(t.state.toLowerCase())) continue;
    if (sameTarget(t.destination, target) || (t.destination === undefined && after(t.dateIssued) && since > 0))
      return `recent transfer ${t.id ?? ''} ${t.state}`.replace('  ', ' ');
  }
  return undefined;
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

/**
 * The leg to replace: the latest connected, not-ended participant whose purpose is allowed, never the customer
 * or an acd leg. Participants are never removed from the list, so "latest" (by connectedTime, then position)
 * is the one live now. A leg matching `botAddress` wins over others.
 */
export function pickLegToReplace(view: ConversationView, policy: LegPolicy): Leg | undefined {
  const allowed = new Set(policy.purposes.map((p) => p.toLowerCase()));
  allowed.delete('customer');
  allowed.delete('acd');
  const candidates = view.participants
    .map((leg, index) => ({ leg, index }))
    .filter(({ leg }) => allowed.has(leg.purpose) && leg.state === 'connected' && !isEnded(leg));
  if (candidates.length === 0) return undefined;
  const time = (leg: Leg) => Date.parse(leg.connectedTime ?? leg.startTime ?? '') || 0;
  const botAddress = policy.botAddress?.toLowerCase();
  candidates.sort((a, b) => {
    if (botAddress) {
      const am = a.leg.address?.toLowerCase() === botAddress ? 1 : 0;
      const bm = b.leg.address?.toLowerCase() === botAddress ? 1 : 0;
      if (am !== bm) return bm - am;
    }
    return time(b.leg) - time(a.leg) || b.index - a.index;
  });
  return candidates[0]!.leg;
}
