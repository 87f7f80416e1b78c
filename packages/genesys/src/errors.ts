/**
 * Error classification (genesys-cloud.md §6). The worker steers a job's fate by `kind` alone:
 * - rate-limited: 429; wait `retryAfterMs` (whole queue), consumes no attempt.
 * - transient: 408/5xx/network; retry with backoff.
 * - ambiguous: transient, but on a transfer POST that may have been applied: read state before re-posting.
 * - auth: 401; the token was refused (drop it, fetch another once).
 * - forbidden: 403; a role lacks a permission: permanent, name it to the operator.
 * - permanent: other 4xx (bad queue id is a 400 `conversations.error.queue.not.found`).
 * - gone: the call is over (404 conversation not found); nothing left to transfer.
 */
export type GenesysErrorKind = 'rate-limited' | 'transient' | 'ambiguous' | 'auth' | 'forbidden' | 'permanent' | 'gone';

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

/** Longest Retry-After we honour as given; beyond it we still wait this long (Genesys' .NET SDK gives up past 3 min). */
export const DEFAULT_MAX_RETRY_AFTER_MS = 180_000;

/**
 * Parses a Retry-After header (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) into milliseconds from `now`.
 * Returns undefined for a missing or unreadable value (garbage, negative, an ISO timestamp); a date in the past
 * gives 0; anything longer than `maxMs` is capped. Genesys sends whole seconds; fractions are rounded up.
 */
export function parseRetryAfter(
  value: string | string[] | undefined | null,
  now: number,
  maxMs: number = DEFAULT_MAX_RETRY_AFTER_MS,
): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) {
    const ms = Math.ceil(Number(text) * 1000);
    return Number.isFinite(ms) ? Math.min(ms, maxMs) : maxMs;
  }
  // An HTTP-date (IMF-fixdate, RFC 850 or asctime) always names a weekday and a month; this refuses
  // numbers-with-junk ("5s", "-5", "12abc") that Date.parse would happily read as a date.
  if (!/^[A-Za-z]{3}/.test(text) || !/GMT$|\d{4}$/.test(text)) return undefined;
  const at = Date.parse(text);
  if (!Number.isFinite(at)) return undefined;
  return Math.min(Math.max(0, at - now), maxMs);
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

/** Codes meaning "this conversation is no longer there": the call is over. */
const GONE_CODES = new Set(['conversation.error.conversation.not.found', 'conversations.error.conversation.not.found']);

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
  now: number;
  maxRetryAfterMs?: number;
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
 * Retryable per genesys-cloud.md §6: 429 (after Retry-After), 408, 5xx, network errors; other 4xx are permanent.
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
    const maxMs = input.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
    const retryAfterMs = Math.min(
      parseRetryAfter(headerOf(input.headers, 'retry-after'), input.now, maxMs) ??
        retryAfterFromMessage(body?.message) ??
        input.defaultRetryAfterMs ??
        1000,
      maxMs,
    );
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
  // A 404 on the conversation means the call is over. A participant that is not found is a wrong id, not a
  // finished call: participants are never removed from a conversation (§5).
  if ((status === 404 && !/participant/i.test(code ?? '')) || (code !== undefined && GONE_CODES.has(code))) {
    return { ...base, kind: 'gone', code: code ?? 'not.found', message: describe('conversation not found (the call is over)') };
  }
  return { ...base, kind: 'permanent', ...(code ? { code } : {}), message: describe(body?.message ?? 'request refused') };
}
