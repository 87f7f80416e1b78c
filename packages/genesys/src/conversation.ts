import type { Target } from '@fallback/core';

/**
 * One participant, normalized from any of the three reads (docs/genesys-contract.md §5, §6c):
 * `GET /api/v2/conversations/calls/{id}` puts state at the top of each participant, `GET /api/v2/conversations/{id}`
 * nests it in `calls[]`, and the analytics batch read describes it as sessions of segments. Everything downstream
 * sees only this shape.
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
  /** The queue's name (generic read: `queueName`; calls read: the `queue` ref's name). */
  queueName?: string;
  userId?: string;
  /** Position in the participant list: Genesys appends legs and never removes one (§5). */
  index: number;
}

/** A recent transfer (`recentTransfers[]`, SDK model TransferResponse), normalized. */
export interface RecentTransfer {
  id?: string;
  /** Pending | Active | Complete | Canceled | Failed | Timeout | Unknown (as Genesys spells it). */
  state: string;
  dateIssued?: string;
  /** SDK TransferDestination: a user or an address. There is no queue in it: a queue transfer shows neither. */
  destination?: { userId?: string; address?: string };
}

/**
 * A conversation, normalized. `source` says how far to trust an absence: a `live` read is the state now; an
 * `analytics` view trails it by seconds, shows no `recentTransfers`, and may miss a leg (or a whole call) that is
 * too new — what it shows as ended is final, what it shows as live may be gone.
 */
export interface ConversationView {
  id: string;
  /** Set when the whole conversation ended (generic read's `endTime`, analytics' `conversationEnd`). */
  endTime?: string;
  participants: Leg[];
  recentTransfers: RecentTransfer[];
  source: 'live' | 'analytics';
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

function parseLeg(raw: unknown, index: number): Leg | undefined {
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
    queueName: str(p['queueName']) ?? str(queue?.['name']),
    userId: str(p['userId']) ?? str(user?.['id']),
    index,
  });
}

function parseTransfer(raw: unknown): RecentTransfer | undefined {
  const t = obj(raw);
  if (!t) return undefined;
  const d = obj(t['destination']);
  const destination = d ? compact({ userId: str(d['userId']), address: str(d['address']) }) : undefined;
  return compact({
    id: str(t['id']),
    state: str(t['state']) ?? 'Unknown',
    dateIssued: str(t['dateIssued']),
    destination: destination && Object.keys(destination).length > 0 ? destination : undefined,
  });
}

/**
 * Parses either live read shape (CallConversation or Conversation); throws on something that is not a
 * conversation at all. `Conversation.state` is ignored: Genesys never fills it on reads (SDK doc).
 */
export function parseConversation(json: unknown): ConversationView {
  const c = obj(json);
  const id = str(c?.['id']);
  if (!c || !id) throw new TypeError('not a Genesys conversation: no id');
  if (c['participants'] !== undefined && !Array.isArray(c['participants']))
    throw new TypeError('not a Genesys conversation: participants is not a list');
  return compact({
    id,
    endTime: str(c['endTime']),
    participants: arr(c['participants'])
      .map((p, i) => parseLeg(p, i))
      .filter((l): l is Leg => l !== undefined),
    recentTransfers: arr(c['recentTransfers']).map(parseTransfer).filter((t): t is RecentTransfer => t !== undefined),
    source: 'live' as const,
  });
}

/**
 * One analytics participant (AnalyticsParticipantWithoutAttributes) as a leg: its voice sessions' segments in
 * time order; the leg started with the first segment and is live while the last one has no `segmentEnd`
 * (docs/genesys-contract.md §6c); an ended leg carries the disconnectType of its last segment that has one.
 */
function parseAnalyticsLeg(raw: unknown, index: number): Leg | undefined {
  const p = obj(raw);
  const id = str(p?.['participantId']);
  if (!p || !id) return undefined;
  const sessions = arr(p['sessions']).map(obj).filter((s): s is Json => s !== undefined);
  const voice = sessions.filter((s) => (lower(str(s['mediaType'])) ?? 'voice') === 'voice');
  const segments = voice
    .flatMap((s) => arr(s['segments']).map(obj))
    .filter((s): s is Json => s !== undefined && str(s['segmentStart']) !== undefined)
    .sort((a, b) => Date.parse(str(a['segmentStart'])!) - Date.parse(str(b['segmentStart'])!));
  const first = segments[0];
  const last = segments.at(-1);
  const ended = last !== undefined && str(last['segmentEnd']) !== undefined;
  const disconnectType = [...segments].reverse().map((s) => str(s['disconnectType'])).find((d) => d !== undefined);
  const session = voice.at(-1);
  return compact({
    id,
    purpose: lower(str(p['purpose'])) ?? 'unknown',
    state: last === undefined ? 'unknown' : ended ? 'disconnected' : 'connected',
    disconnectType: ended ? disconnectType : undefined,
    startTime: str(first?.['segmentStart']),
    connectedTime: str(first?.['segmentStart']),
    endTime: ended ? str(last!['segmentEnd']) : undefined,
    address: str(session?.['addressSelf']) ?? str(session?.['addressTo']),
    name: str(p['participantName']),
    queueId: segments.map((s) => str(s['queueId'])).find((q) => q !== undefined),
    userId: str(p['userId']),
    index,
  });
}

/**
 * Parses the analytics batch read (`AnalyticsConversationWithoutAttributesMultiGetResponse`): one view per
 * conversation Genesys returned. Ids Genesys does not know (or does not show yet) are simply absent.
 */
export function parseAnalyticsConversations(json: unknown): ConversationView[] {
  const body = obj(json);
  if (!body || (body['conversations'] !== undefined && !Array.isArray(body['conversations'])))
    throw new TypeError('not an analytics conversation list');
  const out: ConversationView[] = [];
  for (const raw of arr(body['conversations'])) {
    const c = obj(raw);
    const id = str(c?.['conversationId']);
    if (!c || !id) continue;
    out.push(
      compact({
        id,
        endTime: str(c['conversationEnd']),
        participants: arr(c['participants'])
          .map((p, i) => parseAnalyticsLeg(p, i))
          .filter((l): l is Leg => l !== undefined),
        recentTransfers: [],
        source: 'analytics' as const,
      }),
    );
  }
  return out;
}

/** True for a leg that has hung up. */
export function isEnded(leg: Leg): boolean {
  return ENDED_STATES.has(leg.state) || leg.endTime !== undefined;
}

/** True for a leg that is ringing or talking (not ended). */
export function isLiveLeg(leg: Leg): boolean {
  return LIVE_STATES.has(leg.state) && !isEnded(leg);
}

/** True for a leg that ended by being transferred (`transfer`, `transfer.forward`, …). */
export function endedByTransfer(leg: Leg): boolean {
  return isEnded(leg) && (leg.disconnectType?.toLowerCase().startsWith('transfer') ?? false);
}

/** When a leg joined (connected, else started), epoch ms; 0 when Genesys gave neither. */
export function legTime(leg: Leg): number {
  const t = Date.parse(leg.connectedTime ?? leg.startTime ?? '');
  return Number.isFinite(t) ? t : 0;
}

/** When a leg ended, epoch ms; undefined while live or when not given. */
function endTimeOf(leg: Leg): number | undefined {
  const t = Date.parse(leg.endTime ?? '');
  return Number.isFinite(t) ? t : undefined;
}

/**
 * Why a call counts as over (docs/genesys-contract.md §5), or undefined while the caller is still there: the conversation
 * has an `endTime` (generic read) or a `conversationEnd` (analytics), every customer leg has disconnected or
 * terminated, or (no customer leg at all) every leg has. `Conversation.state` is never read: Genesys never fills
 * it on reads. A 404 on the conversation read is the third way (the client classifies it as `gone`).
 */
export function callOverReason(view: ConversationView): string | undefined {
  if (view.endTime) return 'conversation ended';
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

// ---- which leg is the bot's -----------------------------------------------------------------------------

/** Which legs may be replaced, and how to recognise the bot. */
export interface LegPolicy {
  /** Purposes that may be replaced; default external, ivr. Never customer or acd; agent/user only with proof. */
  purposes: readonly string[];
  /** The bot's address (e.g. its SIP URI or number): preferred, and what lets an agent/user leg be the bot. */
  botAddress?: string;
}

/**
 * Default purposes of a bot leg: `external` (a Voice Gateway bridged over SIP/BYOC) and `ivr` (a bot run inside an
 * Architect flow). Never `agent`/`user` by default: those are people (docs/genesys-contract.md §5).
 */
export const DEFAULT_BOT_PURPOSES = ['external', 'ivr'] as const;

/** Purposes that are never replaced, whatever the configuration says: the caller and the queue. */
const NEVER_REPLACED = new Set(['customer', 'acd']);
/** Purposes that are people unless proven to be the bot (its address, or the id the bot itself reported). */
const HUMAN = new Set(['agent', 'user']);

/** What chooseLeg knows besides the conversation. */
export interface LegHints {
  /** The leg an earlier run of this job chose (saved with its claim): later runs act on the same leg. */
  savedId?: string;
  /** The participantId the failure event carried: the sender's word for its own leg, possibly stale. */
  hintId?: string;
  /** Epoch ms of the failure (the event's receipt): the bot leg is the one that was live then. */
  failedAt?: number;
}

/** Where the bot leg stands. */
export type LegChoice =
  | { kind: 'leg'; leg: Leg; why: string }
  | { kind: 'transferred'; evidence: string }
  | { kind: 'none'; why: string };

/** Our clock and Genesys' may disagree by this much when we place a leg relative to the failure (ms). */
const CLOCK_SKEW_MS = 5_000;

function latest(legs: Leg[], policy: LegPolicy): Leg | undefined {
  const isBot = (l: Leg) => (policy.botAddress && sameAddress(l.address, policy.botAddress) ? 1 : 0);
  return [...legs].sort((a, b) => isBot(b) - isBot(a) || legTime(b) - legTime(a) || b.index - a.index)[0];
}

/**
 * Which leg to replace, or why none (docs/genesys-contract.md §5; issue scenarios S11, S13). Pure.
 *
 * A bot leg has an allowed purpose, is never a customer or acd leg, and is an agent/user leg only when it matches
 * BOT_ADDRESS or is the leg we (or the sender) named: a person is never moved on a guess. Then, in order:
 * 1. The saved leg (an earlier run's choice), then the event's hint: ended by a transfer → already transferred;
 *    live → that leg. Ended some other way (a stale id) → it anchors step 3. Unknown → ignored.
 * 2. Otherwise the anchor is the bot leg that was live when the bot failed (the latest one connected by then),
 *    else the latest bot leg that had connected by then: ended by a transfer → already transferred (a late event
 *    for a call a person now has); live → that leg. Legs that joined after the failure are not "the bot that
 *    failed": a queue, a flow or an agent we (or anyone) moved the caller to.
 * 3. The anchor ended some other way (the bot's leg was re-created, or the id was stale): the latest live bot
 *    leg that joined after the anchor ended — never one that joined after a bot leg was transferred away.
 */
export function chooseLeg(view: ConversationView, policy: LegPolicy, hints: LegHints = {}): LegChoice {
  const allowed = new Set(policy.purposes.map((p) => p.toLowerCase()).filter((p) => !NEVER_REPLACED.has(p)));
  const trusted = new Set([hints.savedId, hints.hintId].filter((id): id is string => id !== undefined));
  const isBotLeg = (l: Leg) =>
    allowed.has(l.purpose) && (!HUMAN.has(l.purpose) || trusted.has(l.id) || sameAddress(l.address, policy.botAddress));
  const bots = view.participants.filter(isBotLeg);

  let anchor: Leg | undefined;
  for (const [id, label] of [
    [hints.savedId, 'saved leg'],
    [hints.hintId, "the event's participantId"],
  ] as const) {
    const leg = id === undefined ? undefined : bots.find((l) => l.id === id);
    if (!leg) continue;
    if (endedByTransfer(leg)) return { kind: 'transferred', evidence: `${label} ${leg.id} ended by ${leg.disconnectType}` };
    if (isLiveLeg(leg) && leg.state === 'connected') return { kind: 'leg', leg, why: label };
    anchor = leg;
    break;
  }

  if (!anchor) {
    const cutoff = hints.failedAt === undefined ? Number.POSITIVE_INFINITY : hints.failedAt + CLOCK_SKEW_MS;
    const byThen = bots.filter((l) => legTime(l) <= cutoff);
    anchor = latest(byThen.filter(isLiveLeg), policy) ?? latest(byThen, policy);
    if (anchor && endedByTransfer(anchor)) return { kind: 'transferred', evidence: `bot leg ${anchor.id} ended by ${anchor.disconnectType}` };
    if (anchor && isLiveLeg(anchor) && anchor.state === 'connected') return { kind: 'leg', leg: anchor, why: 'bot leg live at the failure' };
  }

  // The anchor is not connected (ended, or still ringing) or there is none: a re-created bot leg, if any.
  const from = anchor ? (endTimeOf(anchor) ?? legTime(anchor)) : Number.NEGATIVE_INFINITY;
  // Transfers of other bot legs after the anchor ended (one that ended before it, e.g. the flow that handed the
  // call to the bot, is history).
  const transfersAway = bots.filter((l) => l !== anchor && endedByTransfer(l) && (endTimeOf(l) ?? 0) > from).map((l) => endTimeOf(l) ?? 0);
  const cut = transfersAway.length > 0 ? Math.min(...transfersAway) : Number.POSITIVE_INFINITY;
  const next = latest(
    bots.filter((l) => l !== anchor && l.state === 'connected' && isLiveLeg(l) && legTime(l) >= from - CLOCK_SKEW_MS && legTime(l) < cut),
    policy,
  );
  if (next) return { kind: 'leg', leg: next, why: anchor ? `bot leg re-created after ${anchor.id} ended` : 'latest live bot leg' };
  if (Number.isFinite(cut)) return { kind: 'transferred', evidence: 'a bot leg ended by transfer; nothing joined since may be moved' };
  return { kind: 'none', why: `no connected ${[...allowed].join('/')} leg to replace` };
}

// ---- was the call moved? -----------------------------------------------------------------------------------

/** Where a transfer off the bot leg stands, read from the conversation. */
export type TransferState =
  | { status: 'done'; evidence: string }
  | { status: 'in-progress'; evidence: string }
  | { status: 'failed'; state: string; transferId?: string }
  | { status: 'none' };

/** Options of transferState. */
export interface EvidenceOptions {
  /** The bot leg that is (or was) being moved. */
  legId?: string;
  /** Epoch ms: only transfers issued and legs that joined from then on can be ours. */
  since: number;
}

const IN_PROGRESS = new Set(['pending', 'active']);
const GAVE_UP = new Set(['canceled', 'cancelled', 'failed', 'timeout']);

/** A recent transfer that can have gone to `target` (TransferDestination names users and addresses, never queues). */
function mayGoTo(t: RecentTransfer, target: Target): boolean {
  const d = t.destination;
  switch (target.kind) {
    case 'agent':
      return d?.userId === target.userId;
    case 'number':
      return sameAddress(d?.address, target.address);
    case 'queue':
      return d?.userId === undefined && d?.address === undefined;
  }
}

/** A leg that stands for `target`: an acd leg of the queue, the agent's leg, or a leg at the number. */
function isTargetLeg(leg: Leg, target: Target): boolean {
  switch (target.kind) {
    case 'queue':
      return (
        leg.purpose === 'acd' &&
        ((target.queueId !== undefined && leg.queueId === target.queueId) ||
          (target.queueId === undefined &&
            target.queueName !== undefined &&
            [leg.queueName, leg.name].some((n) => n !== undefined && n.toLowerCase() === target.queueName!.toLowerCase())))
      );
    case 'agent':
      return leg.userId === target.userId && leg.purpose !== 'customer';
    case 'number':
      return leg.purpose !== 'customer' && sameAddress(leg.address, target.address);
  }
}

const describe = (t: RecentTransfer) => `recent transfer ${t.id ?? '(no id)'} ${t.state}`;

/**
 * Whether the call was moved off the bot leg to `target` (docs/genesys-contract.md §5; scenarios S4, S12, S13). Pure.
 * - done: the bot leg ended by a transfer; or a leg for the target joined after the bot leg and after `since`;
 *   or the latest recent transfer that can be ours (issued since then, to the target's user/address — a queue
 *   transfer names neither, so by time alone) is Complete.
 * - in-progress: that latest transfer is Pending/Active: accepted, NOT done — it may still fail.
 * - failed: it ended Failed/Canceled/Timeout: the bot is still on the call; posting again is safe.
 * - none: nothing seen. From an analytics view, "none" only means "not yet" (lag; no recentTransfers there).
 */
export function transferState(view: ConversationView, target: Target, opts: EvidenceOptions): TransferState {
  const bot = opts.legId ? view.participants.find((l) => l.id === opts.legId) : undefined;
  if (bot && endedByTransfer(bot)) return { status: 'done', evidence: `leg ${bot.id} ended by ${bot.disconnectType}` };
  const from = Math.max(opts.since - CLOCK_SKEW_MS, bot ? legTime(bot) : Number.NEGATIVE_INFINITY);
  const joined = view.participants.find((l) => l !== bot && isTargetLeg(l, target) && legTime(l) >= from);
  if (joined) return { status: 'done', evidence: `${joined.purpose} leg ${joined.id} for the target joined` };
  const ours = view.recentTransfers
    .filter((t) => {
      const issued = t.dateIssued === undefined ? Number.NaN : Date.parse(t.dateIssued);
      // Undated entries count: never transfer twice on a missing date.
      return (!Number.isFinite(issued) || issued >= from) && mayGoTo(t, target);
    })
    .sort((a, b) => (Date.parse(a.dateIssued ?? '') || Number.POSITIVE_INFINITY) - (Date.parse(b.dateIssued ?? '') || Number.POSITIVE_INFINITY));
  // A Complete one anywhere in the window moved the call: never post on top of it.
  const complete = ours.find((t) => t.state.toLowerCase() === 'complete');
  if (complete) return { status: 'done', evidence: describe(complete) };
  const last = ours.at(-1);
  if (!last) return { status: 'none' };
  const state = last.state.toLowerCase();
  if (IN_PROGRESS.has(state)) return { status: 'in-progress', evidence: describe(last) };
  if (GAVE_UP.has(state)) return { status: 'failed', state: last.state, ...(last.id ? { transferId: last.id } : {}) };
  // Unknown: the safe reading is "maybe moving" — never post on it.
  return { status: 'in-progress', evidence: describe(last) };
}
