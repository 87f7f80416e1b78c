import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** An error the ingress answers on purpose: HTTP status, a stable code, and (for bad input) the field. */
export class IngressError extends Error {
  override readonly name = 'IngressError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Body of every error answer. `code` is stable; `message` is for people; `field` is a JSON pointer. */
export interface ErrorReply {
  error: { code: string; message: string; field?: string };
}

/** Fastify's own error codes, mapped to ours (status, code, message). */
const FASTIFY_ERRORS: Record<string, [number, string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large', 'request body is larger than the limit'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'send Content-Type: application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_body', 'Content-Length does not match the body'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_json', 'the body is empty; send a JSON object'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json', 'the body is not valid JSON'],
};

/** One error handler for the whole app: known errors get their status and code, the rest a bare 500. */
export function errorHandler(error: FastifyError | IngressError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof IngressError) {
    for (const [k, v] of Object.entries(error.headers)) reply.header(k, v);
    return reply.code(error.statusCode).send(body(error.code, error.message, error.field));
  }
  const fe = error as FastifyError;
  if (fe.validation) {
    const first = fe.validation[0];
    const field = first ? fieldOf(first) : undefined;
    const message = first ? `${field ?? 'body'} ${first.message ?? 'is invalid'}` : 'invalid request';
    return reply.code(400).send(body('invalid_payload', message, field));
  }
  const mapped = fe.code ? FASTIFY_ERRORS[fe.code] : undefined;
  if (mapped) return reply.code(mapped[0]).send(body(mapped[1], mapped[2]));
  // JSON.parse with a __proto__ / constructor.prototype key: Fastify refuses it (prototype poisoning).
  if (fe instanceof SyntaxError || fe.statusCode === 400) {
    const poisoned = /prototype|__proto__|constructor/i.test(fe.message);
    return reply
      .code(400)
      .send(body(poisoned ? 'forbidden_property' : 'invalid_json', poisoned ? 'the body has a forbidden __proto__/constructor property' : 'the body is not valid JSON'));
  }
  if (fe.statusCode && fe.statusCode < 500) return reply.code(fe.statusCode).send(body(fe.code ?? 'bad_request', fe.message));
  request.log.error({ err: error }, 'unhandled error');
  // Internal error text never reaches the caller.
  return reply.code(500).send(body('internal_error', 'internal error; the event was not accepted, retry'));
}

function body(code: string, message: string, field?: string): ErrorReply {
  return { error: field ? { code, message, field } : { code, message } };
}

/** JSON pointer of the field an ajv error is about (`/conversationId`, `/routingHint/queueId`). */
function fieldOf(v: { instancePath?: string; params?: Record<string, unknown>; keyword?: string }): string {
  const base = v.instancePath ?? '';
  const missing = v.params?.['missingProperty'] ?? v.params?.['additionalProperty'];
  return typeof missing === 'string' ? `${base}/${missing}` : base || '/';
}
