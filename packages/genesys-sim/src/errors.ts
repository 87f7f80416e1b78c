import type { Models } from 'purecloud-platform-client-v2';

/**
 * Genesys' error body (SDK model `ErrorBody`, docs/genesys-contract.md §6) with the fields the simulator always fills.
 * `contextId` equals the response's `inin-correlation-id` header.
 */
export type ErrorBody = Models.ErrorBody &
  Required<Pick<Models.ErrorBody, 'message' | 'code' | 'status' | 'contextId' | 'details' | 'errors'>>;

/** A refusal the way Genesys answers it: status, code, message (naming the field when one is wrong). */
export interface Refusal {
  status: number;
  code: string;
  message: string;
}

const MESSAGES: Record<number, string> = {
  400: 'The request could not be understood by the server due to malformed syntax.',
  401: 'Authentication failed.',
  403: 'You are not authorized to perform the requested action.',
  404: 'The requested resource was not found.',
  405: 'The requested method is not allowed for this resource.',
  408: 'The client did not produce a request within the server timeout limit.',
  409: 'The request conflicts with the current state of the target resource.',
  413: 'The request is larger than the server is willing or able to process.',
  415: 'Unsupported media type: the request must be application/json.',
  500: 'The server encountered an unexpected condition which prevented it from fulfilling the request.',
  502: 'The server received an invalid response from an upstream server.',
  503: 'Service Unavailable - The server is currently unavailable (because it is overloaded or down for maintenance).',
  504: 'The request timed out.',
};

const CODES: Record<number, string> = {
  400: 'bad.request',
  401: 'bad.credentials',
  403: 'missing.permissions',
  404: 'not.found',
  405: 'method.not.allowed',
  408: 'request.timeout',
  409: 'conflict',
  413: 'request.too.large',
  415: 'unsupported.media.type',
  429: 'too.many.requests.retry.after',
  500: 'internal.server.error',
  502: 'bad.gateway',
  503: 'service.unavailable',
  504: 'gateway.timeout',
};

/** The default Genesys code for a status (bad.request, not.found, service.unavailable, …). */
export function defaultCode(status: number): string {
  return CODES[status] ?? (status >= 500 ? 'internal.server.error' : 'bad.request');
}

/** An ErrorBody for `status`, with Genesys' default code and message unless given. */
export function errorBody(
  status: number,
  contextId: string,
  opts: { code?: string; message?: string; messageWithParams?: string; params?: Record<string, string> } = {},
): ErrorBody {
  const message = opts.message ?? MESSAGES[status] ?? 'Error';
  return {
    message,
    code: opts.code ?? defaultCode(status),
    status,
    messageWithParams: opts.messageWithParams ?? message,
    messageParams: opts.params ?? {},
    contextId,
    details: [],
    errors: [],
  };
}

/** The two 429 codes Genesys sends (docs/genesys-contract.md §6). */
export type RateLimitCode = 'too.many.requests.retry.after' | 'too.many.requests';
export const RATE_LIMIT_CODES: readonly RateLimitCode[] = ['too.many.requests.retry.after', 'too.many.requests'];

/** What a limit 429 says about the limit it hit (SDK `Limit`); fault 429s name none. */
export interface RateLimitInfo {
  /** `too.many.requests` only: the limit's requests per window (the message's first number). */
  maxRequests?: number;
  /** `ErrorBody.limit`, on answers from a real limit. */
  limit?: Models.Limit;
}

/**
 * A 429 body as Genesys sends it (docs/genesys-contract.md §6): no messageWithParams/messageParams.
 * `too.many.requests.retry.after` repeats the wait ("Retry the request in [N] seconds"); the older
 * `too.many.requests` names the limit ("… the maximum [300] requests within [60] seconds": 60 is the window, not
 * a wait). The `Retry-After` header carries the whole seconds either way.
 */
export function rateLimitBody(seconds: number, contextId: string, code: RateLimitCode = 'too.many.requests.retry.after', info: RateLimitInfo = {}): ErrorBody {
  const message =
    code === 'too.many.requests'
      ? `Rate limit exceeded the maximum [${info.maxRequests ?? info.limit?.value ?? 300}] requests within [60] seconds`
      : `Rate limit exceeded the maximum. Retry the request in [${seconds}] seconds`;
  return { message, code, status: 429, contextId, details: [], errors: [], ...(info.limit ? { limit: info.limit } : {}) };
}

/** A 403 naming the missing permission(s), as `missing.permissions` or (several, any one would do) `missing.any.permissions`. */
export function missingPermissionBody(permissions: string[], contextId: string, anyOf = false): ErrorBody {
  const list = `[${permissions.join(', ')}]`;
  const lead = anyOf
    ? 'Unable to perform the requested action. You must have at least one of the following permissions assigned: '
    : 'Unable to perform the requested action. You are missing the following permission(s): ';
  return errorBody(403, contextId, {
    code: anyOf ? 'missing.any.permissions' : 'missing.permissions',
    message: `${lead}${list}`,
    messageWithParams: `${lead}{permissions}`,
    params: { permissions: list },
  });
}

/** The token endpoint answers OAuth-style errors (RFC 6749 §5.2), not ErrorBody, for bad credentials. */
export function oauthErrorBody(error: 'invalid_client' | 'invalid_request' | 'unsupported_grant_type' | 'unauthorized_client', description: string) {
  return { error, description, error_description: description };
}
