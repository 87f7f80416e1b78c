/** Endpoint groups a fault can target. */
export type FaultEndpoint = 'token' | 'read' | 'transfer' | 'interactions' | 'any';

/**
 * What a matching request gets instead of (or before) the normal answer:
 * - status: an error answer with Genesys' ErrorBody (429 adds Retry-After; 403 names a missing permission).
 * - latency: the normal answer, `ms` later.
 * - timeout: no answer at all (the socket is held open until the client gives up).
 * - accept-drop: the transfer is applied, then the connection is destroyed before the 202 goes out
 *   ("execute then time out": the client cannot tell whether it happened).
 * - revoke-token: the bearer token is revoked before the request is handled (expect a 401).
 */
export type FaultAction =
  | { type: 'status'; status: number; code?: string; message?: string; retryAfterSec?: number; permission?: string }
  | { type: 'latency'; ms: number }
  | { type: 'timeout' }
  | { type: 'accept-drop' }
  | { type: 'revoke-token' };

/** A scripted fault. Matching requests take it while it has `count` left, within `untilMs`, with `probability`. */
export interface FaultRule {
  endpoint: FaultEndpoint;
  action: FaultAction;
  /** How many requests it applies to (default unlimited). */
  count?: number;
  /** 0..1, drawn from the simulator's seeded RNG (default 1). */
  probability?: number;
  /** Active for this long after it is installed (ms; default forever). */
  durationMs?: number;
}

/** An installed rule with its bookkeeping. */
export interface ActiveFault extends FaultRule {
  id: number;
  installedAt: number;
  remaining: number;
  hits: number;
}

/** mulberry32: a tiny seedable PRNG, so a fault script replays identically for the same seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The first active rule that matches an endpoint now (consuming one use), or undefined. */
export function takeFault(
  faults: ActiveFault[],
  endpoint: Exclude<FaultEndpoint, 'any'>,
  now: number,
  random: () => number,
): ActiveFault | undefined {
  for (const f of faults) {
    if (f.endpoint !== 'any' && f.endpoint !== endpoint) continue;
    if (f.endpoint === 'any' && endpoint === 'token' && f.action.type === 'status' && f.action.status === 429) continue;
    if (f.remaining <= 0) continue;
    if (f.durationMs !== undefined && now > f.installedAt + f.durationMs) continue;
    if (f.probability !== undefined && random() >= f.probability) continue;
    f.remaining -= 1;
    f.hits += 1;
    return f;
  }
  return undefined;
}
