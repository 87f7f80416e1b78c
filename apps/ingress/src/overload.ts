import { monitorEventLoopDelay } from 'node:perf_hooks';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IngressConfig } from '@fallback/config';
import { IngressError } from './errors.js';

/** Routes a sender calls; only these are shed. */
const SHED_ROUTES = new Set(['/v1/fallbacks', '/v1/fallbacks/:id']);

/**
 * How often the event-loop delay and memory are sampled. Short enough to start shedding within a fraction of a
 * second of an overload and to stop as soon as it passes; long enough (25 samples at a 10 ms resolution) that one
 * GC pause does not trip it.
 */
const SAMPLE_INTERVAL_MS = 250;
/** monitorEventLoopDelay's timer period: each turn of the loop longer than this records one sample. */
const RESOLUTION_MS = 10;

/** Sheds `request` (true) or lets it through: only the sender's routes, never health, readiness or metrics. Pure. */
export function shedsRoute(request: Pick<FastifyRequest, 'routeOptions'>): boolean {
  return SHED_ROUTES.has(request.routeOptions.url ?? '');
}

/**
 * The event loop's delay over one sample interval (ms). Normally the mean of monitorEventLoopDelay's samples. When
 * it recorded none (its mean is NaN), the loop was blocked for most of the interval, and how late this sample's own
 * timer fired says by how much; either way a late sample timer is a delay the next request waited. (under-pressure
 * reads "no samples" as Infinity: a single 300 ms turn of a loop busy with a burst would then trip any bound, and
 * it refused 17,600 of a 20,000 burst it answers in under 3 s with shedding off.) Pure.
 */
export function loopDelayMs(histogramMeanNs: number, elapsedMs: number, intervalMs = SAMPLE_INTERVAL_MS): number {
  const mean = Number.isNaN(histogramMeanNs) ? 0 : Math.max(0, histogramMeanNs / 1e6 - RESOLUTION_MS);
  return Math.max(mean, elapsedMs - intervalMs, 0);
}

function overloaded(retryAfterSec: number): IngressError {
  return new IngressError(503, 'overloaded', `the ingress is overloaded; nothing was accepted, retry after ${retryAfterSec} s`, undefined, {
    'Retry-After': String(retryAfterSec),
  });
}

/**
 * Load shedding. During a bot outage thousands of failures arrive at once; past the bounds a request is answered
 * 503 `overloaded` with Retry-After at once (no Redis, no body parsing) instead of waiting behind a lagging event
 * loop until Cognigy's 8 s timeout. The sender retries (our Cognigy extension does, after Retry-After); nothing
 * was written. /healthz, /readyz and /metrics are never shed: a liveness probe failing under load would get the
 * process killed, and all ingresses turning unready at once would refuse everything. Counted by the ingest metrics
 * as code `overloaded`. The event-loop bound is measured here (see loopDelayMs); the heap and RSS bounds are
 * @fastify/under-pressure's. All bounds 0: nothing registered.
 */
export async function registerOverload(app: FastifyInstance, overload: IngressConfig['overload']): Promise<void> {
  const { maxEventLoopDelayMs, maxHeapUsedBytes, maxRssBytes, retryAfterSec } = overload;
  let lastLogged = 0;
  /** One warning per episode (at most every 10 s), not one per refused request: logging is what an overloaded process can least afford. */
  const warn = (request: FastifyRequest, type: string, value: unknown) => {
    const now = Date.now();
    if (now - lastLogged <= 10_000) return;
    lastLogged = now;
    request.log.warn({ type, value: typeof value === 'number' ? Math.round(value) : value, overload }, 'overloaded: answering 503 overloaded until it passes');
  };
  // The first samples measure start-up (module loading, route and schema compilation block the loop for
  // hundreds of ms), not load: shedding is armed two samples after the app is ready, or the first requests after
  // a start or restart would be refused for nothing.
  let armedAt = Number.POSITIVE_INFINITY;
  app.addHook('onReady', async () => {
    armedAt = Date.now() + 2 * SAMPLE_INTERVAL_MS;
  });

  if (maxEventLoopDelayMs > 0) {
    const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    histogram.enable();
    let delayMs = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      delayMs = loopDelayMs(histogram.mean, now - last);
      last = now;
      histogram.reset();
    }, SAMPLE_INTERVAL_MS);
    timer.unref();
    app.addHook('onClose', async () => {
      clearInterval(timer);
      histogram.disable();
    });
    app.addHook('onRequest', async (request) => {
      if (delayMs <= maxEventLoopDelayMs || !shedsRoute(request) || Date.now() < armedAt) return;
      warn(request, 'eventLoopDelay', delayMs);
      throw overloaded(retryAfterSec);
    });
  }

  if (maxHeapUsedBytes === 0 && maxRssBytes === 0) return;
  await app.register(underPressure, {
    maxHeapUsedBytes,
    maxRssBytes,
    sampleInterval: SAMPLE_INTERVAL_MS,
    retryAfter: retryAfterSec,
    pressureHandler: async (request, _reply, type, value) => {
      if (!shedsRoute(request) || Date.now() < armedAt) return;
      warn(request, type, value);
      throw overloaded(retryAfterSec);
    },
  });
}
