/**
 * Endpoint groups a fault can target. `any` means every API endpoint but not the token endpoint, whose faults
 * are scripted explicitly (a 429 storm on API calls must not also stop logins):
 * - read: the two conversation reads; transfer: the four transfer POSTs; interactions: the tutorial's batch;
 * - analytics: `GET /api/v2/analytics/conversations/details`;
 * - architect: emergency groups and data-table rows; routing: a queue's estimated wait;
 * - attributes: `PATCH …/participants/{pid}/attributes`; callbacks: `POST …/participants/{pid}/callbacks`.
 */
export type FaultEndpoint = 'token' | 'read' | 'transfer' | 'interactions' | 'analytics' | 'architect' | 'routing' | 'attributes' | 'callbacks' | 'any';

/** The endpoint group of one request. */
export type RequestEndpoint = Exclude<FaultEndpoint, 'any'>;

/**
 * What a matching request gets instead of (or on top of) the normal answer:
 * - status: an error answer with Genesys' ErrorBody. 429 adds `Retry-After: retryAfterSec` (default 5) and
 *   counts as the Retry-After given to the token; 403 names `permission` (string or list; `anyOf` for
 *   `missing.any.permissions`); at the token endpoint 400/401 answer OAuth-style `invalid_client`.
 * - latency: the normal answer, `ms` later (a transfer is applied after the wait, even if the client gave up).
 * - timeout: no answer at all; the socket is held until the client gives up. A transfer is NOT applied.
 * - accept-drop: the transfer is applied, then the reply is lost: `mode` reset (default) destroys the connection,
 *   hang holds it until the client times out. The client cannot tell whether it happened.
 * - fail-transfer: 202 as usual; the transfer shows `Pending` for `pendingMs` (default: the transfer delay), then
 *   ends `state` (Failed, Canceled or Timeout; default Failed). The bot leg stays connected.
 * - slow-apply: transfers only. The request is checked on arrival (a refusal is answered at once); the 202 leaves
 *   `answerAfterMs` later (status 0 in the ledger if the client has gone by then); the transfer is applied
 *   (Pending entry, then completion as usual) `applyAfterMs` after arrival (default answerAfterMs).
 * - revoke-token: the bearer token is revoked before the request is handled (401, and every later use too).
 * - expire-token: the bearer token expires now (401, and every later use too).
 */
export type FaultAction =
  | { type: 'status'; status: number; code?: string; message?: string; retryAfterSec?: number; permission?: string | string[]; anyOf?: boolean }
  | { type: 'latency'; ms: number }
  | { type: 'timeout' }
  | { type: 'accept-drop'; mode?: 'reset' | 'hang' }
  | { type: 'fail-transfer'; state?: FailedTransferState; pendingMs?: number }
  | { type: 'slow-apply'; answerAfterMs: number; applyAfterMs?: number }
  | { type: 'revoke-token' }
  | { type: 'expire-token' };

/** How a transfer Genesys accepted can end without moving the call. */
export type FailedTransferState = 'Failed' | 'Canceled' | 'Timeout';
const FAILED_STATES: readonly FailedTransferState[] = ['Failed', 'Canceled', 'Timeout'];

/**
 * A scripted fault. A request takes the first installed rule that matches it: same endpoint group, an action
 * that applies there, the same conversation (if set), inside the rule's time window, with uses left, past its
 * `skip`, and winning its `probability` draw (seeded RNG: the same seed and request order replay the same faults).
 */
export interface FaultRule {
  endpoint: FaultEndpoint;
  action: FaultAction;
  /** How many requests it applies to (default unlimited). */
  count?: number;
  /** 0..1, drawn from the simulator's seeded RNG (default 1). */
  probability?: number;
  /** Matching requests let through before the rule starts to apply (default 0). */
  skip?: number;
  /** Starts this long after it is installed (ms; default 0). */
  startAfterMs?: number;
  /** Active for this long after it starts (ms; default forever). A 429 storm is a 429 rule with a duration. */
  durationMs?: number;
  /** Only requests about this conversation (for an analytics batch: one that names it; never the token endpoint). */
  conversationId?: string;
  /** Free text shown in listings. */
  label?: string;
}

/** An installed rule with its bookkeeping. */
export interface ActiveFault extends FaultRule {
  id: number;
  installedAt: number;
  /** Uses left (Infinity for unlimited; JSON shows null). */
  remaining: number;
  skipped: number;
  hits: number;
}

/** A fault rule that cannot be installed; the message names the field (`rules[2].action.status: …`). */
export class FaultRuleError extends Error {
  override readonly name = 'FaultRuleError';
}

const ENDPOINTS: readonly FaultEndpoint[] = ['token', 'read', 'transfer', 'interactions', 'analytics', 'architect', 'routing', 'attributes', 'callbacks', 'any'];
/** Actions only a transfer can act out, and the endpoint groups each may target. */
const TRANSFER_ONLY: Record<string, readonly FaultEndpoint[]> = {
  'accept-drop': ['transfer', 'interactions', 'any'],
  'fail-transfer': ['transfer', 'interactions', 'any'],
  'slow-apply': ['transfer', 'any'],
};

/** True when `action` makes sense on `endpoint` (no dropped transfer on a read, no revoked bearer at the token endpoint). */
export function appliesTo(action: FaultAction, endpoint: RequestEndpoint): boolean {
  const only = TRANSFER_ONLY[action.type];
  if (only) return only.includes(endpoint);
  if (action.type === 'revoke-token' || action.type === 'expire-token') return endpoint !== 'token';
  return true;
}

type Json = Record<string, unknown>;

/** Validates fault rules from JSON (the control API, SIM_FAULTS). Throws FaultRuleError naming the bad field. */
export function parseFaultRules(raw: unknown, where = 'rules'): FaultRule[] {
  if (!Array.isArray(raw)) throw new FaultRuleError(`${where}: must be an array of fault rules`);
  return raw.map((r, i) => parseFaultRule(r, `${where}[${i}]`));
}

function parseFaultRule(raw: unknown, at: string): FaultRule {
  const fail = (field: string, why: string): never => {
    throw new FaultRuleError(`${at}${field ? `.${field}` : ''}: ${why}`);
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('', 'must be an object');
  const r = raw as Json;
  const known = new Set(['endpoint', 'action', 'count', 'probability', 'skip', 'startAfterMs', 'durationMs', 'conversationId', 'label']);
  for (const key of Object.keys(r)) if (!known.has(key)) fail(key, `unknown field (known: ${[...known].join(', ')})`);
  const endpoint = r['endpoint'] ?? 'any';
  if (!ENDPOINTS.includes(endpoint as FaultEndpoint)) fail('endpoint', `must be one of ${ENDPOINTS.join(', ')}`);
  const rule: FaultRule = { endpoint: endpoint as FaultEndpoint, action: parseAction(r['action'], `${at}.action`) };
  const count = optionalNumber(r, 'count', at, { integer: true, min: 1 });
  const probability = optionalNumber(r, 'probability', at, { min: 0, max: 1 });
  const skip = optionalNumber(r, 'skip', at, { integer: true, min: 0 });
  const startAfterMs = optionalNumber(r, 'startAfterMs', at, { min: 0 });
  const durationMs = optionalNumber(r, 'durationMs', at, { min: 0 });
  if (count !== undefined) rule.count = count;
  if (probability !== undefined) rule.probability = probability;
  if (skip !== undefined) rule.skip = skip;
  if (startAfterMs !== undefined) rule.startAfterMs = startAfterMs;
  if (durationMs !== undefined) rule.durationMs = durationMs;
  for (const key of ['conversationId', 'label'] as const) {
    if (r[key] === undefined) continue;
    if (typeof r[key] !== 'string' || r[key] === '') fail(key, 'must be a non-empty string');
    rule[key] = r[key] as string;
  }
  if (rule.conversationId !== undefined && rule.endpoint === 'token') fail('conversationId', 'token requests are about no conversation');
  const only = TRANSFER_ONLY[rule.action.type];
  if (only && !only.includes(rule.endpoint)) fail('action.type', `${rule.action.type} applies to ${only.filter((e) => e !== 'any').join(' or ')} requests only`);
  if ((rule.action.type === 'revoke-token' || rule.action.type === 'expire-token') && rule.endpoint === 'token')
    fail('action.type', `${rule.action.type} applies to API requests (the token endpoint has no bearer token)`);
  return rule;
}

function parseAction(raw: unknown, at: string): FaultAction {
  const fail = (field: string, why: string): never => {
    throw new FaultRuleError(`${at}${field ? `.${field}` : ''}: ${why}`);
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('', 'must be an object with a type');
  const a = raw as Json;
  const only = (...keys: string[]) => {
    for (const key of Object.keys(a)) if (key !== 'type' && !keys.includes(key)) fail(key, `unknown field for ${String(a['type'])}`);
  };
  switch (a['type']) {
    case 'status': {
      only('status', 'code', 'message', 'retryAfterSec', 'permission', 'anyOf');
      const status = optionalNumber(a, 'status', at, { integer: true, min: 400, max: 599 });
      if (status === undefined) fail('status', 'required: an HTTP error status 400-599');
      const action: FaultAction = { type: 'status', status: status! };
      const retryAfterSec = optionalNumber(a, 'retryAfterSec', at, { integer: true, min: 0, max: 86_400 });
      if (retryAfterSec !== undefined) {
        if (status !== 429) fail('retryAfterSec', 'only for status 429');
        action.retryAfterSec = retryAfterSec;
      }
      for (const key of ['code', 'message'] as const) {
        if (a[key] === undefined) continue;
        if (typeof a[key] !== 'string' || a[key] === '') fail(key, 'must be a non-empty string');
        action[key] = a[key] as string;
      }
      if (a['permission'] !== undefined) {
        if (status !== 403) fail('permission', 'only for status 403');
        const p = a['permission'];
        const ok = typeof p === 'string' ? p !== '' : Array.isArray(p) && p.length > 0 && p.every((x) => typeof x === 'string' && x !== '');
        if (!ok) fail('permission', 'must be a permission name or a non-empty list of them');
        action.permission = p as string | string[];
      }
      if (a['anyOf'] !== undefined) {
        if (typeof a['anyOf'] !== 'boolean') fail('anyOf', 'must be a boolean');
        action.anyOf = a['anyOf'] as boolean;
      }
      return action;
    }
    case 'latency': {
      only('ms');
      const ms = optionalNumber(a, 'ms', at, { min: 0, max: 600_000 });
      if (ms === undefined) fail('ms', 'required: milliseconds to wait');
      return { type: 'latency', ms: ms! };
    }
    case 'accept-drop': {
      only('mode');
      if (a['mode'] !== undefined && a['mode'] !== 'reset' && a['mode'] !== 'hang') fail('mode', 'must be reset or hang');
      return a['mode'] ? { type: 'accept-drop', mode: a['mode'] as 'reset' | 'hang' } : { type: 'accept-drop' };
    }
    case 'fail-transfer': {
      only('state', 'pendingMs');
      const action: FaultAction = { type: 'fail-transfer' };
      if (a['state'] !== undefined) {
        if (!FAILED_STATES.includes(a['state'] as FailedTransferState)) fail('state', `must be one of ${FAILED_STATES.join(', ')}`);
        action.state = a['state'] as FailedTransferState;
      }
      const pendingMs = optionalNumber(a, 'pendingMs', at, { min: 0, max: 600_000 });
      if (pendingMs !== undefined) action.pendingMs = pendingMs;
      return action;
    }
    case 'slow-apply': {
      only('answerAfterMs', 'applyAfterMs');
      const answerAfterMs = optionalNumber(a, 'answerAfterMs', at, { min: 0, max: 600_000 });
      if (answerAfterMs === undefined) fail('answerAfterMs', 'required: milliseconds before the 202 leaves');
      const applyAfterMs = optionalNumber(a, 'applyAfterMs', at, { min: 0, max: 600_000 });
      return { type: 'slow-apply', answerAfterMs: answerAfterMs!, ...(applyAfterMs !== undefined ? { applyAfterMs } : {}) };
    }
    case 'timeout':
    case 'revoke-token':
    case 'expire-token':
      only();
      return { type: a['type'] };
    default:
      return fail('type', 'must be one of status, latency, timeout, accept-drop, fail-transfer, slow-apply, revoke-token, expire-token');
  }
}

function optionalNumber(o: Json, key: string, at: string, bounds: { integer?: boolean; min?: number; max?: number }): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  const bad = (why: string): never => {
    throw new FaultRuleError(`${at}.${key}: ${why} (got ${JSON.stringify(v)})`);
  };
  if (typeof v !== 'number' || !Number.isFinite(v)) bad('must be a number');
  const n = v as number;
  if (bounds.integer && !Number.isInteger(n)) bad('must be an integer');
  if (bounds.min !== undefined && n < bounds.min) bad(`must be ≥ ${bounds.min}`);
  if (bounds.max !== undefined && n > bounds.max) bad(`must be ≤ ${bounds.max}`);
  return n;
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

/** The installed fault rules and the seeded RNG they draw from. Costs nothing per request while empty. */
export class FaultBook {
  private rules: ActiveFault[] = [];
  private seq = 0;
  private random: () => number;

  constructor(seed = 1) {
    this.random = seededRandom(seed);
  }

  /** Restarts the RNG from `seed`. */
  reseed(seed: number): void {
    this.random = seededRandom(seed);
  }

  /** Validates and installs rules (after those already installed). Throws FaultRuleError on a bad one; installs none then. */
  install(raw: unknown, now: number): ActiveFault[] {
    const added = parseFaultRules(raw).map((r) => ({ ...r, id: ++this.seq, installedAt: now, remaining: r.count ?? Number.POSITIVE_INFINITY, skipped: 0, hits: 0 }));
    this.rules.push(...added);
    return added;
  }

  /**
   * The first rule that applies to this request now, with one use consumed; undefined when none does.
   * `conversationId` is the conversation the request is about (a list for an analytics batch).
   */
  take(endpoint: RequestEndpoint, conversationId: string | readonly string[] | undefined, now: number): ActiveFault | undefined {
    if (this.rules.length === 0) return undefined;
    for (const f of this.rules) {
      if (f.remaining <= 0) continue;
      if (f.endpoint === 'any' ? endpoint === 'token' : f.endpoint !== endpoint) continue;
      if (!appliesTo(f.action, endpoint)) continue;
      if (f.conversationId !== undefined && !(Array.isArray(conversationId) ? conversationId.includes(f.conversationId) : f.conversationId === conversationId)) continue;
      const start = f.installedAt + (f.startAfterMs ?? 0);
      if (now < start || (f.durationMs !== undefined && now >= start + f.durationMs)) continue;
      if (f.skipped < (f.skip ?? 0)) {
        f.skipped += 1;
        continue;
      }
      if (f.probability !== undefined && this.random() >= f.probability) continue;
      f.remaining -= 1;
      f.hits += 1;
      return f;
    }
    return undefined;
  }

  list(): ActiveFault[] {
    return this.rules;
  }

  /** Removes one rule; false when there was none with that id. */
  remove(id: number): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((f) => f.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }
}
