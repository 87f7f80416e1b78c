import type { FromSchema } from 'json-schema-to-ts';

/**
 * The failure event a bot platform (Cognigy's HTTP Request node, an orchestrator, a VG event relay) posts to
 * the ingress. Field names follow what a Cognigy flow has at hand (docs/cognigy-setup.md) and are a public
 * contract: add, never rename.
 *
 * The schema is plain JSON Schema (draft-07) so Fastify compiles it with ajv once at boot: validating a
 * request costs microseconds, which matters at 10k+ events/s during a bot outage.
 */

/** Failure types the service names; anything else must be sent as UNKNOWN (or the sender gets a 400). */
export const FAILURE_TYPES = [
  'FLOW_ERROR',
  'HTTP_DEPENDENCY_ERROR',
  'LLM_ERROR',
  'STT_ERROR',
  'TTS_ERROR',
  'NO_INPUT_EXHAUSTED',
  'NO_MATCH_EXHAUSTED',
  'TRANSFER_REFER_ERROR',
  'BOT_UNREACHABLE',
  'CALL_FAILED',
  'UNKNOWN',
] as const;

/** One of FAILURE_TYPES. */
export type FailureType = (typeof FAILURE_TYPES)[number];

/** Genesys conversation and participant ids are UUIDs; an unrendered `{{context.genesys.conversationId}}` is not. */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

const shortText = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength }) as const;

/**
 * JSON Schema of the event body: the one definition. The ingress validates with it, serves it at
 * GET /v1/schema/failure-event.json and publishes it in /v1/openapi.json, and the TypeScript types below are
 * derived from it, so the contract, the validation and the code cannot drift apart.
 */
export const failureEventSchema = {
  $id: 'failure-event',
  title: 'Bot failure event',
  description: 'A voice bot failed mid-call; move the live Genesys Cloud conversation to its fallback.',
  type: 'object',
  additionalProperties: false,
  // The conversation id is required, either at the top level or where a Cognigy flow keeps it. The top-level
  // branch comes first so a body with neither is told about `/conversationId`.
  anyOf: [
    { required: ['conversationId'] },
    {
      required: ['context'],
      properties: { context: { type: 'object', required: ['genesys'], properties: { genesys: { type: 'object', required: ['conversationId'] } } } },
    },
  ],
  properties: {
    conversationId: { type: 'string', pattern: UUID_PATTERN, description: 'Genesys Cloud conversation id (x-inin-cnv).' },
    eventId: { ...shortText(200), description: 'Sender-unique id of this failure; repeats are deduplicated on it.' },
    occurredAt: { type: 'string', format: 'date-time', maxLength: 64 },
    source: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' },
    failureType: { type: 'string', enum: FAILURE_TYPES },
    participantId: { type: 'string', pattern: UUID_PATTERN, description: 'The bot leg to replace, when known.' },
    language: { type: 'string', minLength: 2, maxLength: 35, pattern: '^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$' },
    ani: shortText(256),
    dnis: shortText(256),
    bot: {
      type: 'object',
      additionalProperties: false,
      properties: { flowName: shortText(200), endpoint: shortText(200), nodeId: shortText(200) },
    },
    error: {
      type: 'object',
      additionalProperties: false,
      properties: {
        code: shortText(200),
        message: { type: 'string', maxLength: 2000 },
        httpStatus: { type: 'integer', minimum: 100, maximum: 599 },
      },
    },
    routingHint: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
      properties: {
        queueId: { type: 'string', pattern: UUID_PATTERN },
        queueName: shortText(200),
        address: shortText(256),
        userId: { type: 'string', pattern: UUID_PATTERN },
      },
    },
    attributes: {
      type: 'object',
      maxProperties: 50,
      propertyNames: { maxLength: 100, pattern: '^[A-Za-z0-9._-]+$' },
      additionalProperties: { type: 'string', maxLength: 1024 },
    },
    cognigy: {
      type: 'object',
      additionalProperties: false,
      properties: { sessionId: shortText(200), userId: shortText(200), inputId: shortText(200) },
    },
    context: {
      type: 'object',
      description:
        "Cognigy's context (or part of it). Only context.genesys.conversationId and participantId are read, used when the " +
        'top-level fields are absent; every other key is ignored and never stored.',
      properties: {
        genesys: {
          type: 'object',
          properties: {
            conversationId: { type: 'string', pattern: UUID_PATTERN },
            participantId: { type: 'string', pattern: UUID_PATTERN },
          },
        },
      },
    },
    deadline: { type: 'string', format: 'date-time', maxLength: 64 },
    ttlSeconds: { type: 'integer', minimum: 1, maximum: 3600 },
  },
} as const;

/** Object types shown flat in editors (FromSchema's intersections are hard to read). */
type Flat<T> = { [K in keyof T]: T[K] } & {};

/**
 * The body as posted and validated by failureEventSchema: generic (ids at the top level) or Cognigy-shaped (ids
 * in `context.genesys`, e.g. a flow sending its whole `{{context}}`). normalizeEvent turns either into a
 * FailureEvent.
 */
export type FailureEventBody = FromSchema<typeof failureEventSchema>;

/** Every field of the schema, each optional (the schema's anyOf requires one of the two conversation ids). */
type EventFields = FromSchema<{ type: 'object'; additionalProperties: false; properties: typeof failureEventSchema.properties }>;

/** A validated, normalized failure event, as the ingress hands it to routing and job building: no `context`. */
export type FailureEvent = Flat<Omit<EventFields, 'conversationId' | 'context'> & { conversationId: string }>;

/** Where a sender may ask the caller to go; the routing rules decide whether the hint is allowed. */
export type RoutingHint = NonNullable<EventFields['routingHint']>;

/** Where a Cognigy flow keeps the Genesys ids (docs/cognigy-setup.md: the flow copies them into context.genesys). */
export type CognigyContext = NonNullable<EventFields['context']>;

/** Why a schema-valid body still cannot be an event: the field (JSON pointer) and what is wrong. */
export interface EventProblem {
  field: string;
  message: string;
}

const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Turns a schema-valid body into a FailureEvent: ids from `context.genesys` fill in absent top-level ones, and
 * the two places must agree when both are given (a flow that copied the wrong variable must not move another
 * caller's call). `context` itself is dropped: it may hold anything, and nothing of it is stored.
 */
export function normalizeEvent(body: FailureEventBody): { event: FailureEvent } | { problem: EventProblem } {
  const { context, ...rest } = body;
  const genesys = context?.genesys;
  const conversationId = rest.conversationId ?? genesys?.conversationId;
  if (conversationId === undefined) return { problem: { field: '/conversationId', message: '/conversationId is required (or context.genesys.conversationId)' } };
  if (rest.conversationId !== undefined && genesys?.conversationId !== undefined && !sameId(rest.conversationId, genesys.conversationId))
    return { problem: { field: '/context/genesys/conversationId', message: 'context.genesys.conversationId differs from conversationId' } };
  const participantId = rest.participantId ?? genesys?.participantId;
  if (rest.participantId !== undefined && genesys?.participantId !== undefined && !sameId(rest.participantId, genesys.participantId))
    return { problem: { field: '/context/genesys/participantId', message: 'context.genesys.participantId differs from participantId' } };
  const event: FailureEvent = { ...rest, conversationId };
  if (participantId !== undefined) event.participantId = participantId;
  return { event };
}
