/**
 * The published HTTP contract: every route's schemas (request and each answer) and the OpenAPI document's frame.
 * app.ts hangs these on its routes; @fastify/swagger builds GET /v1/openapi.json from the routes, so what is
 * documented is what the routes declare. Response schemas also serialize the answers (fast-json-stringify): a
 * field missing here would be dropped from the answer, which contract.test.ts guards against for the status view.
 */
import type { SwaggerOptions } from '@fastify/swagger';
import { FAILURE_TYPES, UUID_PATTERN, failureEventSchema } from '@fallback/core';
import { MAX_WAIT_SECONDS } from '@fallback/ingress-core';

/**
 * Every error code the ingress answers with (`{"error":{"code","message","field?"}}`), its status and when. The
 * codes are stable (clients branch on them): add, never rename. The README's error table lists the same
 * (checked by contract.test.ts).
 */
export const ERROR_CODES = {
  invalid_payload: { status: 400, when: 'the body breaks the event schema; `field` is a JSON pointer (`/conversationId`)' },
  invalid_json: { status: 400, when: 'not JSON, or an empty body' },
  forbidden_property: { status: 400, when: '`__proto__` or `constructor.prototype` anywhere in the body' },
  invalid_query: { status: 400, when: '`?wait` or the lookup\'s `conversationId` missing, repeated or malformed (`field`: `/wait`, `/conversationId`)' },
  invalid_body: { status: 400, when: 'Content-Length does not match the body' },
  bad_request: { status: 400, when: 'any other malformed request' },
  unauthorized: { status: 401, when: 'no or unknown API key, and no signature' },
  invalid_signature: { status: 401, when: 'signature headers missing, repeated or malformed, or no signature matches the raw body' },
  timestamp_out_of_tolerance: { status: 401, when: '`webhook-timestamp` more than 300 s from the ingress clock' },
  source_mismatch: { status: 403, when: 'the body\'s `source` names another source than the credentials (`field`: `/source`)' },
  not_found: { status: 404, when: 'unknown path or fallback id, or a fallback another source created' },
  method_not_allowed: { status: 405, when: 'wrong method on a known path (`Allow` says which)' },
  payload_too_large: { status: 413, when: 'body over the configured limit (64 KiB by default)' },
  unsupported_media_type: { status: 415, when: 'anything but `Content-Type: application/json`' },
  rate_limited: { status: 429, when: 'the source\'s flood limit; retry after `Retry-After` seconds' },
  queue_unavailable: { status: 503, when: 'the queue (Redis) is unavailable: nothing was written, retry after `Retry-After`' },
  overloaded: { status: 503, when: 'the ingress is overloaded: nothing was written, retry after `Retry-After`' },
  internal_error: { status: 500, when: 'a bug: nothing was accepted, retry' },
} as const;

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

const codesOf = (status: number) => (Object.keys(ERROR_CODES) as ErrorCode[]).filter((c) => ERROR_CODES[c].status === status);

/** Response headers, as @fastify/swagger reads them from a response schema's `headers`. */
const RETRY_AFTER = { 'Retry-After': { type: 'integer', minimum: 1, description: 'Seconds to wait before retrying.' } } as const;

/**
 * The error body for one status: `{"error":{"code","message","field?"}}` with the codes this answer can carry
 * (all of the status by default).
 */
function errorResponse(status: number, description: string, opts: { codes?: ErrorCode[]; headers?: Record<string, object> } = {}) {
  const codes = opts.codes ?? codesOf(status);
  return {
    description,
    ...(opts.headers ? { headers: opts.headers } : {}),
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', enum: codes, description: codes.map((c) => `\`${c}\`: ${ERROR_CODES[c].when}`).join('\n\n') },
          message: { type: 'string', description: 'For people; may change. Never echoes credentials.' },
          field: { type: 'string', description: 'JSON pointer of the offending field or query parameter, for bad input.' },
        },
      },
    },
  };
}

const unauthorized = errorResponse(401, 'Not authenticated: neither a known API key nor a valid Standard Webhooks signature.', {
  headers: { 'WWW-Authenticate': { type: 'string', description: '`Bearer`' } },
});
const rateLimited = errorResponse(429, "The source's flood limit is reached; nothing was written.", {
  headers: {
    ...RETRY_AFTER,
    'x-ratelimit-limit': { type: 'integer', description: 'Requests allowed per window.' },
    'x-ratelimit-remaining': { type: 'integer', description: 'Always 0 on a 429.' },
  },
});
const unavailable = errorResponse(503, 'Redis is down (`queue_unavailable`) or the ingress is overloaded (`overloaded`): nothing was written; retry.', {
  headers: RETRY_AFTER,
});

/** Where a fallback sends the caller. */
export const targetSchema = {
  type: 'object',
  description: 'Where the caller goes: a queue (by id and/or name), a number/DID routed to an Architect flow, or an agent.',
  required: ['kind'],
  properties: {
    kind: { type: 'string', enum: ['queue', 'number', 'agent'] },
    queueId: { type: 'string', description: 'Genesys queue id (kind `queue`).' },
    queueName: { type: 'string', description: 'Genesys queue name (kind `queue`).' },
    address: { type: 'string', description: 'Number or SIP URI (kind `number`).' },
    userId: { type: 'string', description: 'Genesys user id (kind `agent`).' },
  },
} as const;

/** A finished job's result (the job's return value). */
const resultSchema = {
  type: 'object',
  description: '`transferred`: the bot leg was replaced (confirmed by reading the conversation). `expired`: the deadline passed first.',
  required: ['outcome', 'at'],
  properties: {
    outcome: { type: 'string', enum: ['transferred', 'expired'] },
    at: { type: 'integer', description: 'When it ended (epoch ms).' },
    target: targetSchema,
    participantId: { type: 'string', description: 'The replaced leg (transferred).' },
    alreadyTransferred: { type: 'boolean', description: 'Genesys already showed the transfer (a retry after a lost answer): nothing was posted again.' },
    genesysRequests: { type: 'integer', description: 'Genesys requests the job sent (transferred).' },
    step: { type: 'integer', minimum: 1, description: "Which target of the route's chain took the call, when not the first (1 = the second)." },
    callback: { type: 'boolean', description: "A callback was scheduled before the transfer (the queue's wait was above the route's limit)." },
    deadline: { type: 'integer', description: 'The deadline that passed (expired; epoch ms).' },
    reason: { type: 'string', enum: ['deadline.passed'], description: 'expired' },
  },
} as const;

/** Fields of a fallback's public view (GET /v1/fallbacks/{id}), shared by every answer that carries one. */
const viewProperties = {
  id: { type: 'string', description: 'The fallback id: `fb-` and 32 hex digits.' },
  status: {
    type: 'string',
    enum: ['queued', 'active', 'transferred', 'failed', 'expired'],
    description: '`queued` and `active` change; `transferred`, `failed` and `expired` are final.',
  },
  conversationId: { type: 'string', description: 'The Genesys conversation.' },
  target: targetSchema,
  route: { type: 'string', description: 'Name of the routing rule that decided (`default` when none matched).' },
  failureType: { type: 'string', description: `The event's failure type (${FAILURE_TYPES.join(', ')}).` },
  receivedAt: { type: 'string', format: 'date-time' },
  deadline: { type: 'string', format: 'date-time', description: 'After it the fallback expires instead of transferring.' },
  attempts: { type: 'integer', description: 'Attempts so far (Genesys rate-limit pauses are not counted).' },
  starts: { type: 'integer', description: 'Times a worker started the job, rate-limit hand-backs included.' },
  reason: {
    type: 'string',
    description:
      'Why a fallback failed or expired: `call.ended`, `participant.not.found`, `genesys.forbidden`, `genesys.auth.failed`, `genesys.rejected`, ' +
      '`attempts.exhausted`, `transfer.unconfirmed`, `payload.invalid`, `deadline.passed`.',
  },
  detail: { type: 'string', description: 'What went wrong, for people (failed).' },
  finishedAt: { type: 'string', format: 'date-time' },
  result: resultSchema,
} as const;

/** A fallback as GET /v1/fallbacks/{id} shows it. */
export const statusViewSchema = {
  type: 'object',
  required: ['id', 'status', 'conversationId', 'target', 'route', 'failureType', 'receivedAt', 'deadline', 'attempts', 'starts'],
  properties: viewProperties,
} as const;

/** What the POST answers besides the fallback: set when the route has them. */
const replyExtras = {
  referTo: { type: 'string', description: "Number or SIP URI of the route's fallback flow: a bot still alive may REFER the call there itself." },
  routingHint: { type: 'string', enum: ['applied', 'ignored'], description: "What became of the event's routingHint (`ignored`: the rule does not allow it; logged)." },
} as const;

/** 202: this request created the fallback. Also what makes the hot path's answer a compiled serializer. */
export const acceptedSchema = {
  description: 'Accepted: this request created the fallback; a worker moves the call.',
  type: 'object',
  required: ['id', 'status', 'conversationId', 'target', 'route', 'deadline', 'statusUrl'],
  properties: {
    id: viewProperties.id,
    status: { type: 'string', enum: ['queued'] },
    conversationId: viewProperties.conversationId,
    target: targetSchema,
    route: viewProperties.route,
    deadline: viewProperties.deadline,
    ...replyExtras,
    statusUrl: { type: 'string', description: 'Where to read its status (GET).' },
  },
} as const;

/** 200 on POST: a repeat (`duplicate`), or with `?wait` the outcome that came in time. */
const repeatSchema = {
  description:
    'The event is already known (`duplicate: true`: a repeat, replay or concurrent twin; never a second job), or, with `?wait`, the fallback ended in time ' +
    '(`status` transferred, failed or expired). The fallback as GET /v1/fallbacks/{id} shows it.',
  type: 'object',
  required: ['id', 'status'],
  properties: { ...viewProperties, duplicate: { type: 'boolean', enum: [true] }, ...replyExtras },
} as const;

/** The ways a sender authenticates (OpenAPI security schemes) and the requirement of the sender's routes. */
export const SECURITY_SCHEMES = {
  apiKey: { type: 'http', scheme: 'bearer', description: "`Authorization: Bearer <key>`: one of the source's API keys (several for rotation)." },
  webhookId: { type: 'apiKey', in: 'header', name: 'webhook-id', description: 'Standard Webhooks: the message id (deduplicates replays).' },
  webhookTimestamp: { type: 'apiKey', in: 'header', name: 'webhook-timestamp', description: 'Standard Webhooks: Unix seconds; within ±300 s of the ingress clock.' },
  webhookSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'webhook-signature',
    description: 'Standard Webhooks: `v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{raw body}">` with a source secret (`whsec_…`); several, space-separated, during a rotation.',
  },
} as const;

/** An API key, or all three Standard Webhooks headers. */
const SENDER: { [scheme in keyof typeof SECURITY_SCHEMES]?: string[] }[] = [{ apiKey: [] }, { webhookId: [], webhookTimestamp: [], webhookSignature: [] }];

/**
 * `?wait=` on the wire. ingress-core's parseWait is what reads it (and answers `invalid_query` in its words);
 * this pattern says the same for the document and ajv, and contract.test.ts checks they agree.
 */
export const WAIT_QUERY_PATTERN = '^0?(?:[0-7](?:\\.\\d{1,3})?|8(?:\\.0{1,3})?)$';

/** POST /v1/fallbacks */
export const postFallbackSchema = {
  tags: ['fallbacks'],
  operationId: 'reportFailure',
  summary: 'Report a bot failure: move the live call to its fallback',
  description:
    'Authenticates, validates, deduplicates and enqueues; answers in milliseconds. Repeats are recognised on `eventId` within the conversation ' +
    '(or conversation + failureType without one) and answered 200 with the first fallback, never a second job. Nothing is enqueued for any 4xx or 5xx.',
  security: SENDER,
  querystring: {
    type: 'object',
    properties: {
      wait: {
        type: 'string',
        pattern: WAIT_QUERY_PATTERN,
        description: `Seconds (0 to ${MAX_WAIT_SECONDS}, up to three decimals) to wait for the outcome: 200 with it when it comes in time, else the usual 202.`,
      },
    },
  },
  body: failureEventSchema,
  response: {
    202: acceptedSchema,
    200: repeatSchema,
    400: errorResponse(400, 'Bad input; `field` names it.', { codes: ['invalid_payload', 'invalid_json', 'forbidden_property', 'invalid_query', 'invalid_body', 'bad_request'] }),
    401: unauthorized,
    403: errorResponse(403, "The body's `source` is not the one the credentials belong to."),
    413: errorResponse(413, 'The body is larger than the limit.'),
    415: errorResponse(415, 'Only `Content-Type: application/json` (Cognigy\'s HTTP Request node defaults to form encoding: set JSON).'),
    429: rateLimited,
    503: unavailable,
  },
};

/** GET /v1/fallbacks/{id} */
export const getFallbackSchema = {
  tags: ['fallbacks'],
  operationId: 'getFallback',
  summary: 'A fallback by id',
  security: SENDER,
  params: {
    type: 'object',
    properties: {
      // No pattern on purpose: an id that cannot exist answers 404 not_found, as an unknown one does.
      id: { type: 'string', description: 'The id the POST answered: `fb-` and 32 hex digits.' },
    },
  },
  response: {
    200: { description: 'The fallback.', ...statusViewSchema },
    401: unauthorized,
    404: errorResponse(404, 'Unknown, past retention, or created by another source (ids cannot be probed).', { codes: ['not_found'] }),
    429: rateLimited,
    503: unavailable,
  },
};

/** GET /v1/fallbacks?conversationId= */
export const listFallbacksSchema = {
  tags: ['fallbacks'],
  operationId: 'listFallbacks',
  summary: "A conversation's fallbacks, newest first",
  description: "Those the caller's source created (at most 20, while retained); `{fallbacks: []}` when none.",
  security: SENDER,
  querystring: {
    type: 'object',
    required: ['conversationId'],
    properties: { conversationId: { type: 'string', pattern: UUID_PATTERN, description: 'The Genesys conversation id, once.' } },
  },
  response: {
    200: {
      description: "The conversation's fallbacks, newest first.",
      type: 'object',
      required: ['fallbacks'],
      properties: { fallbacks: { type: 'array', items: statusViewSchema } },
    },
    400: errorResponse(400, '`conversationId` missing, repeated or not a UUID.', { codes: ['invalid_query', 'bad_request'] }),
    401: unauthorized,
    429: rateLimited,
    503: unavailable,
  },
};

/** The other methods on the fallback paths. */
export const methodNotAllowedSchema = (allow: string) => ({
  tags: ['fallbacks'],
  summary: `Not allowed: use ${allow}`,
  security: [],
  response: {
    405: errorResponse(405, 'Wrong method on a known path.', { headers: { Allow: { type: 'string', description: `\`${allow}\`` } } }),
  },
});

/** A JSON document served as is (no serializer schema: every field is kept). */
const documentResponse = (description: string) => ({ description, type: 'object', additionalProperties: true });

/** GET /v1/schema/failure-event.json */
export const eventSchemaRouteSchema = {
  tags: ['contract'],
  operationId: 'getFailureEventSchema',
  summary: 'The JSON Schema of the failure event (the request body of POST /v1/fallbacks)',
  security: [],
  produces: ['application/schema+json'],
  response: { 200: documentResponse('JSON Schema (draft-07).') },
};

/** GET /v1/openapi.json */
export const openapiRouteSchema = {
  tags: ['contract'],
  operationId: 'getOpenApi',
  summary: 'This document',
  security: [],
  response: { 200: documentResponse('OpenAPI 3.1.') },
};

/** GET /healthz */
export const healthSchema = {
  tags: ['probes'],
  summary: 'Liveness: the process answers',
  security: [],
  response: { 200: { description: 'Up.', type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } } },
};

/** GET /readyz */
export const readySchema = {
  tags: ['probes'],
  summary: 'Readiness: Redis answers',
  security: [],
  response: {
    200: { description: 'Ready.', type: 'object', properties: { status: { type: 'string', enum: ['ready'] } } },
    503: {
      description: 'Not ready: Redis does not answer (bounded to 1 s).',
      type: 'object',
      properties: { status: { type: 'string', enum: ['not-ready'] }, reason: { type: 'string' } },
    },
  },
};

/** @fastify/swagger's options: the document's frame. Routes without a tag (metrics, dashboard, Swagger UI) are left out. */
export const openapiOptions: SwaggerOptions = {
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'Cognigy → Genesys Cloud bot-failure fallback',
      version: '1.0.0',
      description: [
        'A voice bot that fails mid-call posts a failure event; the service moves the live Genesys Cloud conversation to its fallback (a queue, ' +
          'a number routed to an Architect flow, or an agent). The ingress answers within milliseconds; a worker does the transfer.',
        '**Authentication**, per source: `Authorization: Bearer <API key>`, or a Standard Webhooks signature (`webhook-id`, `webhook-timestamp`, ' +
          '`webhook-signature`). A request carrying any `webhook-*` header must be validly signed.',
        '**Errors** are `{"error":{"code","message","field?"}}` with a stable `code` (an enum on each answer); nothing is enqueued for any of them. ' +
          'Besides the answers listed, a request that stalls is cut with a bare `408`, and a bug answers `500 internal_error`: retry.',
        'Field names are a public contract: added to, never renamed. Clients must ignore fields they do not know.',
      ].join('\n\n'),
    },
    tags: [
      { name: 'fallbacks', description: 'What a sender (a Cognigy flow) calls.' },
      { name: 'contract', description: 'The published schemas (no credentials).' },
      { name: 'probes', description: 'Health and readiness, for your network only.' },
    ],
    components: { securitySchemes: SECURITY_SCHEMES },
  },
  hideUntagged: true,
};
