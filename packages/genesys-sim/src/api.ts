import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SimEngine, TransferTarget } from './engine.js';
import { errorBody, missingPermissionBody, oauthErrorBody, rateLimitBody } from './errors.js';
import type { ActiveFault, FaultAction, RequestEndpoint } from './faults.js';
import type { LedgerRequest } from './ledger.js';
import { isLive, toCallShape, toGenericShape } from './model.js';
import type { TokenRecord } from './tokens.js';

/** A request let through to its handler: its token, its ledger entry, and a fault the handler must act out. */
interface Admitted {
  token: TokenRecord;
  entry: LedgerRequest;
  /** accept-drop or fail-transfer: only a transfer handler knows how to apply them. */
  fault?: Extract<FaultAction, { type: 'accept-drop' | 'fail-transfer' }>;
}

type LegRoute = { Params: { cid: string; pid: string }; Body: unknown };

const correlationOf = (reply: FastifyReply) => reply.getHeader('inin-correlation-id') as string;
const pathOf = (request: FastifyRequest) => {
  const q = request.url.indexOf('?');
  return q === -1 ? request.url : request.url.slice(0, q);
};
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const bodyOf = (request: FastifyRequest): Record<string, unknown> =>
  request.body && typeof request.body === 'object' && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : {};
const faultTag = (f: ActiveFault) => `${f.id}:${f.action.type}`;

/**
 * The Genesys Cloud endpoints the fallback uses (genesys-cloud.md §3–§6), with Genesys' status codes, bodies and
 * headers. Hot path: one token lookup, O(1) limit windows, an empty fault list costs one length check, and the
 * ledger entry is written once when the answer leaves.
 */
export function registerGenesysRoutes(app: FastifyInstance, engine: SimEngine): void {
  const sendError = (reply: FastifyReply, status: number, opts: Parameters<typeof errorBody>[2] = {}) =>
    reply.code(status).send(errorBody(status, correlationOf(reply), opts));

  function send429(reply: FastifyReply, token: TokenRecord | undefined, seconds: number, t: number) {
    engine.giveRetryAfter(token, seconds, t);
    reply.header('Retry-After', String(seconds));
    return reply.code(429).send(rateLimitBody(seconds, correlationOf(reply)));
  }

  /** The ledger entry is written when the answer leaves (or at once, for an answer that never will). */
  function track(reply: FastifyReply, entry: LedgerRequest): () => void {
    let done = false;
    const record = () => {
      if (done) return;
      done = true;
      engine.ledger.record(entry);
    };
    reply.raw.once('finish', () => {
      entry.status = reply.statusCode;
      record();
    });
    return record;
  }

  /** No answer at all: the socket stays open until the client gives up (or the simulator closes). */
  function holdOpen(reply: FastifyReply, entry: LedgerRequest, record: () => void) {
    reply.hijack();
    entry.status = 0;
    record();
    return reply;
  }

  function sendStatusFault(reply: FastifyReply, a: Extract<FaultAction, { type: 'status' }>, token: TokenRecord | undefined, t: number) {
    if (a.status === 429) return send429(reply, token, a.retryAfterSec ?? 5, t);
    if (a.status === 403 && (a.permission !== undefined || a.code === undefined)) {
      const permissions = a.permission === undefined ? ['conversation:communication:blindTransfer'] : ([] as string[]).concat(a.permission);
      return reply.code(403).send(missingPermissionBody(permissions, correlationOf(reply), a.anyOf));
    }
    return sendError(reply, a.status, { ...(a.code ? { code: a.code } : {}), ...(a.message ? { message: a.message } : {}) });
  }

  /**
   * Everything an API request goes through before its handler, in Genesys' order: bearer token, faults,
   * Retry-After still running, per-token and org limits, latency. Returns undefined when an answer (or a
   * deliberate silence) has been arranged.
   */
  async function admit(request: FastifyRequest, reply: FastifyReply, endpoint: RequestEndpoint, label: string, conversationId?: string): Promise<Admitted | undefined> {
    const t = engine.now();
    const authorization = request.headers.authorization;
    const token = engine.tokens.fromHeader(authorization);
    const entry: LedgerRequest = {
      at: t,
      method: request.method,
      endpoint: label,
      path: pathOf(request),
      ...(token ? { clientId: token.clientId, tokenId: token.tokenId } : {}),
      status: 0,
      early: token !== undefined && t < token.retryAfterUntil,
    };
    const record = track(reply, entry);
    const problem = engine.tokens.problem(token, authorization !== undefined, t);
    if (problem === 'missing')
      return void sendError(reply, 401, { code: 'authentication.required', message: 'No authentication bearer token specified in authorization header.' });
    if (problem) return void sendError(reply, 401, { code: 'bad.credentials', message: 'Invalid login credentials.' });
    const live = token!;

    const fault = engine.faults.take(endpoint, conversationId, t);
    let deferred: Admitted['fault'];
    if (fault) {
      entry.fault = faultTag(fault);
      const a = fault.action;
      switch (a.type) {
        case 'revoke-token':
          live.revoked = true;
          return void sendError(reply, 401, { code: 'bad.credentials', message: 'Invalid login credentials.' });
        case 'expire-token':
          live.expiresAt = Math.min(live.expiresAt, t);
          return void sendError(reply, 401, { code: 'bad.credentials', message: 'Invalid login credentials.' });
        case 'timeout':
          return void holdOpen(reply, entry, record);
        case 'status':
          return void sendStatusFault(reply, a, live, t);
        case 'latency':
          await engine.sleep(a.ms);
          break;
        case 'accept-drop':
        case 'fail-transfer':
          deferred = a;
          break;
      }
    }
    if (t < live.retryAfterUntil) return void send429(reply, live, Math.ceil((live.retryAfterUntil - t) / 1000), t);
    const waitMs = engine.admit(live, t);
    if (waitMs > 0) return void send429(reply, live, Math.ceil(waitMs / 1000), t);
    if (engine.settings.latencyMs > 0) await engine.sleep(engine.settings.latencyMs);
    return { token: live, entry, ...(deferred ? { fault: deferred } : {}) };
  }

  /** Validates and applies one transfer; 202 with an empty body, or the fault's lost reply. */
  function transfer(reply: FastifyReply, admitted: Admitted, cid: string, pid: string, target: TransferTarget, label: string) {
    const check = engine.checkTransfer(cid, pid, target);
    if (!check.ok) return sendError(reply, check.status, { code: check.code, message: check.message });
    const drop = admitted.fault?.type === 'accept-drop' ? admitted.fault : undefined;
    engine.applyTransfer(check, target, label, admitted.token, { fail: admitted.fault?.type === 'fail-transfer', replyDropped: drop !== undefined });
    if (drop) return dropReply(reply, admitted.entry, drop.mode ?? 'reset');
    return reply.code(202).send();
  }

  /** The transfer happened; its answer never arrives (reset: connection destroyed; hang: held until the client gives up). */
  function dropReply(reply: FastifyReply, entry: LedgerRequest, mode: 'reset' | 'hang') {
    reply.hijack();
    entry.status = 0;
    engine.ledger.record(entry);
    if (mode === 'reset') reply.raw.socket?.destroy();
    return reply;
  }

  // ---- OAuth (login host) -------------------------------------------------------------------------------
  app.post('/oauth/token', async (request, reply) => {
    const t = engine.now();
    const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    const [id, secret] = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(/:(.*)/s) : [];
    const entry: LedgerRequest = { at: t, method: 'POST', endpoint: 'oauth/token', path: pathOf(request), ...(id ? { clientId: id } : {}), status: 0, early: false };
    const record = track(reply, entry);
    const fault = engine.faults.take('token', undefined, t);
    if (fault) {
      entry.fault = faultTag(fault);
      const a = fault.action;
      if (a.type === 'timeout') return holdOpen(reply, entry, record);
      if (a.type === 'latency') await engine.sleep(a.ms);
      if (a.type === 'status') {
        if (a.status === 400 || a.status === 401)
          return reply.code(a.status).send(oauthErrorBody(a.status === 401 ? 'invalid_client' : 'invalid_request', a.message ?? 'client authentication failed'));
        return sendStatusFault(reply, a, undefined, t);
      }
    }
    const form = bodyOf(request);
    if (form['grant_type'] !== 'client_credentials')
      return reply.code(400).send(oauthErrorBody('unsupported_grant_type', 'grant_type must be client_credentials'));
    const issued = engine.issueToken(id, secret);
    if (!issued) return reply.code(401).send(oauthErrorBody('invalid_client', 'client not found or bad secret'));
    return reply.send({ access_token: issued.accessToken, token_type: 'bearer', expires_in: engine.settings.tokenTtlSec });
  });

  // ---- Conversations ------------------------------------------------------------------------------------
  const notFound = (reply: FastifyReply, id: string) =>
    sendError(reply, 404, { code: 'conversation.error.conversation.not.found', message: `Conversation ${id} not found` });

  app.get<{ Params: { id: string } }>('/api/v2/conversations/calls/:id', async (request, reply) => {
    if (!(await admit(request, reply, 'read', 'calls/read', request.params.id))) return reply;
    const conv = engine.conversations.get(request.params.id);
    return conv ? reply.send(toCallShape(conv)) : notFound(reply, request.params.id);
  });

  app.get<{ Params: { id: string } }>('/api/v2/conversations/:id', async (request, reply) => {
    if (!(await admit(request, reply, 'read', 'conversations/read', request.params.id))) return reply;
    const conv = engine.conversations.get(request.params.id);
    return conv ? reply.send(toGenericShape(conv)) : notFound(reply, request.params.id);
  });

  // ---- Transfers (all 202 Accepted with an empty body) ---------------------------------------------------
  /** A transfer route: admission, then the body read into a target (or a 400 naming what is missing). */
  function transferRoute(path: string, label: string, targetOf: (body: Record<string, unknown>) => TransferTarget | string) {
    app.post<LegRoute>(path, async (request, reply) => {
      const admitted = await admit(request, reply, 'transfer', label, request.params.cid);
      if (!admitted) return reply;
      const target = targetOf(bodyOf(request));
      if (typeof target === 'string') return sendError(reply, 400, { message: target });
      return transfer(reply, admitted, request.params.cid, request.params.pid, target, label);
    });
  }

  transferRoute('/api/v2/conversations/:cid/participants/:pid/replace/queue', 'replace/queue', (b) => {
    const [queueId, queueName] = [str(b['queueId']), str(b['queueName'])];
    return queueId ? { queueId } : queueName ? { queueName } : 'queueId or queueName is required.';
  });
  transferRoute('/api/v2/conversations/:cid/participants/:pid/replace/agent', 'replace/agent', (b) => {
    const userId = str(b['userId']);
    return userId ? { userId } : 'userId is required.';
  });
  transferRoute('/api/v2/conversations/:cid/participants/:pid/transfer', 'transfer', (b) => {
    const address = str(b['address']);
    return address ? { address } : 'address is required.';
  });
  // The long-standing voice form: one of queueId, userId, address (none: a 400 from checkTransfer).
  transferRoute('/api/v2/conversations/calls/:cid/participants/:pid/replace', 'calls/replace', (b) => {
    const [queueId, userId, address] = [str(b['queueId']), str(b['userId']), str(b['address'])];
    return queueId ? { queueId } : userId ? { userId } : address ? { address } : {};
  });

  // The tutorial's batch "Interaction API". It does NOT exist in Genesys Cloud (genesys-cloud.md §1); served
  // only so the tutorial's approach can be measured side by side (strategy `interactions`, the bench baseline).
  app.post('/api/v2/interactions', async (request, reply) => {
    const items = Array.isArray(request.body) ? (request.body as Array<Record<string, any> | null>) : [];
    const first = str(items[0]?.['id']);
    const admitted = await admit(request, reply, 'interactions', 'interactions', first);
    if (!admitted) return reply;
    const results = items.map((item) => {
      const id = str(item?.['id']);
      const queueId = str(item?.['details']?.['target']?.['id']);
      const conv = id ? engine.conversations.get(id) : undefined;
      if (!conv || conv.endTime) return { id, action: item?.['action'], status: 404 };
      if (!queueId || !engine.queues.has(queueId)) return { id, action: item?.['action'], status: 400 };
      const leg = conv.participants.find((p) => p.purpose !== 'customer' && p.purpose !== 'acd' && p.state === 'connected' && isLive(p));
      if (!leg) return { id, action: item?.['action'], status: 409 };
      const check = engine.checkTransfer(conv.id, leg.id, { queueId });
      if (!check.ok) return { id, action: item?.['action'], status: check.status };
      engine.applyTransfer(check, { queueId }, 'interactions', admitted.token, {
        fail: admitted.fault?.type === 'fail-transfer',
        replyDropped: admitted.fault?.type === 'accept-drop',
      });
      return { id: conv.id, action: 'update', status: 200 };
    });
    if (admitted.fault?.type === 'accept-drop') return dropReply(reply, admitted.entry, admitted.fault.mode ?? 'reset');
    return reply.code(200).send(results);
  });
}
