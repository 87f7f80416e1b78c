import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { EventProblem } from '@fallback/core';
import type { ErrorCode } from './contract.js';

/** An error the ingress answers on purpose: HTTP status, a stable code, and (for bad input) the field. */
export class IngressError extends Error {
  override readonly name = 'IngressError';
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Body of every error answer. `code` is stable (contract.ts lists them all); `message` is for people; `field` is a JSON pointer. */
export interface ErrorReply {
  error: { code: ErrorCode; message: string; field?: string };
}

/** A 400 naming the field of a body (or query) problem found after schema validation. */
export const badInput = (code: ErrorCode, problem: EventProblem) => new IngressError(400, code, problem.message, problem.field);

/** Fastify's own error codes, mapped to ours (status, code, message). */
const FASTIFY_ERRORS: Record<string, [number, ErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large', 'request body is larger than the limit'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'send Content-Type: application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_body', 'Content-Length does not match the body'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_json', 'the body is empty; send a JSON object'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json', 'the body is not valid JSON'],
};

/** Refusals worth a log line at info (who is knocking, never what they sent); floods (429) only at debug. */
const LOGGED = new Set([401, 403, 413, 415]);

/** One error handler for the whole app: known errors get their status and code, the rest a bare 500. */
export function errorHandler(error: FastifyError | IngressError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof IngressError) {
    for (const [k, v] of Object.entries(error.headers)) reply.header(k, v);
    const level = LOGGED.has(error.statusCode) ? 'info' : 'debug';
    request.log[level]({ status: error.statusCode, code: error.code, url: request.routeOptions.url, ip: request.ip }, 'request refused');
    return reply.code(error.statusCode).send(body(error.code, error.message, error.field));
  }
  const fe = error as FastifyError;
  if (fe.validation) {
    const first = fe.validation[0];
    const field = first ? fieldOf(first) : undefined;
    const message = first ? `${field ?? 'body'} ${first.message ?? 'is invalid'}` : 'invalid request';
    // The routes check their query with their own parsers first; this is only a backstop, named as a query problem.
    return reply.code(400).send(body(fe.validationContext === 'querystring' ? 'invalid_query' : 'invalid_payload', message, field));
  }
  const mapped = fe.code ? FASTIFY_ERRORS[fe.code] : undefined;
  if (mapped) {
    if (LOGGED.has(mapped[0])) request.log.info({ status: mapped[0], code: mapped[1], ip: request.ip }, 'request refused');
    return reply.code(mapped[0]).send(body(mapped[1], mapped[2]));
  }
  // Any other client error of Fastify's keeps its status but gets a stable code, not Fastify's internal one.
  if (fe.statusCode && fe.statusCode < 500) return reply.code(fe.statusCode).send(body('bad_request', fe.message));
  request.log.error({ err: error }, 'unhandled error');
  // Internal error text never reaches the caller.
  return reply.code(500).send(body('internal_error', 'internal error; the event was not accepted, retry'));
}

function body(code: ErrorCode, message: string, field?: string): ErrorReply {
  return { error: field ? { code, message, field } : { code, message } };
}

/** JSON pointer of the field an ajv error is about (`/conversationId`, `/routingHint/queueId`). */
function fieldOf(v: { instancePath?: string; params?: Record<string, unknown>; keyword?: string }): string {
  const base = v.instancePath ?? '';
  const missing = v.params?.['missingProperty'] ?? v.params?.['additionalProperty'];
  return typeof missing === 'string' ? `${base}/${missing}` : base || '/';
}
