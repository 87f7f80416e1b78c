/**
 * Error classification (docs/genesys-contract.md §6). The worker steers a job's fate by `kind` alone:
 * - rate-limited: 429; wait `retryAfterMs` (whole queue), consumes no attempt.
 * - transient: 408/5xx/network; retry with backoff.
 * - ambiguous: transient, but on a transfer POST that may have been applied: read state before re-posting.
 * - auth: 401; the token was refused (drop it, fetch another once).
 * - forbidden: 403 `missing.permissions` / `missing.any.permissions`: a role lacks a permission: permanent, name it
 *   to the operator. Other 403 codes are not about credentials.
 * - leg-refused: a transfer POST refused because of the leg it names — 400 "not a connected participant"
 *   (`bad.request`, `conversations.error.transfer.not.connected`), 404 `not.found`, 403
 *   `conversation.error.forbidden.not.active.participant`. Says nothing about the call (§5, §6): read it, decide again.
 * - permanent: other 4xx (bad queue id is a 400 `conversations.error.queue.not.found`).
 * - gone: the call is over: the conversation READ answered 404. Never from a POST.
 */
export type GenesysErrorKind = 'rate-limited' | 'transient' | 'ambiguous' | 'auth' | 'forbidden' | 'leg-refused' | 'permanent' | 'gone';

/** Genesys' error body (SDK model ErrorBody). All fields optional: proxies and load balancers answer too. */
export interface GenesysErrorBody {
  status?: number;
  code?: string;
  message?: string;
  messageWithParams?: string;
  messageParams?: Record<string, unknown>;
  contextId?: string;
  details?: unknown[];
  errors?: unknown[];
}

/** The request that failed, without headers or body (they may hold tokens or PII). */
export interface FailedRequest {
  method: string;
  /** Path only, e.g. /api/v2/conversations/{id}; never a query string or host credentials. */
  path: string;
}

/** Facts of one failed Genesys call. */
export interface GenesysErrorFacts {
  kind: GenesysErrorKind;
  /** HTTP status, or 0 when no response arrived. */
  status: number;
  /** Genesys error `code` (e.g. too.many.requests.retry.after), or a network code (ETIMEDOUT). */
  code?: string;
  /** `inin-correlation-id` header (same value as the body's contextId): quote it to Genesys support. */
  correlationId?: string;
  /** For rate-limited: how long to wait before any request with this token. */
  retryAfterMs?: number;
  /** For forbidden: the permissions Genesys named as missing. */
  missingPermissions?: string[];
  request: FailedRequest;
  message: string;
}

/** A failed Genesys call. Check `kind` (or `isGenesysApiError`), not `instanceof`: module copies break it. */
export class GenesysApiError extends Error implements GenesysErrorFacts {
  override readonly name = 'GenesysApiError';
  readonly kind: GenesysErrorKind;
  readonly status: number;
  readonly code?: string;
  readonly correlationId?: string;
  readonly retryAfterMs?: number;
  readonly missingPermissions?: string[];
  readonly request: FailedRequest;

  constructor(facts: GenesysErrorFacts) {
    super(facts.message);
    this.kind = facts.kind;
    this.status = facts.status;
    this.request = facts.request;
    if (facts.code !== undefined) this.code = facts.code;
    if (facts.correlationId !== undefined) this.correlationId = facts.correlationId;
    if (facts.retryAfterMs !== undefined) this.retryAfterMs = facts.retryAfterMs;
    if (facts.missingPermissions !== undefined) this.missingPermissions = facts.missingPermissions;
  }

  /** Log-safe fields (pino serializes errors by own properties; this keeps the shape explicit). */
  toJSON(): GenesysErrorFacts {
    return {
      kind: this.kind,
      status: this.status,
      code: this.code,
      correlationId: this.correlationId,
      retryAfterMs: this.retryAfterMs,
      missingPermissions: this.missingPermissions,
      request: this.request,
      message: this.message,
    };
  }
}

/** True for a GenesysApiError from any copy of this module. */
export function isGenesysApiError(err: unknown): err is GenesysApiError {
  return err instanceof Error && err.name === 'GenesysApiError' && typeof (err as GenesysApiError).kind === 'string';
}

/**
 * Parses a Retry-After header (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) into milliseconds from `now`.
 * Returns undefined for a missing or unreadable value (garbage, negative, an ISO timestamp); a date in the past
 * gives 0. Never shortened: a wait longer than a caller can bear expires the job, it never makes us send early
 * (docs/genesys-contract.md §6). Genesys sends whole seconds; fractions are rounded up.
 */
export function parseRetryAfter(value: string | string[] | undefined | null, now: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) {
    const ms = Math.ceil(Number(text) * 1000);
    return Number.isFinite(ms) ? ms : Number.MAX_SAFE_INTEGER;
  }
  // An HTTP-date (IMF-fixdate, RFC 850 or asctime) always names a weekday and a month; this refuses
  // numbers-with-junk ("5s", "-5", "12abc") that Date.parse would happily read as a date.
  if (!/^[A-Za-z]{3}/.test(text) || !/GMT$|\d{4}$/.test(text)) return undefined;
  const at = Date.parse(text);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, at - now);
}

/** The seconds Genesys names in its 429 message ("Retry the request in [N] seconds"), when the header is missing. */
function retryAfterFromMessage(message: unknown): number | undefined {
  const match = typeof message === 'string' ? /in \[?(\d+)\]? seconds?/i.exec(message) : null;
  return match ? Number(match[1]) * 1000 : undefined;
}

const PERMISSION = /^[a-zA-Z]+:[a-zA-Z]+:[a-zA-Z*]+(?::[a-zA-Z*]+)?$/;
const PERMISSION_IN_TEXT = /\b[a-zA-Z]+:[a-zA-Z]+:[a-zA-Z*]+(?::[a-zA-Z*]+)?/g;

function permissionsIn(value: unknown, found: Set<string>): void {
  if (typeof value === 'string') {
    for (const p of value.split(/[\s,[\]"']+/)) if (PERMISSION.test(p)) found.add(p);
  } else if (Array.isArray(value)) {
    for (const v of value) permissionsIn(v, found);
  }
}

/**
 * Permissions named in a 403 body (codes `missing.permissions` / `missing.any.permissions`): the values of
 * `messageParams` first (strings or lists, with or without brackets), else `domain:entity:action` tokens in the
 * message text; nested `errors[]` bodies count too. Empty when the body names none.
 */
export function missingPermissionsOf(body: GenesysErrorBody | undefined): string[] {
  if (!body || typeof body !== 'object') return [];
  const found = new Set<string>();
  for (const value of Object.values(body.messageParams ?? {})) permissionsIn(value, found);
  if (found.size === 0) {
    const text = `${body.messageWithParams ?? ''} ${body.message ?? ''}`;
    for (const match of text.matchAll(PERMISSION_IN_TEXT)) found.add(match[0]);
  }
  for (const nested of Array.isArray(body.errors) ? body.errors : []) {
    if (nested && typeof nested === 'object') for (const p of missingPermissionsOf(nested as GenesysErrorBody)) found.add(p);
  }
  return [...found];
}

/** Codes of a transfer POST refused because of the leg it names (docs/genesys-contract.md §5, §6): read, decide again. */
const LEG_REFUSED_CODES = new Set([
  'bad.request',
  'conversations.error.transfer.not.connected',
  'conversation.error.transfer.not.connected',
  'conversation.error.forbidden.not.active.participant',
  'conversations.error.forbidden.not.active.participant',
  'not.found',
]);

/** 403 codes that mean a role lacks a permission (the body names it). */
const PERMISSION_CODES = new Set(['missing.permissions', 'missing.any.permissions']);

/** Headers as axios or Node hand them over (any case, single or repeated values). */
export type HeaderBag = Record<string, string | string[] | number | undefined | null>;

/** Inputs of classify: a response (status > 0) or a network failure (status 0 with `networkCode`). */
export interface ClassifyInput {
  status: number;
  body?: GenesysErrorBody;
  headers?: HeaderBag;
  /** ECONNREFUSED, ETIMEDOUT, ECONNABORTED, ECONNRESET, … when no response arrived. */
  networkCode?: string;
  request: FailedRequest;
  /** True for a non-idempotent request (a transfer POST): an unanswered one may have been applied. */
  mayHaveApplied: boolean;
  /** What was asked: a conversation read (its 404 means the call is over), a transfer POST (refusals may be about
   * the leg), or anything else. Default: a transfer when mayHaveApplied, else other. */
  call?: 'read' | 'transfer' | 'other';
  now: number;
  /** Used when a 429 carries no usable Retry-After (ms; default 1000). */
  defaultRetryAfterMs?: number;
}

/** Network failures where the request provably never reached Genesys: safe to resend even for a transfer. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** A header value by case-insensitive name (first of repeated values), or undefined. */
export function headerOf(headers: HeaderBag | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  let value = headers[wanted];
  if (value === undefined) {
    for (const key of Object.keys(headers)) if (key.toLowerCase() === wanted) value = headers[key];
  }
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === null ? undefined : String(first);
}

/**
 * Classifies a failed call into the facts the worker acts on. Pure: same input, same answer.
 * Retryable per docs/genesys-contract.md §6: 429 (after Retry-After), 408, 5xx, network errors; other 4xx are permanent.
 */
export function classify(input: ClassifyInput): GenesysErrorFacts {
  const { status, request } = input;
  const body = input.body && typeof input.body === 'object' ? input.body : undefined;
  const correlationId = headerOf(input.headers, 'inin-correlation-id') ?? (typeof body?.contextId === 'string' ? body.contextId : undefined);
  const base = { status, request, ...(correlationId ? { correlationId } : {}) };
  const code = typeof body?.code === 'string' && body.code !== '' ? body.code : undefined;
  const describe = (what: string) =>
    `${request.method} ${request.path} → ${status === 0 ? input.networkCode ?? 'no response' : status}` +
    `${code ? ` ${code}` : ''}: ${what}`;

  if (status === 0) {
    const networkCode = input.networkCode ?? 'ENETWORK';
    const sent = !NOT_SENT_CODES.has(networkCode);
    return {
      ...base,
      kind: sent && input.mayHaveApplied ? 'ambiguous' : 'transient',
      code: networkCode,
      message: describe(sent ? 'no answer; the request may have reached Genesys' : 'not sent'),
    };
  }
  if (status === 429) {
    // The header decides; the older "[300] requests within [60] seconds" message names a window, not a wait, so
    // only the newer "Retry the request in [N] seconds" message stands in for a missing header.
    const retryAfterMs =
      parseRetryAfter(headerOf(input.headers, 'retry-after'), input.now) ??
      (code === 'too.many.requests.retry.after' || code === undefined ? retryAfterFromMessage(body?.message) : undefined) ??
      input.defaultRetryAfterMs ??
      1000;
    return {
      ...base,
      kind: 'rate-limited',
      code: code ?? 'too.many.requests.retry.after',
      retryAfterMs,
      message: describe(`rate limited; retry after ${retryAfterMs} ms`),
    };
  }
  // 409 is documented on the transfer endpoints with unverified codes (§6, §8): treat it like a 5xx, so the
  // worker reads the conversation before it posts again instead of giving the caller up.
  if (status === 408 || status === 409 || status >= 500) {
    return {
      ...base,
      kind: input.mayHaveApplied ? 'ambiguous' : 'transient',
      ...(code ? { code } : {}),
      message: describe(body?.message ?? 'temporary failure'),
    };
  }
  if (status === 401) {
    return { ...base, kind: 'auth', code: code ?? 'authentication.required', message: describe('token refused') };
  }
  const call = input.call ?? (input.mayHaveApplied ? 'transfer' : 'other');
  if (call === 'transfer' && (status === 400 || status === 403 || status === 404) && (code === undefined ? status === 404 : LEG_REFUSED_CODES.has(code))) {
    return { ...base, kind: 'leg-refused', code: code ?? 'not.found', message: describe(body?.message ?? 'the participant is not connected') };
  }
  if (status === 403 && code !== undefined && !PERMISSION_CODES.has(code)) {
    // Not about roles (e.g. a leg that is not an active participant on a non-transfer call): no credentials alarm.
    return { ...base, kind: 'permanent', code, message: describe(body?.message ?? 'forbidden') };
  }
  if (status === 403) {
    const missingPermissions = missingPermissionsOf(body);
    const anyOf = code === 'missing.any.permissions' && missingPermissions.length > 1;
    const names = missingPermissions.length
      ? `${anyOf ? 'one of ' : ''}${missingPermissions.join(', ')}`
      : 'unknown (check the roles of the OAuth client)';
    return {
      ...base,
      kind: 'forbidden',
      code: code ?? 'forbidden',
      missingPermissions,
      message: describe(`OAuth client lacks permission: ${names}`),
    };
  }
  // Only the conversation read decides "call over" (§5, §6): its 404 (`not.found` on the generic read,
  // `conversation.error.conversation.not.found` on the calls read). A 404 on a POST says nothing about the call.
  if (status === 404 && call === 'read') {
    return { ...base, kind: 'gone', code: code ?? 'not.found', message: describe('conversation not found (the call is over)') };
  }
  return { ...base, kind: 'permanent', ...(code ? { code } : {}), message: describe(body?.message ?? 'request refused') };
}
