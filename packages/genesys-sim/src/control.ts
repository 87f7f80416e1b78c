import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SimEngine } from './engine.js';
import { FaultRuleError } from './faults.js';
import type { NewConversation, SimConversation, SimQueue } from './model.js';
import { applySettings, settingsProblems, type SimSettings } from './settings.js';

/** What the control API says about a conversation: the ids a test or demo needs. */
export interface ConversationSummary {
  id: string;
  customerParticipantId?: string;
  /** The bot leg the call was built with (live unless transferred or ended; the ended one with `withAgent`). */
  botParticipantId?: string;
  /** `staleBotLeg`: the earlier bot leg that ended with transport.failure. */
  staleParticipantId?: string;
  /** `withAgent`: the agent's connected leg. */
  agentParticipantId?: string;
  ended: boolean;
}

/** Ids of a conversation's customer, bot leg and, when the call has them, stale bot leg and agent. */
export function summarize(conv: SimConversation): ConversationSummary {
  const { customer, bot, stale, agent } = conv.roles;
  return {
    id: conv.id,
    customerParticipantId: customer,
    botParticipantId: bot,
    ...(stale ? { staleParticipantId: stale } : {}),
    ...(agent ? { agentParticipantId: agent } : {}),
    ended: Boolean(conv.endTime),
  };
}

export { settingsProblems };

/** Checks of POST /__sim/conversations fields: the problem with a value, or undefined when it is fine. */
const CONVERSATION_FIELDS: Record<string, (v: unknown) => string | undefined> = {
  id: (v) => (typeof v === 'string' && v !== '' ? undefined : 'must be a non-empty string'),
  ani: (v) => (typeof v === 'string' ? undefined : 'must be a string'),
  dnis: (v) => (typeof v === 'string' ? undefined : 'must be a string'),
  botPurpose: (v) => (typeof v === 'string' && v !== '' ? undefined : 'must be a non-empty string'),
  botAddress: (v) => (typeof v === 'string' ? undefined : 'must be a string'),
  hangupAfterMs: (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'must be a number ≥ 0'),
  startedAgoMs: (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'must be a number ≥ 0'),
  staleBotLeg: (v) => (typeof v === 'boolean' ? undefined : 'must be a boolean'),
  withAgent: (v) => (typeof v === 'boolean' ? undefined : 'must be a boolean'),
  extraLegs: (v) =>
    Array.isArray(v) && v.every((l) => l && typeof l === 'object' && typeof l.purpose === 'string') ? undefined : 'must be a list of legs, each with a purpose',
};

/** Validates the body of POST /__sim/conversations; returns the problems (empty when fine). */
export function newConversationProblems(body: unknown, extra: string[] = []): string[] {
  if (body === undefined || body === null) return [];
  if (typeof body !== 'object' || Array.isArray(body)) return ['body: must be an object'];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (extra.includes(key)) continue;
    const check = CONVERSATION_FIELDS[key];
    const why = check ? check(value) : `unknown field (known: ${Object.keys(CONVERSATION_FIELDS).join(', ')})`;
    if (why) problems.push(`${key}: ${why}`);
  }
  return problems;
}

/** A queue's estimated wait must be a number of seconds ≥ 0 (absent is fine). */
export const waitProblem = (v: unknown): string[] =>
  v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0) ? ['estimatedWaitTimeSeconds: must be a number ≥ 0'] : [];

export const badRequest = (reply: FastifyReply, problems: string[]) => reply.code(400).send({ error: 'invalid request', problems });

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
    const problems = waitProblem(body?.estimatedWaitTimeSeconds);
    if (typeof body?.id !== 'string' || body.id === '') problems.push('id: required string');
    if (typeof body?.name !== 'string' || body.name === '') problems.push('name: required string');
    if (problems.length) return badRequest(reply, problems);
    const { id, name, estimatedWaitTimeSeconds } = body as SimQueue;
    engine.queues.set(id, { id, name, ...(estimatedWaitTimeSeconds !== undefined ? { estimatedWaitTimeSeconds } : {}) });
    return reply.code(201).send({ queue: engine.queues.get(id) });
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
    applySettings(engine.settings, body);
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
