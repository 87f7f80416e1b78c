import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readBreakers, type BreakerMode, type BreakerSpec, type BreakerStore } from '@fallback/breaker';
import { basicAuthVerifier } from '@fallback/core';
import type { IngressConfig } from '@fallback/config';
import { parseJsonBody } from '@fallback/ingress-core';
import { ADMIN_SECURITY_HEADERS } from './admin.js';
import { IngressError } from './errors.js';

/** Where a person looks at and overrides the outage breakers. */
export const BREAKER_ADMIN_PATH = '/admin/breaker';

const MODES: readonly BreakerMode[] = ['open', 'closed', 'auto'];

/** What a POST /admin/breaker/{name} body asks for, or the problem with it (400 naming the field). Pure. */
export function parseForce(raw: string | undefined): { mode: BreakerMode; reason?: string } | { problem: string; field: string } {
  if (raw === undefined || raw.trim() === '') return { problem: 'send a JSON object {"state": "open" | "closed" | "auto", "reason"?: "…"}', field: '/state' };
  const parsed = parseJsonBody(raw);
  if ('problem' in parsed) return { problem: 'the body is not valid JSON', field: '' };
  const body = parsed.value;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { problem: 'must be a JSON object {"state": …}', field: '' };
  const { state, reason, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) return { problem: `unknown property ${unknown} (allowed: state, reason)`, field: `/${unknown}` };
  if (typeof state !== 'string' || !MODES.includes(state as BreakerMode)) return { problem: 'must be "open", "closed" or "auto"', field: '/state' };
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > 200)) return { problem: 'must be a string of at most 200 characters', field: '/reason' };
  return { mode: state as BreakerMode, ...(reason ? { reason } : {}) };
}

/** Options of registerBreakerAdmin. */
export interface BreakerAdminOptions {
  store: BreakerStore;
  specs: readonly BreakerSpec[];
  admin: Pick<IngressConfig['admin'], 'username' | 'password'>;
}

const unavailable = (request: FastifyRequest, err: unknown) => {
  request.log.warn({ err: (err as Error).message }, 'breaker admin: Redis did not answer');
  return new IngressError(503, 'queue_unavailable', "Redis is unavailable: the breakers' state cannot be read or changed; retry shortly", undefined, { 'Retry-After': '1' });
};

/**
 * GET /admin/breaker (every breaker: state, mode, counts, the switch in Genesys; and the flips stream, newest
 * first) and POST /admin/breaker/{name} {"state": "open"|"closed"|"auto", "reason"?}: a person holds a breaker
 * open or closed, or gives it back to the breaker. HTTP Basic with ADMIN_USERNAME/ADMIN_PASSWORD, as the dashboard.
 * The worker's evaluator applies a forced state within a fraction of a second; the answer shows the breaker as
 * Redis has it right after the write.
 */
export async function registerBreakerAdmin(app: FastifyInstance, opts: BreakerAdminOptions): Promise<void> {
  const { password, username } = opts.admin;
  if (!password) throw new Error('ADMIN_PASSWORD is required for /admin/breaker');
  const verify = basicAuthVerifier(username, password);
  const byName = new Map(opts.specs.map((s) => [s.name, s]));

  await app.register(async (scope) => {
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      for (const [k, v] of Object.entries(ADMIN_SECURITY_HEADERS)) reply.header(k, v);
      if (!verify(request.headers.authorization)) {
        reply.header('WWW-Authenticate', 'Basic realm="fallback admin", charset="UTF-8"');
        throw new IngressError(401, 'unauthorized', 'the breaker admin needs a user and password');
      }
    });

    scope.get<{ Querystring: { history?: string } }>(BREAKER_ADMIN_PATH, async (request) => {
      const n = Number(request.query.history ?? 50);
      if (!Number.isInteger(n) || n < 0 || n > 1000) throw new IngressError(400, 'invalid_query', 'history must be an integer from 0 to 1000', '/history');
      try {
        return await readBreakers(opts.store, opts.specs, n);
      } catch (err) {
        throw unavailable(request, err);
      }
    });

    scope.post<{ Params: { name: string } }>(`${BREAKER_ADMIN_PATH}/:name`, async (request) => {
      const spec = byName.get(request.params.name);
      if (!spec) throw new IngressError(404, 'not_found', `no breaker ${request.params.name} (configured: ${[...byName.keys()].join(', ')})`, '/name');
      const asked = parseForce(request.rawBody);
      if ('problem' in asked) throw new IngressError(400, 'invalid_payload', asked.problem, asked.field || undefined);
      try {
        await opts.store.force(spec.name, asked.mode, `person:${username}`, asked.reason);
        request.log.warn({ breaker: spec.name, mode: asked.mode, by: `person:${username}`, reason: asked.reason, ip: request.ip }, `breaker ${spec.name} set to ${asked.mode} by a person`);
        const { breakers } = await readBreakers(opts.store, [spec], 0);
        return { breaker: breakers[0] };
      } catch (err) {
        throw unavailable(request, err);
      }
    });

    for (const [url, allow] of [
      [BREAKER_ADMIN_PATH, 'GET'],
      [`${BREAKER_ADMIN_PATH}/:name`, 'POST'],
    ] as const)
      scope.route({
        method: ['PUT', 'PATCH', 'DELETE', allow === 'GET' ? 'POST' : 'GET'],
        url,
        handler: async (_request, reply) => reply.code(405).header('Allow', allow).send({ error: { code: 'method_not_allowed', message: `use ${allow}` } }),
      });
  });
}
