import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { basicAuthVerifier, parseFailure, type FallbackJobData, type FallbackResult } from '@fallback/core';
import type { IngressConfig } from '@fallback/config';
import { mayRetry, removeFinishedJob, retryDeadLetter, type OperatorRefusal } from '@fallback/queue';

/** Where the dashboard lives. */
export const ADMIN_PREFIX = '/admin/queues';

/**
 * Actions a person may take in `operate` mode (method + Bull Board route under the prefix). Everything else
 * that changes state is refused: adding or editing a job bypasses the ingress' validation and dedupe (a second
 * transfer), emptying or obliterating loses acknowledged failures, and releasing the rate limit would send to
 * Genesys before its Retry-After. Retry and remove are served by OPERATOR_ROUTES, not by Bull Board: they are
 * allowed on some jobs only.
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

/** Bull Board routes the ingress serves itself in `operate` mode (same paths and answers, with the checks Bull Board lacks). */
const RETRY_ONE = 'PUT /api/queues/:queueName/:jobId/retry';
const RETRY_ALL = 'PUT /api/queues/:queueName/retry/:queueStatus';
const REMOVE_ONE = 'PUT /api/queues/:queueName/:jobId/clean';

/** The dashboard's answer to a refused operation on one job: 403 with a stable code (404 for a job that is gone). Pure. */
export function refusalAnswer(refusal: OperatorRefusal, jobId: string): { status: number; code: string; message: string } {
  switch (refusal.refused) {
    case 'not_found':
      return { status: 404, code: 'not_found', message: `no job ${jobId}` };
    case 'job_not_final':
      return {
        status: 403,
        code: 'job_not_final',
        message: `job ${jobId} is ${refusal.state}: only completed or failed jobs may be removed (removing it would lose an acknowledged failure)`,
      };
    case 'job_not_failed':
      return {
        status: 403,
        code: 'job_not_failed',
        message: `job ${jobId} is ${refusal.state}: only failed jobs (dead letters) may be retried${refusal.state === 'completed' ? ' (a completed one already transferred or expired)' : ''}`,
      };
    case 'job_changed':
      return { status: 409, code: 'job_changed', message: `job ${jobId} changed meanwhile (retried or removed by someone else); reload` };
  }
}

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
  queue: Queue<FallbackJobData, FallbackResult>;
  /** The queue's connection (a retry records itself in the job data with a script). */
  redis: Redis;
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
  const { queue, redis } = opts;

  type Answer = { status: number; body?: unknown };
  const refused = (refusal: OperatorRefusal, jobId: string): Answer => {
    const { status, code, message } = refusalAnswer(refusal, jobId);
    return { status, body: { error: { code, message } } };
  };
  /** Served instead of Bull Board's handlers, whose retry keeps the attempt counts and whose remove takes any job. */
  const operators: Record<string, (params: Record<string, string>) => Promise<Answer>> = {
    [RETRY_ONE]: async ({ jobId = '' }) => {
      const result = await retryDeadLetter(queue, redis, jobId);
      return 'refused' in result ? refused(result, jobId) : { status: 204 };
    },
    [RETRY_ALL]: async ({ queueStatus = '' }) => {
      if (!mayRetry(queueStatus))
        return { status: 403, body: { error: { code: 'job_not_failed', message: `only failed jobs (dead letters) may be retried, not the ${queueStatus} list` } } };
      // Page through the dead letters as Bull Board does, each retried (or refused) on its own; no further than
      // the count at the start, so failures arriving meanwhile cannot keep the request going.
      const total = await queue.getJobCountByTypes('failed');
      let retried = 0;
      let skipped = 0;
      const seen = new Set<string>();
      while (seen.size < total) {
        const page = (await queue.getJobs(['failed'], 0, 99)).filter((j) => j.id !== undefined && !seen.has(j.id));
        if (page.length === 0) break;
        for (const job of page) {
          seen.add(job.id!);
          if ('refused' in (await retryDeadLetter(queue, redis, job.id!))) skipped += 1;
          else retried += 1;
        }
      }
      return { status: 200, body: { retried, skipped } };
    },
    [REMOVE_ONE]: async ({ jobId = '' }) => {
      const result = await removeFinishedJob(queue, jobId);
      return 'refused' in result ? refused(result, jobId) : { status: 204 };
    },
  };

  const adapter = new BullMQAdapter(queue, {
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
        const operate = operators[`${request.method} ${route}`];
        if (!operate) return;
        const params = request.params as Record<string, string>;
        if (params['queueName'] !== queue.name) return deny(reply, 404, 'not_found', `no queue ${params['queueName']}`);
        const answer = await operate(params);
        for (const [k, v] of Object.entries(ADMIN_SECURITY_HEADERS)) reply.header(k, v);
        return answer.status === 204 ? reply.code(204).send() : reply.code(answer.status).send(answer.body);
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
