import type { FastifyInstance, FastifyReply } from 'fastify';
import { DEFAULT_SETTINGS, type SimEngine, type SimSettings } from './engine.js';
import { FaultRuleError } from './faults.js';
import type { NewConversation, SimConversation, SimQueue } from './model.js';

/** What the control API says about a conversation: the ids a test or demo needs. */
export interface ConversationSummary {
  id: string;
  customerParticipantId?: string;
  botParticipantId?: string;
  ended: boolean;
}

/** Ids of a conversation's customer and (first non-customer, non-acd) bot leg. */
export function summarize(conv: SimConversation): ConversationSummary {
  const customer = conv.participants.find((p) => p.purpose === 'customer');
  const bot = conv.participants.find((p) => p.purpose !== 'customer' && p.purpose !== 'acd');
  return { id: conv.id, customerParticipantId: customer?.id, botParticipantId: bot?.id, ended: Boolean(conv.endTime) };
}

/** Validates a partial settings object; returns the problems (empty when fine). */
export function settingsProblems(body: unknown): string[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return ['body: must be an object'];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (key === 'seed') {
      if (!Number.isInteger(value) || (value as number) < 0) problems.push('seed: must be an integer ≥ 0');
      continue;
    }
    if (!(key in DEFAULT_SETTINGS)) problems.push(`${key}: unknown setting (known: ${Object.keys(DEFAULT_SETTINGS).join(', ')}, seed)`);
    else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) problems.push(`${key}: must be a number ≥ 0`);
  }
  return problems;
}

const NEW_CONVERSATION_KEYS = new Set(['id', 'ani', 'dnis', 'botPurpose', 'botAddress', 'hangupAfterMs', 'extraLegs']);

/** Validates the body of POST /__sim/conversations; returns the problems (empty when fine). */
export function newConversationProblems(body: unknown, extra: string[] = []): string[] {
  if (body === undefined || body === null) return [];
  if (typeof body !== 'object' || Array.isArray(body)) return ['body: must be an object'];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (extra.includes(key)) continue;
    if (!NEW_CONVERSATION_KEYS.has(key)) problems.push(`${key}: unknown field (known: ${[...NEW_CONVERSATION_KEYS].join(', ')})`);
    else if (key === 'hangupAfterMs' && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) problems.push('hangupAfterMs: must be a number ≥ 0');
    else if (key === 'extraLegs' && (!Array.isArray(value) || value.some((l) => !l || typeof l !== 'object' || typeof l.purpose !== 'string')))
      problems.push('extraLegs: must be a list of legs, each with a purpose');
    else if (key !== 'hangupAfterMs' && key !== 'extraLegs' && typeof value !== 'string') problems.push(`${key}: must be a string`);
  }
  return problems;
}

const badRequest = (reply: FastifyReply, problems: string[]) => reply.code(400).send({ error: 'invalid request', problems });

/**
 * The control API under `/__sim` (not Genesys: for tests, demos and benchmarks). Documented in
 * packages/genesys-sim/README.md. Answers plain JSON; refusals are 400 `{error, problems[]}` naming each field.
 */
export function registerControlRoutes(app: FastifyInstance, engine: SimEngine): void {
  // Conversations ---------------------------------------------------------------------------------------
  app.post('/__sim/conversations', async (request, reply) => {
    const problems = newConversationProblems(request.body);
    if (problems.length) return badRequest(reply, problems);
    const body = (request.body ?? {}) as NewConversation;
    if (body.id && engine.conversations.has(body.id)) return reply.code(409).send({ error: `conversation ${body.id} exists` });
    return reply.code(201).send(summarize(engine.createConversation(body)));
  });
  app.post('/__sim/conversations/bulk', async (request, reply) => {
    const problems = newConversationProblems(request.body, ['count']);
    const body = (request.body ?? {}) as NewConversation & { count?: unknown };
    const count = body.count ?? 1;
    if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > 100_000) problems.push('count: must be an integer 1-100000');
    if (problems.length) return badRequest(reply, problems);
    const { count: _count, id: _id, ...opts } = body;
    const created = Array.from({ length: count as number }, () => summarize(engine.createConversation(opts)));
    return reply.code(201).send({ conversations: created });
  });
  app.get('/__sim/conversations', async () => {
    const all = [...engine.conversations.values()];
    return { total: all.length, conversations: all.slice(-1000).map(summarize) };
  });
  app.get<{ Params: { id: string } }>('/__sim/conversations/:id', async (request, reply) => {
    const conv = engine.conversations.get(request.params.id);
    return conv ? reply.send({ ...summarize(conv), conversation: conv }) : reply.code(404).send({ error: 'conversation not found' });
  });
  app.post<{ Params: { id: string } }>('/__sim/conversations/:id/hangup', async (request, reply) => {
    const conv = engine.conversations.get(request.params.id);
    if (!conv) return reply.code(404).send({ error: 'conversation not found' });
    engine.hangup(conv);
    return reply.send(summarize(conv));
  });

  // Queues ----------------------------------------------------------------------------------------------
  app.get('/__sim/queues', async () => ({ queues: [...engine.queues.values()] }));
  app.post('/__sim/queues', async (request, reply) => {
    const body = request.body as Partial<SimQueue> | undefined;
    const problems = [];
    if (typeof body?.id !== 'string' || body.id === '') problems.push('id: required string');
    if (typeof body?.name !== 'string' || body.name === '') problems.push('name: required string');
    if (problems.length) return badRequest(reply, problems);
    engine.queues.set(body!.id!, { id: body!.id!, name: body!.name! });
    return reply.code(201).send({ queue: engine.queues.get(body!.id!) });
  });

  // Ledger ----------------------------------------------------------------------------------------------
  app.get<{ Querystring: { conversationId?: string } }>('/__sim/transfers', async (request) => ({
    transfers: engine.ledger.transfers(request.query.conversationId || undefined),
  }));
  app.get<{ Querystring: Record<string, string | undefined> }>('/__sim/requests', async (request, reply) => {
    const q = request.query;
    const num = (name: string) => (q[name] === undefined || q[name] === '' ? undefined : Number(q[name]));
    const [since, status, limit] = [num('since'), num('status'), num('limit')];
    const problems = [
      ...(since !== undefined && !Number.isFinite(since) ? ['since: must be epoch ms'] : []),
      ...(status !== undefined && !Number.isInteger(status) ? ['status: must be an HTTP status (0 = unanswered)'] : []),
      ...(limit !== undefined && !(Number.isInteger(limit) && limit > 0) ? ['limit: must be a positive integer'] : []),
    ];
    if (problems.length) return badRequest(reply, problems);
    return {
      requests: engine.ledger.requests({
        ...(since !== undefined ? { since } : {}),
        ...(status !== undefined ? { status } : {}),
        limit: limit ?? 10_000,
        ...(q['tokenId'] ? { tokenId: q['tokenId'] } : {}),
        ...(q['endpoint'] ? { endpoint: q['endpoint'] } : {}),
      }),
    };
  });
  app.get('/__sim/stats', async () => engine.ledger.stats({ tokensIssued: engine.tokensIssued, conversations: engine.conversations.size }));

  // Faults ----------------------------------------------------------------------------------------------
  app.post<{ Body: { rules?: unknown } | undefined }>('/__sim/faults', async (request, reply) => {
    try {
      return reply.code(201).send({ faults: engine.faults.install(request.body?.rules, engine.now()) });
    } catch (err) {
      if (err instanceof FaultRuleError) return badRequest(reply, [err.message]);
      throw err;
    }
  });
  app.get('/__sim/faults', async () => ({ faults: engine.faults.list() }));
  app.delete('/__sim/faults', async () => {
    engine.faults.clear();
    return { faults: [] };
  });
  app.delete<{ Params: { id: string } }>('/__sim/faults/:id', async (request, reply) =>
    engine.faults.remove(Number(request.params.id)) ? reply.send({ removed: Number(request.params.id) }) : reply.code(404).send({ error: 'no such fault' }),
  );

  // Settings, tokens, reset -----------------------------------------------------------------------------
  app.get('/__sim/config', async () => ({ config: engine.settings }));
  app.post('/__sim/config', async (request, reply) => {
    const problems = settingsProblems(request.body ?? {});
    if (problems.length) return badRequest(reply, problems);
    const body = (request.body ?? {}) as Partial<SimSettings> & { seed?: number };
    for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof SimSettings)[]) if (body[key] !== undefined) engine.settings[key] = body[key]!;
    if (body.seed !== undefined) engine.faults.reseed(body.seed);
    return { config: engine.settings };
  });
  app.get('/__sim/tokens', async () => ({ tokens: engine.tokens.list(engine.now()) }));
  app.post<{ Body: { clientId?: string } | undefined }>('/__sim/tokens/revoke', async (request) => ({
    revoked: engine.tokens.revokeAll(request.body?.clientId),
  }));
  app.post<{ Body: { clientId?: string } | undefined }>('/__sim/tokens/expire', async (request) => ({
    expired: engine.tokens.expireAll(engine.now(), request.body?.clientId),
  }));
  app.post('/__sim/reset', async () => {
    engine.reset();
    return { ok: true };
  });
}
