import { factsOf, matchesRule, type FailureEvent, type RouteMatch } from '@fallback/core';

/** The switch a breaker flips in Genesys: an Architect emergency group, or a boolean field of a data-table row. */
export type BreakerSwitch =
  | { kind: 'emergencyGroup'; groupId: string }
  | { kind: 'datatableRow'; datatableId: string; rowId: string; field: string };

/** One breaker, as configured (environment for `default`, ROUTES_FILE `breakers:` for the others). */
export interface BreakerSpec {
  name: string;
  switch: BreakerSwitch;
  /** Failures within `windowMs` that trip it. */
  threshold: number;
  windowMs: number;
  /** Quiet time (no failure) before it recovers; doubled after each relapse (see machine.ts). */
  recoverMs: number;
  /** The bot's health URL: it recovers only while this answers 2xx. */
  probeUrl?: string;
  /**
   * Which failures count (`bot.flowName`, `bot.endpoint`, source: any listed value, every condition given). Absent
   * for `default`, which counts every failure no named breaker counts.
   */
  match?: RouteMatch;
}

/** The name of the breaker of the environment (BREAKER_*). */
export const DEFAULT_BREAKER = 'default';

/** How the environment describes the default breaker, and the values named breakers inherit. */
export interface BreakerDefaults {
  /** The default breaker's switch; none: no default breaker. */
  switch?: BreakerSwitch;
  threshold: number;
  windowMs: number;
  recoverMs: number;
  probeUrl?: string;
}

/** The default breaker (when the environment names a switch) followed by the named ones. Pure. */
export function breakerSpecs(defaults: BreakerDefaults, named: readonly BreakerSpec[] = []): BreakerSpec[] {
  const { switch: sw, threshold, windowMs, recoverMs, probeUrl } = defaults;
  const own: BreakerSpec[] = sw ? [{ name: DEFAULT_BREAKER, switch: sw, threshold, windowMs, recoverMs, ...(probeUrl ? { probeUrl } : {}) }] : [];
  return [...own, ...named];
}

/** One line naming a switch, for logs, the stream and the admin view. Pure. */
export function describeSwitch(sw: BreakerSwitch): string {
  return sw.kind === 'emergencyGroup' ? `emergency group ${sw.groupId}` : `data table ${sw.datatableId} row ${sw.rowId} field ${sw.field}`;
}

/** Width of one counting bucket for a window: about 60 buckets per window, never under 100 ms. Pure. */
export function bucketMsOf(windowMs: number): number {
  return Math.max(100, Math.ceil(windowMs / 60));
}

// Breaker conditions never hold a time window, so the clock matchesRule would read is never read.
const NO_TIME = new Date(0);

/**
 * The breakers a failure counts toward: every named breaker whose conditions hold, else `default` (when there
 * is one). A failure of a bot that has a breaker of its own must not trip the breaker of every other bot. Pure.
 */
export function breakersFor(specs: readonly BreakerSpec[], event: FailureEvent): BreakerSpec[] {
  const named = specs.filter((s) => s.match !== undefined);
  if (named.length > 0) {
    const facts = factsOf(event);
    const hits = named.filter((s) => matchesRule(s.match!, facts, NO_TIME));
    if (hits.length > 0) return hits;
  }
  return specs.filter((s) => s.match === undefined);
}
