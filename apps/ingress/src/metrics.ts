import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createMetricsRegistry, ingressMetrics, queueMetrics, type Registry } from '@fallback/observability';
import { queueStatsSource } from '@fallback/queue';

/** Options of registerMetrics. */
export interface IngressMetricsOptions {
  /** The queue whose depth and oldest waiting job are reported at scrape time. */
  queue: Queue;
  /** The connection whose Redis memory (used / maxmemory) is reported at scrape time; none: no such gauges. */
  redis?: Redis;
  /** A registry of your own (tests); a fresh one with Node's process metrics otherwise. */
  registry?: Registry;
  /** The outage breakers' position and window failures, read at scrape time (packages/breaker breakerGauges). */
  breakers?: () => Promise<{ breaker: string; open: boolean; failures: number }[]>;
}

const INGEST_ROUTE = '/v1/fallbacks';

/** The stable code of an ingest answer: `accepted` (202), `duplicate` (200), or the error body's code. Pure. */
export function ingestCodeOf(status: number, payload: unknown): string {
  if (status === 202) return 'accepted';
  if (status === 200) return 'duplicate';
  if (typeof payload === 'string') {
    try {
      const code = (JSON.parse(payload) as { error?: { code?: unknown } })?.error?.code;
      if (typeof code === 'string' && /^[a-z_]{1,40}$/.test(code)) return code;
    } catch {
      // not JSON: fall through
    }
  }
  return `http_${status}`;
}

/**
 * Adds GET /metrics (Prometheus text) to the ingress and counts every answer of POST /v1/fallbacks by status
 * and stable code. Hooks run for routes registered before this call too (Fastify applies them at ready).
 * The code is read from the error body Fastify is about to send, so every rejection path (schema, auth,
 * body limit, content type, Redis down) is counted without touching the request path itself.
 */
export async function registerMetrics(app: FastifyInstance, opts: IngressMetricsOptions): Promise<Registry> {
  const registry = opts.registry ?? createMetricsRegistry();
  const metrics = ingressMetrics(registry);
  queueMetrics(registry, { ...queueStatsSource(opts.queue, opts.redis), ...(opts.breakers ? { breakers: opts.breakers } : {}) });
  const codes = new WeakMap<FastifyRequest, string>();
  const isIngest = (request: FastifyRequest) => request.method === 'POST' && request.routeOptions.url === INGEST_ROUTE;

  app.addHook('onSend', async (request, reply, payload) => {
    if (isIngest(request)) codes.set(request, ingestCodeOf(reply.statusCode, payload));
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    if (!isIngest(request)) return;
    metrics.ingest(reply.statusCode, codes.get(request) ?? `http_${reply.statusCode}`, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  return registry;
}
