import type { FastifyInstance } from 'fastify';
import type { Models } from 'purecloud-platform-client-v2';
import { analyticsIds } from './analytics.js';
import type { SimEngine } from './engine.js';
import type { Wire } from './wire.js';

/**
 * The analytics batch read (issue 12, docs/genesys-contract.md §6c): many calls in one request, as they were
 * `analyticsLagMs` ago. Same admission (token, faults, limits, ledger) as every API request.
 */
export function registerAnalyticsRoutes(app: FastifyInstance, engine: SimEngine, wire: Wire): void {
  const { admit, sendError } = wire;
  app.get<{ Querystring: Record<string, string | string[] | undefined> }>('/api/v2/analytics/conversations/details', async (request, reply) => {
    const ids = analyticsIds(request.query['id']);
    if (!(await admit(request, reply, 'analytics', 'analytics/details', ids))) return reply;
    if (ids.length === 0) return sendError(reply, 400, { message: 'id: at least one conversation id is required.' });
    const limit = engine.settings.analyticsBatchLimit;
    // Assumption: Genesys' limit and code are not documented; a plain bad.request naming the parameter and the maximum.
    if (ids.length > limit)
      return sendError(reply, 400, {
        message: `id: ${ids.length} conversation ids exceed the maximum of [${limit}] per request.`,
        messageWithParams: 'id: {count} conversation ids exceed the maximum of [{max}] per request.',
        params: { count: String(ids.length), max: String(limit) },
      });
    const body: Models.AnalyticsConversationWithoutAttributesMultiGetResponse = { conversations: engine.analytics(ids) };
    return reply.send(body);
  });
}
