import type { FailureEvent, FailureType, RoutingHint } from './event.js';
import type { Target } from './target.js';

/** A callback offered instead of a long wait in a queue (issue 13 §2). */
export interface CallbackOption {
  /** Offer it when the queue's estimated wait is above this (s). */
  aboveSeconds: number;
  /** The callback's queue; the target queue when absent. */
  queueId?: string;
}

/** What a route adds to the transfer: a chain of targets, a callback, the failure on the agent's screen. */
export interface RouteExtras {
  /** Targets after `target`, tried in order when Genesys refuses the one before for good (issue 13 §2). */
  then?: readonly Target[];
  callback?: CallbackOption;
  /** Put why the bot gave up on the caller's participant data (issue 13 §3). */
  agentContext?: boolean;
}

/** The routing decision for one event. */
export interface RouteDecision extends RouteExtras {
  /** Rule name, recorded on the job and in metrics. */
  route: string;
  target: Target;
  /** Number or SIP URI of the fallback Architect flow, echoed so a live bot can REFER the call itself. */
  referTo?: string;
  /** Set when the event carried a routingHint: whether the matched rule allowed it. */
  hint?: 'applied' | 'ignored';
}

/** Something that picks a target for an event. */
export interface Router {
  resolve(event: FailureEvent, now: Date): RouteDecision;
}

/** A time-of-day window in a rule's time zone. Days are 0 (Sunday) … 6; minutes count from local midnight. */
export interface TimeWindow {
  days: readonly number[];
  fromMinute: number;
  /** Exclusive. Smaller than fromMinute for a window across midnight (22:00–06:00); 1440 for "until midnight". */
  toMinute: number;
}

/**
 * The conditions of a rule, already normalized by the loader (lower-cased, addresses stripped). Every condition
 * present must hold; within one condition any listed value does. An absent condition matches everything.
 */
export interface RouteMatch {
  failureTypes?: readonly FailureType[];
  /** BCP-47 tags, lower case; `de` matches `de`, `de-DE`, `de-AT`. */
  languages?: readonly string[];
  /** Normalized numbers (normalizeAddress); a trailing `*` matches a prefix. */
  dnis?: readonly string[];
  /** `bot.flowName` values, lower case. */
  flows?: readonly string[];
  /** `bot.endpoint` values, lower case. */
  endpoints?: readonly string[];
  /** Source names (the authenticated source; see the ingress's source policy). */
  sources?: readonly string[];
  time?: { timeZone: string; windows: readonly TimeWindow[] };
}

/** What a matched rule sends the caller to. */
export interface RouteAction extends RouteExtras {
  name: string;
  target: Target;
  /** Other targets an event's routingHint may pick; the hint can never name anything else. */
  allow: readonly Target[];
  referTo?: string;
}

/** One routing rule: conditions and an action. */
export interface RouteRule extends RouteAction {
  match: RouteMatch;
}

/** Ordered rules (first match wins) and the default action when none matches. */
export interface RoutingTable {
  rules: readonly RouteRule[];
  fallback: RouteAction;
}

/** Day of week and minute of day of an instant in a time zone. */
export interface LocalTime {
  day: number;
  minute: number;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
// An Intl.DateTimeFormat costs tens of microseconds to build and ~1 µs to use: one per zone, reused.
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Day of week and minute of day of `now` in `timeZone` (IANA name; DST handled by Intl). */
export function localTime(now: Date, timeZone: string): LocalTime {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  let day = 0;
  let hour = 0;
  let minute = 0;
  for (const part of f.formatToParts(now)) {
    if (part.type === 'weekday') day = WEEKDAYS[part.value] ?? 0;
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { day, minute: hour * 60 + minute };
}

/** True when `t` falls in the window. A window across midnight belongs to the day it starts on. */
export function inWindow(window: TimeWindow, t: LocalTime): boolean {
  const { days, fromMinute, toMinute } = window;
  if (fromMinute < toMinute) return days.includes(t.day) && t.minute >= fromMinute && t.minute < toMinute;
  const yesterday = (t.day + 6) % 7;
  return (days.includes(t.day) && t.minute >= fromMinute) || (days.includes(yesterday) && t.minute < toMinute);
}

/**
 * The comparable form of a phone number or address: scheme, parameters, host and visual separators removed
 * (`tel:+49 30-1234`, `sip:+49301234@gw;user=phone` → `+49301234`). Lower case for SIP user parts.
 */
export function normalizeAddress(value: string): string {
  let v = value.trim().toLowerCase();
  v = v.replace(/^(?:tel|sips?):/, '');
  const cut = v.search(/[@;]/);
  if (cut >= 0) v = v.slice(0, cut);
  return v.replace(/[\s\-().]/g, '');
}

/** True when a language tag is one of the patterns or a subtag of one (`de` covers `de-at`). Both lower case. */
export function languageMatches(patterns: readonly string[], language: string): boolean {
  for (const p of patterns) if (language === p || (language.startsWith(p) && language.charCodeAt(p.length) === 45 /* - */)) return true;
  return false;
}

/** True when a normalized address equals a pattern, or starts with a pattern ending in `*`. */
export function addressMatches(patterns: readonly string[], address: string): boolean {
  for (const p of patterns) if (p.endsWith('*') ? address.startsWith(p.slice(0, -1)) : address === p) return true;
  return false;
}

/** The facts of an event that rules look at, normalized once per event. */
export interface RouteFacts {
  failureType: FailureType;
  language?: string;
  dnis?: string;
  flow?: string;
  endpoint?: string;
  source: string;
}

/** Extracts and normalizes the facts rules look at. */
export function factsOf(event: FailureEvent): RouteFacts {
  const facts: RouteFacts = { failureType: event.failureType ?? 'UNKNOWN', source: event.source ?? 'unknown' };
  if (event.language !== undefined) facts.language = event.language.toLowerCase();
  if (event.dnis !== undefined) facts.dnis = normalizeAddress(event.dnis);
  if (event.bot?.flowName !== undefined) facts.flow = event.bot.flowName.toLowerCase();
  if (event.bot?.endpoint !== undefined) facts.endpoint = event.bot.endpoint.toLowerCase();
  return facts;
}

const lacks = (values: readonly string[], value: string | undefined) => value === undefined || !values.includes(value);

/** True when every condition of `match` holds. Cheap conditions first; the clock is read only if needed. */
export function matchesRule(match: RouteMatch, facts: RouteFacts, now: Date): boolean {
  if (match.failureTypes && !match.failureTypes.includes(facts.failureType)) return false;
  if (match.sources && !match.sources.includes(facts.source)) return false;
  if (match.flows && lacks(match.flows, facts.flow)) return false;
  if (match.endpoints && lacks(match.endpoints, facts.endpoint)) return false;
  if (match.languages && (facts.language === undefined || !languageMatches(match.languages, facts.language))) return false;
  if (match.dnis && (facts.dnis === undefined || !addressMatches(match.dnis, facts.dnis))) return false;
  if (match.time) {
    const t = localTime(now, match.time.timeZone);
    if (!match.time.windows.some((w) => inWindow(w, t))) return false;
  }
  return true;
}

/** True when a routing hint names this target (ids case-insensitively, addresses normalized). */
export function hintNames(hint: RoutingHint, target: Target): boolean {
  switch (target.kind) {
    case 'queue':
      return (
        (hint.queueId !== undefined && target.queueId !== undefined && hint.queueId.toLowerCase() === target.queueId.toLowerCase()) ||
        (hint.queueName !== undefined && target.queueName !== undefined && hint.queueName.trim().toLowerCase() === target.queueName.toLowerCase())
      );
    case 'number':
      return hint.address !== undefined && normalizeAddress(hint.address) === normalizeAddress(target.address);
    case 'agent':
      return hint.userId !== undefined && hint.userId.toLowerCase() === target.userId.toLowerCase();
  }
}

/**
 * The decision of an action for an event: its target, or the allowed target the event's routingHint names.
 * A hint naming anything the action does not allow is ignored (the decision says so): a caller is waiting,
 * and the rule's own target is always a safe place, whereas a 400 would leave the bot with nowhere to send him.
 */
export function decide(action: RouteAction, hint: RoutingHint | undefined): RouteDecision {
  const decision: RouteDecision = { route: action.name, target: action.target };
  if (action.referTo !== undefined) decision.referTo = action.referTo;
  if (action.then?.length) decision.then = action.then;
  if (action.callback) decision.callback = action.callback;
  if (action.agentContext) decision.agentContext = true;
  if (hint !== undefined) {
    const chosen = [action.target, ...action.allow].find((t) => hintNames(hint, t));
    if (chosen) decision.target = chosen;
    // A hint that picked another target replaces the chain's first step; the rest of the chain stays.
    decision.hint = chosen ? 'applied' : 'ignored';
  }
  return decision;
}

/** The first rule whose conditions hold, else the table's default action. */
export function selectAction(table: RoutingTable, event: FailureEvent, now: Date): RouteAction {
  const facts = factsOf(event);
  for (const rule of table.rules) if (matchesRule(rule.match, facts, now)) return rule;
  return table.fallback;
}

/** A router over a routing table: first matching rule wins, then the routingHint is checked against it. */
export function tableRouter(table: RoutingTable): Router {
  return { resolve: (event, now) => decide(selectAction(table, event, now), event.routingHint) };
}

/** The quick-start router: every failure goes to one queue (DEFAULT_QUEUE_ID). */
export function defaultQueueRouter(queueId: string, referTo?: string): Router {
  return tableRouter({ rules: [], fallback: { name: 'default', target: { kind: 'queue', queueId }, allow: [], ...(referTo ? { referTo } : {}) } });
}
