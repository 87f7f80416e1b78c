import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  buildJobData,
  failureEventSchema,
  isJobId,
  jobIdOf,
  normalizeEvent,
  tableRouter,
  type EventProblem,
  type FailureEvent,
  type FailureEventBody,
  type FallbackJobData,
  type FallbackResult,
} from '@fallback/core';
import type { IngressConfig } from '@fallback/config';
import {
  createAuthenticator,
  effectiveSource,
  FloodMemory,
  floodRetryAfterSeconds,
  hasSignatureHeaders,
  isAuthFailure,
  parseConversationQuery,
  parseJsonBody,
  parseWait,
  tenantOf,
  type AuthFailure,
  type IngressPolicy,
  type JsonProblem,
  type Principal,
} from '@fallback/ingress-core';
import {
  FloodCounter,
  floodKey,
  getFallbackStatus,
  isFinalStatus,
  listFallbacks,
  type FallbackProducer,
  type FallbackWaiter,
  type FloodLimit,
  type FloodLimitedError,
} from '@fallback/queue';
import {
  eventSchemaRouteSchema,
  getFallbackSchema,
  healthSchema,
  listFallbacksSchema,
  methodNotAllowedSchema,
  openapiOptions,
  openapiRouteSchema,
  postFallbackSchema,
  readySchema,
  type ErrorCode,
} from './contract.js';
import { IngressError, badInput, errorHandler } from './errors.js';
import { registerOverload } from './overload.js';

/** What the ingress app needs; main.ts wires real ones, tests wire real ones on a test Redis. */
export interface IngressDeps {
  /** `overload` (load shedding) is optional: without it nothing is shed (tests that do not test shedding). */
  config: Pick<IngressConfig, 'bodyLimit' | 'deadline' | 'trustProxy' | 'timeouts' | 'queuePrefix'> & Partial<Pick<IngressConfig, 'overload'>>;
  /** Sources (who may send, how they authenticate, their flood limits) and routing rules. */
  policy: IngressPolicy;
  producer: FallbackProducer;
  queue: Queue<FallbackJobData, FallbackResult>;
  /** The connection rate-limit counters live on (the producer's: no offline queue, so a dead Redis fails fast). */
  redis: Redis;
  /** For `?wait=`; without one, POST answers at once whatever `wait` says. */
  waiter?: FallbackWaiter;
  logger: Logger;
  now?: () => number;
  /** Readiness probe (Redis reachable); /readyz answers 503 when it rejects. */
  ready?: () => Promise<void>;
  /**
   * Counts each new failure toward the outage breakers (one Redis command, not awaited: packages/breaker
   * BreakerCounter). Absent: no breaker configured.
   */
  breakers?: { count(event: FailureEvent): void };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received (signatures are over these bytes), before JSON parsing. */
    rawBody: string | undefined;
    principal: Principal | undefined;
  }
}

/** Redis is down (or the queue refused): tell the sender to retry soon, nothing was written. */
const queueUnavailable = () =>
  new IngressError(503, 'queue_unavailable', 'the fallback queue is unavailable; nothing was accepted, retry shortly', undefined, {
    'Retry-After': '1',
  });

const unauthenticated = (failure: AuthFailure) =>
  new IngressError(401, failure.code, failure.message, undefined, { 'WWW-Authenticate': 'Bearer' });

const JSON_PROBLEMS: Record<JsonProblem, [ErrorCode, string]> = {
  empty_body: ['invalid_json', 'the body is empty; send a JSON object'],
  invalid_json: ['invalid_json', 'the body is not valid JSON'],
  forbidden_property: ['forbidden_property', 'the body has a forbidden __proto__ or constructor.prototype property'],
};

/** Builds the ingress HTTP app (not listening). */
export async function buildApp(deps: IngressDeps): Promise<FastifyInstance> {
  const now = deps.now ?? Date.now;
  const { config } = deps;
  const auth = createAuthenticator(deps.policy.sources, now);
  const router = tableRouter(deps.policy.routing);
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    // A slow sender must not hold a socket (slowloris): the idle timeout closes a stalled socket, the request
    // timeout bounds the whole request however slowly it trickles. Cognigy itself gives up after 8 s.
    connectionTimeout: config.timeouts.connectionMs,
    requestTimeout: config.timeouts.requestMs,
    // Node checks request/headers timeouts on a timer (30 s by default): check often enough to honour them.
    http: {
      headersTimeout: config.timeouts.requestMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(config.timeouts.requestMs / 4))),
    },
    return503OnClosing: true,
    // A line per request at 10k+ requests/s costs more than the request; refusals are logged instead. For the
    // same reason no child logger per request (pino builds one with its redaction each time): the few lines a
    // request writes carry their own fields.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger) => logger,
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: false } },
  });
  app.setErrorHandler(errorHandler);
  // Before any route: it records every route's schemas for GET /v1/openapi.json (contract.ts).
  await app.register(swagger, openapiOptions);
  if (config.overload) await registerOverload(app, config.overload);
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
  );
  app.decorateRequest('rawBody', undefined);
  app.decorateRequest('principal', undefined);

  // JSON only (anything else is a 415), kept as text until the sender is authenticated: a signature is over
  // the exact bytes, and an unauthenticated body is not worth parsing. Fastify enforces the body limit here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    request.rawBody = body as string;
    done(null, body);
  });

  // Flood limits: a fixed window per source, counted in Redis across ingress processes. A POST is counted in its
  // enqueue's round trip (the producer's script); the GETs on a FloodCounter, many per round trip. A source over
  // its limit is remembered until its window ends and refused before its body is read.
  const floods = new FloodCounter(deps.redis);
  const overLimit = new FloodMemory(now);
  const floodLimitOf = (principal: Principal): FloodLimit | undefined => {
    const spec = principal.source.rateLimit;
    return spec ? { key: floodKey(config.queuePrefix, principal.source.name), max: spec.max, windowMs: spec.windowMs } : undefined;
  };
  const floodRefusal = (reply: FastifyReply, principal: Principal, ttlMs: number) => {
    const spec = principal.source.rateLimit!;
    const retryAfter = String(floodRetryAfterSeconds(ttlMs));
    reply.header('x-ratelimit-limit', spec.max).header('x-ratelimit-remaining', 0);
    return new IngressError(429, 'rate_limited', `source "${principal.source.name}" sent more than ${spec.max} requests in ${spec.windowMs / 1000} s; retry after ${retryAfter} s`, undefined, {
      'Retry-After': retryAfter,
    });
  };

  /** API keys are checked before the body is read; signed requests wait for their body (preValidation). */
  const authenticateEarly = async (request: FastifyRequest) => {
    if (hasSignatureHeaders(request.headers)) return;
    const result = auth.bearer(request.headers.authorization);
    if (isAuthFailure(result)) throw unauthenticated(result);
    request.principal = result;
  };

  /**
   * Signature (over the raw body), then the source's flood limit, then JSON: in that order, cheapest refusal
   * first. `countsFlood`: this route counts the request here (the GETs); POST counts it with its enqueue.
   */
  const guard = (countsFlood: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.principal) {
      const result = auth.signed(request.headers, request.rawBody ?? '');
      if (isAuthFailure(result)) throw unauthenticated(result);
      request.principal = result;
    }
    const principal = request.principal;
    const flood = floodLimitOf(principal);
    if (flood) {
      const known = overLimit.msLeft(principal.source.name);
      if (known > 0) throw floodRefusal(reply, principal, known);
      // Redis down: do not refuse on the limiter's account; the request answers 503 right after.
      const count = countsFlood ? await floods.hit(flood.key, flood.windowMs).catch(() => undefined) : undefined;
      if (count && count.current > flood.max) {
        overLimit.remember(principal.source.name, count.ttlMs);
        throw floodRefusal(reply, principal, count.ttlMs);
      }
    }
    if (request.rawBody !== undefined) {
      const parsed = parseJsonBody(request.rawBody);
      if ('problem' in parsed) {
        const [code, message] = JSON_PROBLEMS[parsed.problem];
        throw new IngressError(400, code, message);
      }
      request.body = parsed.value;
    }
  };

  /**
   * Checks the query with the parser the handler reads it with, before the schema's own check: the sender is told
   * `invalid_query` in the parser's words. The route's querystring schema says the same for the document.
   */
  const checkQuery = (parse: (query: Record<string, unknown>) => object | { problem: EventProblem }) => async (request: FastifyRequest) => {
    const parsed = parse(request.query as Record<string, unknown>);
    if ('problem' in parsed) throw badInput('invalid_query', parsed.problem);
  };
  const checkWait = checkQuery((q) => parseWait(q['wait']));
  const checkConversation = checkQuery((q) => parseConversationQuery(q['conversationId']));

  app.post<{ Body: FailureEventBody; Querystring: { wait?: string } }>(
    '/v1/fallbacks',
    { schema: postFallbackSchema, onRequest: authenticateEarly, preValidation: [guard(false), checkWait] },
    async (request, reply) => {
      // Every refusal happens before the enqueue: a 4xx never leaves a job behind.
      const wait = parseWait(request.query.wait);
      if ('problem' in wait) throw badInput('invalid_query', wait.problem);
      const normalized = normalizeEvent(request.body);
      if ('problem' in normalized) throw badInput('invalid_payload', normalized.problem);
      const principal = request.principal!;
      const source = effectiveSource(principal, normalized.event.source);
      if ('problem' in source) throw new IngressError(403, 'source_mismatch', source.problem.message, source.problem.field);
      const event = source.source === undefined ? normalized.event : { ...normalized.event, source: source.source };

      const receivedAt = now();
      const decision = router.resolve(event, new Date(receivedAt));
      if (decision.hint === 'ignored')
        request.log.warn({ route: decision.route, source: source.source, hint: Object.keys(event.routingHint ?? {}) }, 'routingHint names a target the matched rule does not allow; ignored');
      // A declared source's events live in its own key space: another source cannot pre-empt or read them.
      const tenant = tenantOf(principal);
      const data = buildJobData(event, decision, receivedAt, config.deadline, tenant);
      const id = jobIdOf(data.dedupeKey);
      const flood = floodLimitOf(principal);
      let created: boolean;
      try {
        ({ created } = await deps.producer.submit(id, data, tenant, flood ? { flood } : {}));
      } catch (err) {
        if ((err as Error).name === 'FloodLimitedError') {
          overLimit.remember(principal.source.name, (err as FloodLimitedError).ttlMs);
          throw floodRefusal(reply, principal, (err as FloodLimitedError).ttlMs);
        }
        request.log.warn({ err: (err as Error).message, conversationId: data.conversationId }, 'enqueue failed');
        throw queueUnavailable();
      }
      // A new failure (never a repeat of one) counts toward the outage breakers; the answer does not wait for it.
      if (created) deps.breakers?.count(event);
      const extras = {
        ...(decision.referTo ? { referTo: decision.referTo } : {}),
        ...(decision.hint ? { routingHint: decision.hint } : {}),
      };

      if (wait.ms > 0 && deps.waiter) {
        // The job is durably queued whatever happens here: a failed wait only means answering without the outcome.
        const view = await deps.waiter.wait(id, wait.ms).catch(() => undefined);
        if (view && isFinalStatus(view.status)) return reply.code(200).send({ ...view, ...(created ? {} : { duplicate: true }), ...extras });
      }
      if (!created) {
        const status = await getFallbackStatus(deps.queue, id).catch(() => undefined);
        return reply.code(200).send({ ...(status ?? { id, status: 'queued' }), duplicate: true, ...extras });
      }
      return reply.code(202).send({
        id,
        status: 'queued',
        conversationId: data.conversationId,
        target: data.target,
        route: data.route,
        deadline: new Date(data.deadline).toISOString(),
        ...extras,
        statusUrl: `/v1/fallbacks/${id}`,
      });
    },
  );

  app.get<{ Params: { id: string } }>('/v1/fallbacks/:id', { schema: getFallbackSchema, onRequest: authenticateEarly, preValidation: guard(true) }, async (request, reply) => {
    const { id } = request.params;
    if (!isJobId(id)) throw new IngressError(404, 'not_found', `no fallback ${id}`, '/id');
    let status;
    try {
      status = await getFallbackStatus(deps.queue, id, tenantOf(request.principal!));
    } catch {
      throw queueUnavailable();
    }
    // Another source's fallback answers exactly like an unknown one: no probing for ids.
    if (!status) throw new IngressError(404, 'not_found', `no fallback ${id} (unknown, or past retention)`);
    return reply.send(status);
  });

  app.get<{ Querystring: { conversationId?: unknown } }>('/v1/fallbacks', { schema: listFallbacksSchema, onRequest: authenticateEarly, preValidation: [guard(true), checkConversation] }, async (request, reply) => {
    const query = parseConversationQuery(request.query.conversationId);
    if ('problem' in query) throw badInput('invalid_query', query.problem);
    let fallbacks;
    try {
      fallbacks = await listFallbacks({ queue: deps.queue, redis: deps.redis, prefix: config.queuePrefix }, query.conversationId, tenantOf(request.principal!));
    } catch {
      throw queueUnavailable();
    }
    return reply.send({ fallbacks });
  });

  app.get('/v1/schema/failure-event.json', { schema: eventSchemaRouteSchema }, async (_request, reply) => reply.type('application/schema+json').send(failureEventSchema));
  app.get('/v1/openapi.json', { schema: openapiRouteSchema }, async () => app.swagger());

  // Known paths answer 405 (with Allow) to other methods instead of a misleading 404.
  for (const [url, allow] of [
    ['/v1/fallbacks', 'GET, POST'],
    ['/v1/fallbacks/:id', 'GET'],
  ] as const) {
    app.route({
      method: ['PUT', 'PATCH', 'DELETE', 'OPTIONS', ...(allow === 'GET' ? (['POST'] as const) : [])],
      url,
      schema: methodNotAllowedSchema(allow),
      handler: async (_request, reply) =>
        reply.code(405).header('Allow', allow).send({ error: { code: 'method_not_allowed', message: `use ${allow}` } }),
    });
  }

  app.get('/healthz', { schema: healthSchema }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: readySchema }, async (_request, reply) => {
    try {
      await deps.ready?.();
      return { status: 'ready' };
    } catch (err) {
      return reply.code(503).send({ status: 'not-ready', reason: (err as Error).message });
    }
  });

  return app;
}
