import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReadinessReport, Registry } from '@fallback/observability';

/** Options of startWorkerHttp. */
export interface WorkerHttpOptions {
  host: string;
  /** 0 picks a free port (tests); the config's 0 = "off" is decided by the caller. */
  port: number;
  registry: Registry;
  readiness: () => Promise<ReadinessReport>;
}

/** The worker's small HTTP server. */
export interface WorkerHttp {
  url: string;
  close(): Promise<void>;
}

/**
 * /healthz (the process answers), /readyz (Redis reachable, worker running: 503 with the failed checks
 * otherwise) and /metrics (Prometheus text) for a worker, which has no other HTTP surface. node:http rather
 * than Fastify: three fixed GET routes do not need a framework in the worker's dependency tree.
 */
export async function startWorkerHttp(opts: WorkerHttpOptions): Promise<WorkerHttp> {
  const send = (res: http.ServerResponse, status: number, type: string, body: string, head: boolean) => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
    res.end(head ? undefined : body);
  };
  const json = (res: http.ServerResponse, status: number, body: unknown, head: boolean) =>
    send(res, status, 'application/json; charset=utf-8', JSON.stringify(body), head);

  const routes: Record<string, (res: http.ServerResponse, head: boolean) => Promise<void>> = {
    '/healthz': async (res, head) => json(res, 200, { status: 'ok' }, head),
    '/readyz': async (res, head) => {
      const report = await opts.readiness();
      json(res, report.ready ? 200 : 503, { status: report.ready ? 'ready' : 'not-ready', checks: report.checks }, head);
    },
    '/metrics': async (res, head) => send(res, 200, opts.registry.contentType, await opts.registry.metrics(), head),
  };

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = routes[path];
    const head = req.method === 'HEAD';
    if (!route) return json(res, 404, { error: { code: 'not_found', message: `no route ${path}` } }, head);
    if (req.method !== 'GET' && !head) {
      res.setHeader('Allow', 'GET, HEAD');
      return json(res, 405, { error: { code: 'method_not_allowed', message: 'use GET' } }, false);
    }
    route(res, head).catch(() => json(res, 500, { error: { code: 'internal_error', message: 'internal error' } }, head));
  });
  // A probe that hangs is worse than one that fails: bound every request.
  server.requestTimeout = 5000;
  server.headersTimeout = 5000;
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
