import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IngressConfig } from '@fallback/config';
import { IngressError } from './errors.js';

/** Routes a sender calls; only these are shed. */
const SHED_ROUTES = new Set(['/v1/fallbacks', '/v1/fallbacks/:id']);

/**
 * How often the event-loop delay (mean over the interval, as under-pressure measures it) and memory are sampled.
 * Short enough to start shedding within a fraction of a second of an overload and to stop as soon as it passes;
 * long enough (25 samples at under-pressure's 10 ms resolution) that one GC pause does not trip it.
 */
const SAMPLE_INTERVAL_MS = 250;

/** Sheds `request` (true) or lets it through: only the sender's routes, never health, readiness or metrics. Pure. */
export function shedsRoute(request: Pick<FastifyRequest, 'routeOptions'>): boolean {
  return SHED_ROUTES.has(request.routeOptions.url ?? '');
}

/**
 * Load shedding with @fastify/under-pressure. During a bot outage thousands of failures arrive at once; past the
 * bounds a request is answered 503 `overloaded` with Retry-After in microseconds (no Redis, no body parsing)
 * instead of waiting behind a lagging event loop until Cognigy's 8 s timeout. The sender retries; nothing was
 * written. /healthz, /readyz and /metrics are never shed: a liveness probe failing under load would get the
 * process killed, and all ingresses turning unready at once would refuse everything. Counted by the ingest
 * metrics as code `overloaded`. All bounds 0: not registered at all.
 */
export async function registerOverload(app: FastifyInstance, overload: IngressConfig['overload']): Promise<void> {
  const { maxEventLoopDelayMs, maxHeapUsedBytes, maxRssBytes, retryAfterSec } = overload;
  if (maxEventLoopDelayMs === 0 && maxHeapUsedBytes === 0 && maxRssBytes === 0) return;
  let lastLogged = 0;
  // The first samples measure start-up (module loading, route and schema compilation block the loop for
  // hundreds of ms), not load: shedding is armed two samples after the app is ready, or the first requests after
  // a start or restart would be refused for nothing.
  let armedAt = Number.POSITIVE_INFINITY;
  app.addHook('onReady', async () => {
    armedAt = Date.now() + 2 * SAMPLE_INTERVAL_MS;
  });
  await app.register(underPressure, {
    maxEventLoopDelay: maxEventLoopDelayMs,
    maxHeapUsedBytes,
    maxRssBytes,
    sampleInterval: SAMPLE_INTERVAL_MS,
    retryAfter: retryAfterSec,
    pressureHandler: async (request, _reply, type, value) => {
      if (!shedsRoute(request) || Date.now() < armedAt) return;
      // One line per episode (at most every 10 s), not one per refused request: logging is what an overloaded process can least afford.
      const now = Date.now();
      if (now - lastLogged > 10_000) {
        lastLogged = now;
        request.log.warn({ type, value: typeof value === 'number' ? Math.round(value) : value, overload }, 'overloaded: answering 503 overloaded until it passes');
      }
      throw new IngressError(503, 'overloaded', `the ingress is overloaded; nothing was accepted, retry after ${retryAfterSec} s`, undefined, {
        'Retry-After': String(retryAfterSec),
      });
    },
  });
}
