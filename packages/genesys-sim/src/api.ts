import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SimEngine, TransferCheck, TransferTarget } from './engine.js';
import { oauthErrorBody } from './errors.js';
import type { LedgerRequest } from './ledger.js';
import { isLive } from './model.js';
import { toParticipantAttributes } from './org.js';
import { toCallShape, toGenericShape } from './shapes.js';
import { bodyOf, pathOf, str, type Admitted, type TransferFault, type Wire } from './wire.js';

type LegRoute = { Params: { cid: string; pid: string }; Body: unknown };

/** What a fail-transfer fault asks of the transfer it applies to. */
const failureOf = (fault: TransferFault | undefined) => (fault?.type === 'fail-transfer' ? { fail: { state: fault.state ?? 'Failed', ...(fault.pendingMs !== undefined ? { pendingMs: fault.pendingMs } : {}) } } : {});

/**
 * The Genesys Cloud endpoints about conversations (docs/genesys-contract.md §3–§6, §6c): the token, both reads, the
 * transfers, participant attributes and callbacks, and the tutorial's batch (not Genesys). Bodies are written by
 * shapes.ts, typed with the SDK's models.
 */
export function registerGenesysRoutes(app: FastifyInstance, engine: SimEngine, wire: Wire): void {
  const { admit, sendError, sendRefusal, sendStatusFault, track, holdOpen, dropReply } = wire;
  const author = (a: Admitted) => ({ by: 'api' as const, clientId: a.token.clientId, tokenId: a.token.tokenId });

  /** Validates and applies one transfer; 202 with an empty body, or what the transfer's fault makes of it. */
  function transfer(request: FastifyRequest, reply: FastifyReply, admitted: Admitted, cid: string, pid: string, target: TransferTarget, label: string) {
    const check = engine.checkTransfer(cid, pid, target);
    if (!check.ok) return sendRefusal(reply, check);
    const fault = admitted.fault;
    if (fault?.type === 'slow-apply') return slowApply(request, reply, admitted, check, target, label, fault);
    const drop = fault?.type === 'accept-drop' ? fault : undefined;
    engine.applyTransfer(check, target, label, admitted.token, { ...failureOf(fault), replyDropped: drop !== undefined });
    if (drop) return dropReply(reply, admitted.entry, drop.mode ?? 'reset');
    return reply.code(202).send();
  }

  /**
   * A slow Genesys: checked on arrival (done by the caller), applied `applyAfterMs` after arrival, answered
   * `answerAfterMs` after arrival — if the client is still there (else status 0 in the ledger).
   */
  async function slowApply(
    request: FastifyRequest,
    reply: FastifyReply,
    admitted: Admitted,
    check: Extract<TransferCheck, { ok: true }>,
    target: TransferTarget,
    label: string,
    fault: Extract<TransferFault, { type: 'slow-apply' }>,
  ) {
    const requestedAt = admitted.entry.at;
    engine.later(fault.applyAfterMs ?? fault.answerAfterMs, () => engine.applyTransfer(check, target, label, admitted.token, { requestedAt }));
    // A client that gave up closed its connection: then no answer leaves (and the listener must not outlive the wait
    // on a keep-alive socket that serves later requests).
    const socket = request.raw.socket;
    let gone = false;
    const onClose = () => (gone = true);
    socket.once('close', onClose);
    await engine.sleep(fault.answerAfterMs);
    socket.off('close', onClose);
    if (gone || socket.destroyed) {
      reply.hijack();
      admitted.entry.status = 0;
      admitted.record();
      return reply;
    }
    return reply.code(202).send();
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
      entry.fault = `${fault.id}:${fault.action.type}`;
      const a = fault.action;
      if (a.type === 'timeout') return holdOpen(reply, entry, record);
      if (a.type === 'latency') await engine.sleep(a.ms);
      if (a.type === 'status') {
        if (a.status === 400 || a.status === 401)
          return reply.code(a.status).send(oauthErrorBody(a.status === 401 ? 'invalid_client' : 'invalid_request', a.message ?? 'client authentication failed'));
        return sendStatusFault(reply, a, undefined, t, 'token', 'oauth/token');
      }
    }
    const form = bodyOf(request);
    if (form['grant_type'] !== 'client_credentials')
      return reply.code(400).send(oauthErrorBody('unsupported_grant_type', 'grant_type must be client_credentials'));
    const issued = engine.issueToken(id, secret);
    if (!issued) return reply.code(401).send(oauthErrorBody('invalid_client', 'client not found or bad secret'));
    // expires_in is the token's own lifetime (tokenTtlSec when issued): the token stops working exactly then.
    return reply.send({ access_token: issued.accessToken, token_type: 'bearer', expires_in: Math.round((issued.record.expiresAt - issued.record.issuedAt) / 1000) });
  });

  // ---- Conversations ------------------------------------------------------------------------------------
  // The calls read answers its own 404 code; the generic read a plain not.found (docs/genesys-contract.md §6).
  app.get<{ Params: { id: string } }>('/api/v2/conversations/calls/:id', async (request, reply) => {
    if (!(await admit(request, reply, 'read', 'calls/read', request.params.id))) return reply;
    const conv = engine.conversations.get(request.params.id);
    return conv
      ? reply.send(toCallShape(conv))
      : sendError(reply, 404, { code: 'conversation.error.conversation.not.found', message: `Conversation ${request.params.id} not found` });
  });

  app.get<{ Params: { id: string } }>('/api/v2/conversations/:id', async (request, reply) => {
    if (!(await admit(request, reply, 'read', 'conversations/read', request.params.id))) return reply;
    const conv = engine.conversations.get(request.params.id);
    return conv ? reply.send(toGenericShape(conv)) : sendError(reply, 404, { code: 'not.found', message: `Conversation ${request.params.id} not found` });
  });

  // ---- Transfers (all 202 Accepted with an empty body) ---------------------------------------------------
  /** A transfer route: admission, then the body read into a target (or a 400 naming what is missing). */
  function transferRoute(path: string, label: string, targetOf: (body: Record<string, unknown>) => TransferTarget | string) {
    app.post<LegRoute>(path, async (request, reply) => {
      const admitted = await admit(request, reply, 'transfer', label, request.params.cid);
      if (!admitted) return reply;
      const target = targetOf(bodyOf(request));
      if (typeof target === 'string') return sendError(reply, 400, { message: target });
      return transfer(request, reply, admitted, request.params.cid, request.params.pid, target, label);
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

  // ---- Participant data and callbacks (issue 13) ---------------------------------------------------------
  // PATCH answers 202 with the participant's attributes after the merge (SDK: returns ParticipantAttributes).
  app.patch<LegRoute>('/api/v2/conversations/calls/:cid/participants/:pid/attributes', async (request, reply) => {
    const admitted = await admit(request, reply, 'attributes', 'calls/attributes', request.params.cid);
    if (!admitted) return reply;
    const done = engine.patchAttributes(request.params.cid, request.params.pid, request.body, author(admitted));
    return done.ok ? reply.code(202).send(toParticipantAttributes(done.patch.after)) : sendRefusal(reply, done);
  });

  // SDK: void (no response body); 202 like the other conversation POSTs (assumption).
  app.post<LegRoute>('/api/v2/conversations/:cid/participants/:pid/callbacks', async (request, reply) => {
    const admitted = await admit(request, reply, 'callbacks', 'callbacks', request.params.cid);
    if (!admitted) return reply;
    const done = engine.createCallback(request.params.cid, request.params.pid, request.body, author(admitted));
    return done.ok ? reply.code(202).send() : sendRefusal(reply, done);
  });

  // The tutorial's batch "Interaction API". It does NOT exist in Genesys Cloud (docs/genesys-contract.md §1); served
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
      engine.applyTransfer(check, { queueId }, 'interactions', admitted.token, { ...failureOf(admitted.fault), replyDropped: admitted.fault?.type === 'accept-drop' });
      return { id: conv.id, action: 'update', status: 200 };
    });
    if (admitted.fault?.type === 'accept-drop') return dropReply(reply, admitted.entry, admitted.fault.mode ?? 'reset');
    return reply.code(200).send(results);
  });
}
