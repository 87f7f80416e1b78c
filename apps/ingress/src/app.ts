import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import {
  apiKeyVerifier,
  bearerToken,
  buildJobData,
  failureEventSchema,
  isJobId,
  jobIdOf,
  type FailureEvent,
  type FallbackJobData,
  type FallbackResult,
  type Router,
} from '@fallback/core';
import type { IngressConfig } from '@fallback/config';
import { getFallbackStatus, type FallbackProducer } from '@fallback/queue';
import { IngressError, errorHandler } from './errors.js';

/** What the ingress app needs; main.ts wires real ones, tests wire real ones on a test Redis. */
export interface IngressDeps {
  config: Pick<IngressConfig, 'apiKeys' | 'bodyLimit' | 'deadline' | 'trustProxy'>;
  producer: FallbackProducer;
  queue: Queue<FallbackJobData, FallbackResult>;
  router: Router;
  logger: Logger;
  now?: () => number;
  /** Readiness probe (Redis reachable); /readyz answers 503 when it rejects. */
  ready?: () => Promise<void>;
}

/** Redis is down (or the queue refused): tell the sender to retry soon, nothing was written. */
const queueUnavailable = () =>
  new IngressError(503, 'queue_unavailable', 'the fallback queue is unavailable; nothing was accepted, retry shortly', undefined, {
    'Retry-After': '1',
  });

/** Builds the ingress HTTP app (not listening). */
export async function buildApp(deps: IngressDeps): Promise<FastifyInstance> {
  const now = deps.now ?? Date.now;
  const verify = apiKeyVerifier(deps.config.apiKeys);
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.config.bodyLimit,
    trustProxy: deps.config.trustProxy,
    // A slow sender must not hold a socket forever (slowloris); Cognigy itself gives up after 8 s.
    connectionTimeout: 10_000,
    requestTimeout: 10_000,
    return503OnClosing: true,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // A line per request at 10k+ requests/s costs more than the request; outcomes are logged instead.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: false } },
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
  );

  const authenticate = async (request: { headers: Record<string, string | string[] | undefined> }) => {
    const header = request.headers['authorization'];
    if (!verify(bearerToken(typeof header === 'string' ? header : undefined)))
      throw new IngressError(401, 'unauthorized', 'missing or invalid API key (Authorization: Bearer <key>)', undefined, {
        'WWW-Authenticate': 'Bearer',
      });
  };

  app.post<{ Body: FailureEvent }>(
    '/v1/fallbacks',
    { schema: { body: failureEventSchema }, preValidation: authenticate },
    async (request, reply) => {
      const receivedAt = now();
      const event = request.body;
      const decision = deps.router.resolve(event, new Date(receivedAt));
      const data = buildJobData(event, decision, receivedAt, deps.config.deadline);
      const id = jobIdOf(data.dedupeKey);
      let created: boolean;
      try {
        ({ created } = await deps.producer.submit(id, data));
      } catch (err) {
        request.log.warn({ err: (err as Error).message, conversationId: data.conversationId }, 'enqueue failed');
        throw queueUnavailable();
      }
      if (!created) {
        const status = await getFallbackStatus(deps.queue, id).catch(() => undefined);
        return reply.code(200).send({ ...(status ?? { id, status: 'queued' }), duplicate: true, ...(decision.referTo ? { referTo: decision.referTo } : {}) });
      }
      return reply.code(202).send({
        id,
        status: 'queued',
        conversationId: data.conversationId,
        target: data.target,
        route: data.route,
        deadline: new Date(data.deadline).toISOString(),
        ...(decision.referTo ? { referTo: decision.referTo } : {}),
        statusUrl: `/v1/fallbacks/${id}`,
      });
    },
  );

  app.get<{ Params: { id: string } }>('/v1/fallbacks/:id', { preValidation: authenticate }, async (request, reply) => {
    const { id } = request.params;
    if (!isJobId(id)) throw new IngressError(404, 'not_found', `no fallback ${id}`, '/id');
    let status;
    try {
      status = await getFallbackStatus(deps.queue, id);
    } catch {
      throw queueUnavailable();
    }
    if (!status) throw new IngressError(404, 'not_found', `no fallback ${id} (unknown, or past retention)`);
    return reply.send(status);
  });

  app.get('/v1/schema/failure-event.json', async (_request, reply) => reply.type('application/schema+json').send(failureEventSchema));

  // Known paths answer 405 (with Allow) to other methods instead of a misleading 404.
  for (const [url, allow] of [
    ['/v1/fallbacks', 'POST'],
    ['/v1/fallbacks/:id', 'GET'],
  ] as const) {
    app.route({
      method: ['PUT', 'PATCH', 'DELETE', ...(allow === 'POST' ? (['GET'] as const) : (['POST'] as const))],
      url,
      handler: async (_request, reply) =>
        reply.code(405).header('Allow', allow).send({ error: { code: 'method_not_allowed', message: `use ${allow}` } }),
    });
  }

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await deps.ready?.();
      return { status: 'ready' };
    } catch (err) {
      return reply.code(503).send({ status: 'not-ready', reason: (err as Error).message });
    }
  });

  return app;
}
