import { RATE_LIMIT_CODES, type RateLimitCode } from './errors.js';

/** How Genesys refuses a transfer POST naming a leg that exists but is not connected (docs/genesys-contract.md §5, §6). */
export type NotConnectedAnswer = 'bad.request' | 'not.connected' | 'not.active';
export const NOT_CONNECTED_ANSWERS: readonly NotConnectedAnswer[] = ['bad.request', 'not.connected', 'not.active'];

/** Settings that can change at run time (`POST /__sim/config`, `configure()`). */
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
  /** The 429 body of limits and of 429 faults that name no code. */
  rateLimitCode: RateLimitCode;
  /** The refusal of a transfer naming a leg that is not connected (an ended leg, a call that is over). */
  notConnectedAnswer: NotConnectedAnswer;
  /** How far analytics trails the live state (ms): the batch read shows each call as it was this long ago. */
  analyticsLagMs: number;
  /** Most conversation ids one analytics batch read may name; more → 400. */
  analyticsBatchLimit: number;
}

/** Defaults of SimSettings: Genesys-like limits, instant transfers, 24 h tokens, callers who wait. */
export const DEFAULT_SETTINGS: Readonly<SimSettings> = Object.freeze({
  rateLimitPerMinute: 300,
  orgRateLimitPerMinute: 0,
  transferDelayMs: 0,
  tokenTtlSec: 86_400,
  latencyMs: 0,
  hangupAfterMs: 0,
  rateLimitCode: 'too.many.requests.retry.after',
  notConnectedAnswer: 'bad.request',
  analyticsLagMs: 2000,
  analyticsBatchLimit: 100,
});

/** Why a value is wrong for a setting, or undefined when it is fine. */
type Check = (value: unknown) => string | undefined;
const numberAtLeast =
  (min: number, integer = false): Check =>
  (v) =>
    typeof v !== 'number' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v)) ? `must be ${integer ? 'an integer' : 'a number'} ≥ ${min}` : undefined;
const oneOf =
  (values: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? undefined : `must be one of ${values.join(', ')}`;

const CHECKS: Record<keyof SimSettings, Check> = {
  rateLimitPerMinute: numberAtLeast(0),
  orgRateLimitPerMinute: numberAtLeast(0),
  transferDelayMs: numberAtLeast(0),
  tokenTtlSec: numberAtLeast(0),
  latencyMs: numberAtLeast(0),
  hangupAfterMs: numberAtLeast(0),
  rateLimitCode: oneOf(RATE_LIMIT_CODES),
  notConnectedAnswer: oneOf(NOT_CONNECTED_ANSWERS),
  analyticsLagMs: numberAtLeast(0),
  analyticsBatchLimit: numberAtLeast(1, true),
};

/**
 * Validates a partial settings object (`seed` too when `withSeed`); returns one line per problem, naming the
 * field. Undefined values are ignored (an option left out).
 */
export function settingsProblems(body: unknown, withSeed = true): string[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return ['body: must be an object'];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined) continue;
    if (withSeed && key === 'seed') {
      if (!Number.isInteger(value) || (value as number) < 0) problems.push('seed: must be an integer ≥ 0');
      continue;
    }
    const check = CHECKS[key as keyof SimSettings];
    if (!check) problems.push(`${key}: unknown setting (known: ${Object.keys(DEFAULT_SETTINGS).join(', ')}${withSeed ? ', seed' : ''})`);
    else {
      const why = check(value);
      if (why) problems.push(`${key}: ${why}`);
    }
  }
  return problems;
}

/** Copies the (validated) settings in `changes` onto `settings`. */
export function applySettings(settings: SimSettings, changes: Partial<SimSettings>): SimSettings {
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof SimSettings)[]) if (changes[key] !== undefined) (settings as unknown as Record<string, unknown>)[key] = changes[key];
  return settings;
}
