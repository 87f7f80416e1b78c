/**
 * Genesys' error body (SDK model `ErrorBody`, genesys-cloud.md §6). `contextId` equals the response's
 * `inin-correlation-id` header.
 */
export interface ErrorBody {
  message: string;
  code: string;
  status: number;
  messageWithParams?: string;
  messageParams?: Record<string, string>;
  contextId: string;
  details: unknown[];
  errors: unknown[];
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

/**
 * The 429 body exactly as Genesys sends it (genesys-cloud.md §6): no messageWithParams/messageParams, and the
 * wait repeated in the message. The `Retry-After` header carries the same whole seconds.
 */
export function rateLimitBody(seconds: number, contextId: string) {
  return {
    message: `Rate limit exceeded the maximum. Retry the request in [${seconds}] seconds`,
    code: 'too.many.requests.retry.after',
    status: 429,
    contextId,
    details: [],
    errors: [],
  };
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
