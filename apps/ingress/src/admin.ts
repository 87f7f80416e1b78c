import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Queue } from 'bullmq';
import { basicAuthVerifier, parseFailure } from '@fallback/core';
import type { IngressConfig } from '@fallback/config';

/** Where the dashboard lives. */
export const ADMIN_PREFIX = '/admin/queues';

/**
 * Actions a person may take in `operate` mode (method + Bull Board route under the prefix). Everything else
 * that changes state is refused: adding or editing a job bypasses the ingress' validation and dedupe (a second
 * transfer), emptying or obliterating loses acknowledged failures, and releasing the rate limit would send to
 * Genesys before its Retry-After.
 */
const OPERATE_ACTIONS = new Set([
  'PUT /api/queues/:queueName/:jobId/retry',
  'PUT /api/queues/:queueName/retry/:queueStatus',
  'PUT /api/queues/:queueName/:jobId/promote',
  'PUT /api/queues/:queueName/promote',
  'PUT /api/queues/:queueName/pause',
  'PUT /api/queues/:queueName/resume',
  'PUT /api/queues/pause',
  'PUT /api/queues/resume',
  'PUT /api/queues/:queueName/:jobId/clean',
]);

/** Whether a request may reach Bull Board in a mode: reads always, changes only in `operate` and only allowed ones. Pure. */
export function adminActionAllowed(mode: 'read-only' | 'operate', method: string, routeUnderPrefix: string): boolean {
  if (method === 'GET' || method === 'HEAD') return true;
  return mode === 'operate' && OPERATE_ACTIONS.has(`${method} ${routeUnderPrefix}`);
}

/**
 * Headers for every dashboard answer: no framing (clickjacking a retry button), no sniffing, no caching of job
 * data, no referrer leaking job ids. The CSP allows what Bull Board's UI needs: its own scripts and styles, inline
 * styles (it sets style attributes), data: images.
 */
export const ADMIN_SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
};

/** The job title Bull Board shows: the failure's reason code first, so a dead letter says why at a glance. Pure. */
export function adminJobName(job: { name?: string; failedReason?: string; finishedOn?: number; data?: { conversationId?: unknown } }): string {
  const conversation = typeof job.data?.conversationId === 'string' ? ` · ${job.data.conversationId}` : '';
  const reason = job.failedReason ? ` · ${parseFailure(job.failedReason).reason}` : '';
  return `${job.name ?? 'transfer'}${reason}${conversation}`;
}

/** Options of registerAdmin. */
export interface AdminOptions {
  queue: Queue;
  admin: IngressConfig['admin'];
}

/**
 * Mounts Bull Board at /admin/queues behind HTTP Basic auth, in its own encapsulated context so its hooks,
 * headers and error handler touch nothing else. Does nothing when the mode is `off` (the default): the path
 * then answers the app's usual 404.
 */
export async function registerAdmin(app: FastifyInstance, opts: AdminOptions): Promise<void> {
  const { mode, username, password } = opts.admin;
  if (mode === 'off') return;
  if (!password) throw new Error('ADMIN_PASSWORD is required when the dashboard is on');
  const verify = basicAuthVerifier(username, password);
  const readOnly = mode === 'read-only';

  const adapter = new BullMQAdapter(opts.queue, {
    readOnlyMode: readOnly,
    allowRetries: !readOnly,
    description: 'Bot-failure fallbacks: failed = dead letters (reason code first), delayed = backing off after a transient Genesys error',
  });
  adapter.setFormatter('name', adminJobName);
  const serverAdapter = new FastifyAdapter();
  createBullBoard({
    queues: [adapter],
    serverAdapter,
    options: { uiConfig: { boardTitle: `Fallback queues${readOnly ? ' (read-only)' : ''}`, hideDocsLink: true } },
  });
  serverAdapter.setBasePath(ADMIN_PREFIX);

  await app.register(
    async (scope) => {
      const deny = (reply: FastifyReply, status: number, code: string, message: string) => {
        for (const [k, v] of Object.entries(ADMIN_SECURITY_HEADERS)) reply.header(k, v);
        return reply.code(status).send({ error: { code, message } });
      };
      scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        if (!verify(request.headers.authorization)) {
          reply.header('WWW-Authenticate', 'Basic realm="fallback admin", charset="UTF-8"');
          return deny(reply, 401, 'unauthorized', 'the dashboard needs a user and password');
        }
        const route = (request.routeOptions.url ?? '').slice(ADMIN_PREFIX.length) || '/';
        if (!adminActionAllowed(mode, request.method, route))
          return deny(reply, 403, 'admin_action_forbidden', readOnly ? 'the dashboard is read-only' : `${request.method} ${route} is not allowed from the dashboard`);
      });
      scope.addHook('onSend', async (_request, reply, payload) => {
        for (const [k, v] of Object.entries(ADMIN_SECURITY_HEADERS)) reply.header(k, v);
        return payload;
      });
      await scope.register(serverAdapter.registerPlugin());
    },
    { prefix: ADMIN_PREFIX },
  );
}
