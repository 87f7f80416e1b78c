import { randomBytes, randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { seededRandom, takeFault, type ActiveFault, type FaultEndpoint, type FaultRule } from './faults.js';
import {
  SEED,
  isLive,
  newConversation,
  toCallShape,
  toGenericShape,
  type NewConversation,
  type SimConversation,
  type SimParticipant,
  type SimQueue,
} from './model.js';

/** Simulator settings; every one can also be changed at run time through POST /__sim/config. */
export interface SimulatorOptions {
  /** Requests per minute per access token (Genesys default 300). 0 disables. */
  rateLimitPerMinute?: number;
  /** Requests per minute for the whole org, all tokens together (the 2026 org-level limits). 0 disables. */
  orgRateLimitPerMinute?: number;
  /** Delay between a 202 and the transfer showing in the conversation (ms). */
  transferDelayMs?: number;
  /** Lifetime of issued tokens (`expires_in`, s). */
  tokenTtlSec?: number;
  /** Latency added to every API answer (ms). */
  latencyMs?: number;
  /** OAuth clients the org knows (id → secret). Default: sim-client/sim-secret. */
  clients?: Record<string, string>;
  /** Extra queues (the seeded Fallback IVR and Billing queues always exist). */
  queues?: SimQueue[];
  /** Seed of the fault RNG. */
  seed?: number;
  /** Clock (tests may drive it). */
  now?: () => number;
  /** Log requests with pino (default off: the simulator is a test double). */
  logger?: boolean;
}

/** One API request the simulator saw. */
export interface LedgerRequest {
  at: number;
  method: string;
  endpoint: string;
  path: string;
  /** The OAuth client the token belongs to (tokens themselves are not kept). */
  clientId?: string;
  /** A short, non-secret id of the token (first 8 chars of its SHA-less random id). */
  tokenId?: string;
  status: number;
  /** True when it arrived while a Retry-After given to its token had not yet elapsed. */
  early: boolean;
}

/** One transfer the simulator accepted (202) and applied. */
export interface LedgerTransfer {
  at: number;
  conversationId: string;
  participantId: string;
  endpoint: string;
  target: { queueId?: string; queueName?: string; userId?: string; address?: string };
  clientId?: string;
}

interface TokenRecord {
  clientId: string;
  tokenId: string;
  expiresAt: number;
  revoked: boolean;
  /** Send times of admitted requests within the last minute (sliding window). */
  window: number[];
  /** No request should arrive before this (epoch ms): the end of the last Retry-After we gave. */
  retryAfterUntil: number;
}

type ApiEndpoint = Exclude<FaultEndpoint, 'any'>;

/** A running (or ready to run) simulator. */
export interface Simulator {
  app: FastifyInstance;
  /** Starts listening; port 0 picks a free one. Returns the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
  /** Direct access for in-process tests (the HTTP control API offers the same). */
  createConversation(opts?: NewConversation): SimConversation;
  getConversation(id: string): SimConversation | undefined;
  transfers(): LedgerTransfer[];
  requests(): LedgerRequest[];
  stats(): SimStats;
  installFaults(rules: FaultRule[]): ActiveFault[];
  clearFaults(): void;
}

/** Counters the control API reports. */
export interface SimStats {
  requests: number;
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
  transfers: number;
  /** Conversations that had more than one transfer applied: must stay 0. */
  duplicateTransfers: number;
  /** Requests that arrived before their token's Retry-After elapsed: must stay 0. */
  earlyRequests: number;
  rateLimited: number;
  tokensIssued: number;
  conversations: number;
}

const ERROR_MESSAGES: Record<number, string> = {
  400: 'The request could not be understood by the server due to malformed syntax.',
  401: 'Authentication failed.',
  403: 'You are not authorized to perform the requested action.',
  404: 'The requested resource was not found.',
  408: 'The client did not produce a request within the server timeout limit.',
  409: 'The request conflicts with the current state of the target resource.',
  500: 'The server encountered an unexpected condition which prevented it from fulfilling the request.',
  502: 'The server received an invalid response from an upstream server.',
  503: 'Service Unavailable - The server is currently unavailable (because it is overloaded or down for maintenance).',
  504: 'The request timed out.',
};

const DEFAULT_CODES: Record<number, string> = {
  400: 'bad.request',
  401: 'bad.credentials',
  403: 'missing.permissions',
  404: 'not.found',
  408: 'request.timeout',
  409: 'conflict',
  429: 'too.many.requests.retry.after',
  500: 'internal.server.error',
  502: 'bad.gateway',
  503: 'service.unavailable',
  504: 'gateway.timeout',
};

/** Builds a simulator of the Genesys Cloud endpoints the fallback uses. Listen on port 0 in tests. */
export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const now = options.now ?? Date.now;
  const cfg = {
    rateLimitPerMinute: options.rateLimitPerMinute ?? 300,
    orgRateLimitPerMinute: options.orgRateLimitPerMinute ?? 0,
    transferDelayMs: options.transferDelayMs ?? 0,
    tokenTtlSec: options.tokenTtlSec ?? 86_400,
    latencyMs: options.latencyMs ?? 0,
  };
  const clients = new Map(Object.entries(options.clients ?? { [SEED.clientId]: SEED.clientSecret }));
  const queues = new Map<string, SimQueue>(
    [SEED.fallbackQueue, SEED.billingQueue, ...(options.queues ?? [])].map((q) => [q.id, { ...q }]),
  );
  const conversations = new Map<string, SimConversation>();
  const tokens = new Map<string, TokenRecord>();
  const ledgerRequests: LedgerRequest[] = [];
  const ledgerTransfers: LedgerTransfer[] = [];
  const transfersPerConversation = new Map<string, number>();
  const orgWindow: number[] = [];
  let faults: ActiveFault[] = [];
  let faultSeq = 0;
  let tokensIssued = 0;
  let random = seededRandom(options.seed ?? 1);
  const timers = new Set<NodeJS.Timeout>();
  const hijacked = new Set<FastifyReply>();

  const app = Fastify({ logger: options.logger ?? false, keepAliveTimeout: 65_000, bodyLimit: 1_048_576 });

  // Genesys puts a correlation id on every response; clients must log it with every error.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('inin-correlation-id', randomUUID());
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  function later(ms: number, fn: () => void): void {
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  }

  function errorBody(reply: FastifyReply, status: number, code?: string, message?: string, params?: Record<string, string>) {
    const contextId = reply.getHeader('inin-correlation-id') as string;
    const text = message ?? ERROR_MESSAGES[status] ?? 'Error';
    return reply.code(status).send({
      message: text,
      code: code ?? DEFAULT_CODES[status] ?? 'error',
      status,
      messageWithParams: text,
      messageParams: params ?? {},
      contextId,
      details: [],
      errors: [],
    });
  }

  function send429(reply: FastifyReply, record: TokenRecord | undefined, retryAfterSec: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterSec));
    if (record) record.retryAfterUntil = Math.max(record.retryAfterUntil, now() + seconds * 1000);
    reply.header('Retry-After', String(seconds));
    return errorBody(
      reply,
      429,
      'too.many.requests.retry.after',
      `Rate limit exceeded the maximum. Retry the request in [${seconds}] seconds`,
    );
  }

  /** Sliding one-minute window: seconds until a slot frees, or 0 if there is room (and the slot is taken). */
  function admit(window: number[], limit: number, t: number): number {
    if (limit <= 0) return 0;
    while (window.length > 0 && window[0]! <= t - 60_000) window.shift();
    if (window.length >= limit) return (window[0]! + 60_000 - t) / 1000;
    window.push(t);
    return 0;
  }

  function record(request: FastifyRequest, endpoint: string, status: number, token?: TokenRecord, early = false) {
    ledgerRequests.push({
      at: now(),
      method: request.method,
      endpoint,
      path: request.url.split('?')[0]!,
      ...(token ? { clientId: token.clientId, tokenId: token.tokenId } : {}),
      status,
      early,
    });
  }

  /**
   * Everything an API request goes through before its handler: bearer token, early-retry bookkeeping, faults,
   * per-token and org rate limits, latency. Returns the token when the handler should run, or undefined when
   * an answer (or deliberate silence) has already been arranged.
   */
  async function gate(request: FastifyRequest, reply: FastifyReply, endpoint: ApiEndpoint, label: string) {
    const auth = request.headers.authorization ?? '';
    const match = /^Bearer (\S+)$/i.exec(auth);
    const token = match ? tokens.get(match[1]!) : undefined;
    const t = now();
    const early = token !== undefined && t < token.retryAfterUntil;
    reply.raw.on('finish', () => record(request, label, reply.statusCode, token, early));
    if (!token || token.revoked || t >= token.expiresAt) {
      errorBody(reply, 401, 'bad.credentials', 'Invalid login credentials.');
      return undefined;
    }
    const fault = takeFault(faults, endpoint, t, random);
    if (fault) {
      const a = fault.action;
      if (a.type === 'revoke-token') {
        token.revoked = true;
        errorBody(reply, 401, 'bad.credentials', 'Invalid login credentials.');
        return undefined;
      }
      if (a.type === 'latency') await new Promise<void>((r) => later(a.ms, r));
      if (a.type === 'timeout') {
        reply.hijack();
        hijacked.add(reply);
        reply.raw.on('close', () => hijacked.delete(reply));
        record(request, label, 0, token, early);
        return undefined;
      }
      if (a.type === 'status') {
        if (a.status === 429) {
          send429(reply, token, a.retryAfterSec ?? 5);
          return undefined;
        }
        if (a.status === 403) {
          const permission = a.permission ?? 'conversation:communication:blindTransfer';
          errorBody(reply, 403, a.code ?? 'missing.permissions', a.message ?? `Unable to perform the requested action. You are missing the following permission(s): [${permission}]`, { permissions: permission });
          return undefined;
        }
        errorBody(reply, a.status, a.code, a.message);
        return undefined;
      }
      if (a.type === 'accept-drop') (request as FastifyRequest & { dropAfterApply?: boolean }).dropAfterApply = true;
    }
    if (t < token.retryAfterUntil) {
      send429(reply, token, (token.retryAfterUntil - t) / 1000);
      return undefined;
    }
    const waitSec = admit(token.window, cfg.rateLimitPerMinute, t) || admit(orgWindow, cfg.orgRateLimitPerMinute, t);
    if (waitSec > 0) {
      send429(reply, token, waitSec);
      return undefined;
    }
    if (cfg.latencyMs > 0) await new Promise<void>((r) => later(cfg.latencyMs, r));
    return token;
  }

  function conversationNotFound(reply: FastifyReply, id: string) {
    return errorBody(reply, 404, 'conversation.error.conversation.not.found', `Conversation ${id} not found`);
  }

  type TransferTarget = LedgerTransfer['target'];

  /** Validates and applies one transfer; answers 202 (or drops the connection for accept-drop). */
  function transfer(
    request: FastifyRequest,
    reply: FastifyReply,
    token: TokenRecord,
    conversationId: string,
    participantId: string,
    target: TransferTarget,
    endpoint: string,
  ) {
    const conv = conversations.get(conversationId);
    if (!conv) return conversationNotFound(reply, conversationId);
    const leg = conv.participants.find((p) => p.id === participantId);
    if (!leg) return errorBody(reply, 404, 'not.found', `Participant ${participantId} not found`);
    if (conv.endTime || !isLive(leg) || leg.state !== 'connected')
      return errorBody(reply, 400, 'conversations.error.transfer.not.connected', 'The participant to transfer is not connected.');
    if (leg.purpose === 'customer')
      return errorBody(reply, 400, 'bad.request', 'You are not a connected participant on the call');
    let queue: SimQueue | undefined;
    if (target.queueId !== undefined || target.queueName !== undefined) {
      queue = target.queueId !== undefined ? queues.get(target.queueId) : [...queues.values()].find((q) => q.name === target.queueName);
      if (!queue) return errorBody(reply, 400, 'conversations.error.queue.not.found', 'The specified queue was not found.');
    } else if (target.userId === undefined && target.address === undefined) {
      return errorBody(reply, 400, 'bad.request', 'A transfer target (queueId, queueName, userId or address) is required.');
    }
    applyTransfer(conv, leg, target, queue, token, endpoint);
    if ((request as FastifyRequest & { dropAfterApply?: boolean }).dropAfterApply) {
      // The transfer happened; the reply never arrives ('finish' never fires, so record it here).
      record(request, endpoint, 202, token);
      request.raw.socket.destroy();
      return reply;
    }
    return reply.code(202).send();
  }

  function applyTransfer(
    conv: SimConversation,
    leg: SimParticipant,
    target: TransferTarget,
    queue: SimQueue | undefined,
    token: TokenRecord,
    endpoint: string,
  ) {
    const at = now();
    ledgerTransfers.push({ at, conversationId: conv.id, participantId: leg.id, endpoint, target, clientId: token.clientId });
    transfersPerConversation.set(conv.id, (transfersPerConversation.get(conv.id) ?? 0) + 1);
    const recent = {
      id: randomUUID(),
      state: 'Pending' as const,
      dateIssued: new Date(at).toISOString(),
      transferType: 'Unattended' as const,
      destination: queue ? { queueId: queue.id } : target.userId ? { userId: target.userId } : { address: target.address! },
    };
    conv.recentTransfers.push(recent);
    later(cfg.transferDelayMs, () => {
      const t = new Date(now()).toISOString();
      leg.state = 'disconnected';
      leg.disconnectType = 'transfer';
      leg.endTime = t;
      const base = { id: randomUUID(), startTime: t, connectedTime: t, state: 'connected' };
      if (queue) conv.participants.push({ ...base, purpose: 'acd', queueId: queue.id, name: queue.name });
      else if (target.userId) conv.participants.push({ ...base, purpose: 'agent', userId: target.userId, state: 'alerting', connectedTime: undefined });
      else conv.participants.push({ ...base, purpose: 'ivr', address: target.address, name: 'Architect inbound flow' });
      const entry = conv.recentTransfers.find((r) => r.id === recent.id);
      if (entry) entry.state = 'Complete';
    });
  }

  function hangup(conv: SimConversation) {
    if (conv.endTime) return;
    const t = new Date(now()).toISOString();
    for (const p of conv.participants) {
      if (isLive(p)) {
        p.state = 'disconnected';
        p.disconnectType = p.purpose === 'customer' ? 'endpoint' : 'peer';
        p.endTime = t;
      }
    }
    conv.endTime = t;
  }

  function createConversation(opts: NewConversation = {}): SimConversation {
    const conv = newConversation(opts, now());
    conversations.set(conv.id, conv);
    if (opts.hangupAfterMs !== undefined) later(opts.hangupAfterMs, () => hangup(conv));
    return conv;
  }

  // ---- OAuth -------------------------------------------------------------------------------------------
  app.post('/oauth/token', async (request, reply) => {
    const fault = takeFault(faults, 'token', now(), random);
    reply.raw.on('finish', () => record(request, 'oauth/token', reply.statusCode));
    if (fault?.action.type === 'status') return errorBody(reply, fault.action.status, fault.action.code, fault.action.message);
    if (fault?.action.type === 'latency') await new Promise<void>((r) => later((fault.action as { ms: number }).ms, r));
    const basic = /^Basic (\S+)$/i.exec(request.headers.authorization ?? '');
    const [id, secret] = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(/:(.*)/s) : [];
    const body = (request.body ?? {}) as Record<string, string>;
    if (body['grant_type'] !== 'client_credentials')
      return reply.code(400).send({ error: 'unsupported_grant_type', description: 'grant_type must be client_credentials' });
    if (!id || clients.get(id) !== secret)
      return reply.code(401).send({ error: 'invalid_client', description: 'client authentication failed' });
    const accessToken = randomBytes(24).toString('base64url');
    tokens.set(accessToken, {
      clientId: id,
      tokenId: accessToken.slice(0, 8),
      expiresAt: now() + cfg.tokenTtlSec * 1000,
      revoked: false,
      window: [],
      retryAfterUntil: 0,
    });
    tokensIssued += 1;
    return reply.send({ access_token: accessToken, token_type: 'bearer', expires_in: cfg.tokenTtlSec });
  });

  // ---- Conversations ----------------------------------------------------------------------------------
  app.get<{ Params: { id: string } }>('/api/v2/conversations/calls/:id', async (request, reply) => {
    if (!(await gate(request, reply, 'read', 'calls/read'))) return reply;
    const conv = conversations.get(request.params.id);
    return conv ? reply.send(toCallShape(conv)) : conversationNotFound(reply, request.params.id);
  });

  app.get<{ Params: { id: string } }>('/api/v2/conversations/:id', async (request, reply) => {
    if (!(await gate(request, reply, 'read', 'conversations/read'))) return reply;
    const conv = conversations.get(request.params.id);
    return conv ? reply.send(toGenericShape(conv)) : conversationNotFound(reply, request.params.id);
  });

  type LegParams = { Params: { cid: string; pid: string }; Body: Record<string, unknown> | undefined };
  const bodyOf = (request: FastifyRequest<LegParams>) => (request.body && typeof request.body === 'object' ? request.body : {});
  const strOf = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

  app.post<LegParams>('/api/v2/conversations/:cid/participants/:pid/replace/queue', async (request, reply) => {
    const token = await gate(request, reply, 'transfer', 'replace/queue');
    if (!token) return reply;
    const b = bodyOf(request);
    const queueId = strOf(b['queueId']);
    const queueName = strOf(b['queueName']);
    if (!queueId && !queueName) return errorBody(reply, 400, 'bad.request', 'queueId or queueName is required.');
    return transfer(request, reply, token, request.params.cid, request.params.pid, queueId ? { queueId } : { queueName }, 'replace/queue');
  });

  app.post<LegParams>('/api/v2/conversations/:cid/participants/:pid/replace/agent', async (request, reply) => {
    const token = await gate(request, reply, 'transfer', 'replace/agent');
    if (!token) return reply;
    const userId = strOf(bodyOf(request)['userId']);
    if (!userId) return errorBody(reply, 400, 'bad.request', 'userId is required.');
    return transfer(request, reply, token, request.params.cid, request.params.pid, { userId }, 'replace/agent');
  });

  app.post<LegParams>('/api/v2/conversations/:cid/participants/:pid/transfer', async (request, reply) => {
    const token = await gate(request, reply, 'transfer', 'transfer');
    if (!token) return reply;
    const address = strOf(bodyOf(request)['address']);
    if (!address) return errorBody(reply, 400, 'bad.request', 'address is required.');
    return transfer(request, reply, token, request.params.cid, request.params.pid, { address }, 'transfer');
  });

  app.post<LegParams>('/api/v2/conversations/calls/:cid/participants/:pid/replace', async (request, reply) => {
    const token = await gate(request, reply, 'transfer', 'calls/replace');
    if (!token) return reply;
    const b = bodyOf(request);
    const target = { queueId: strOf(b['queueId']), userId: strOf(b['userId']), address: strOf(b['address']) };
    const chosen: TransferTarget = target.queueId ? { queueId: target.queueId } : target.userId ? { userId: target.userId } : target.address ? { address: target.address } : {};
    return transfer(request, reply, token, request.params.cid, request.params.pid, chosen, 'calls/replace');
  });

  // The tutorial's batch "Interaction API". It does not exist in Genesys Cloud; served here only so the
  // tutorial's approach can be measured side by side (strategy `interactions`, the bench baseline).
  app.post('/api/v2/interactions', async (request, reply) => {
    const token = await gate(request, reply, 'interactions', 'interactions');
    if (!token) return reply;
    const items = Array.isArray(request.body) ? (request.body as Array<Record<string, any>>) : [];
    const results = items.map((item) => {
      const conv = conversations.get(String(item?.['id']));
      const queueId = item?.['details']?.['target']?.['id'];
      const queue = typeof queueId === 'string' ? queues.get(queueId) : undefined;
      const leg = conv?.participants.find((p) => p.purpose !== 'customer' && p.purpose !== 'acd' && p.state === 'connected' && isLive(p));
      if (!conv || conv.endTime) return { id: item?.['id'], action: item?.['action'], status: 404 };
      if (!queue) return { id: item?.['id'], action: item?.['action'], status: 400 };
      if (!leg) return { id: item?.['id'], action: item?.['action'], status: 409 };
      applyTransfer(conv, leg, { queueId: queue.id }, queue, token, 'interactions');
      return { id: conv.id, action: 'update', status: 200 };
    });
    return reply.code(200).send(results);
  });

  // ---- Control API (not Genesys; for tests, demos and benchmarks) ------------------------------------------
  app.post<{ Body: NewConversation | undefined }>('/__sim/conversations', async (request, reply) => {
    const conv = createConversation(request.body ?? {});
    return reply.code(201).send(describe(conv));
  });
  app.post<{ Body: NewConversation & { count?: number } }>('/__sim/conversations/bulk', async (request, reply) => {
    const { count = 1, ...opts } = request.body ?? {};
    const created = Array.from({ length: Math.min(Math.max(1, count), 100_000) }, () => describe(createConversation({ ...opts, id: undefined })));
    return reply.code(201).send({ conversations: created });
  });
  app.get('/__sim/conversations', async () => ({ conversations: [...conversations.values()].slice(-1000).map(describe) }));
  app.get<{ Params: { id: string } }>('/__sim/conversations/:id', async (request, reply) => {
    const conv = conversations.get(request.params.id);
    return conv ? reply.send({ ...describe(conv), conversation: conv }) : reply.code(404).send({ error: 'not found' });
  });
  app.post<{ Params: { id: string } }>('/__sim/conversations/:id/hangup', async (request, reply) => {
    const conv = conversations.get(request.params.id);
    if (!conv) return reply.code(404).send({ error: 'not found' });
    hangup(conv);
    return reply.send(describe(conv));
  });
  app.get<{ Querystring: { conversationId?: string } }>('/__sim/transfers', async (request) => {
    const id = request.query.conversationId;
    return { transfers: id ? ledgerTransfers.filter((t) => t.conversationId === id) : ledgerTransfers };
  });
  app.get<{ Querystring: { since?: string } }>('/__sim/requests', async (request) => {
    const since = Number(request.query.since ?? 0);
    return { requests: ledgerRequests.filter((r) => r.at >= since) };
  });
  app.get('/__sim/stats', async () => stats());
  app.get('/__sim/queues', async () => ({ queues: [...queues.values()] }));
  app.post<{ Body: { rules?: FaultRule[] } }>('/__sim/faults', async (request, reply) => {
    const rules = request.body?.rules;
    if (!Array.isArray(rules)) return reply.code(400).send({ error: 'rules must be an array of fault rules' });
    return reply.code(201).send({ faults: installFaults(rules) });
  });
  app.get('/__sim/faults', async () => ({ faults }));
  app.delete('/__sim/faults', async () => {
    clearFaults();
    return { faults: [] };
  });
  app.post<{ Body: Partial<typeof cfg> & { seed?: number } }>('/__sim/config', async (request) => {
    const body = request.body ?? {};
    for (const key of Object.keys(cfg) as (keyof typeof cfg)[]) {
      const v = body[key];
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0) cfg[key] = v;
    }
    if (typeof body.seed === 'number') random = seededRandom(body.seed);
    return { config: cfg };
  });
  app.post('/__sim/tokens/revoke', async () => {
    for (const t of tokens.values()) t.revoked = true;
    return { revoked: tokens.size };
  });
  app.post('/__sim/reset', async () => {
    ledgerRequests.length = 0;
    ledgerTransfers.length = 0;
    transfersPerConversation.clear();
    orgWindow.length = 0;
    for (const t of tokens.values()) {
      t.window.length = 0;
      t.retryAfterUntil = 0;
    }
    clearFaults();
    return { ok: true };
  });

  function describe(conv: SimConversation) {
    const customer = conv.participants.find((p) => p.purpose === 'customer');
    const bot = conv.participants.find((p) => p.purpose !== 'customer' && p.purpose !== 'acd');
    return { id: conv.id, customerParticipantId: customer?.id, botParticipantId: bot?.id, ended: Boolean(conv.endTime) };
  }

  function installFaults(rules: FaultRule[]): ActiveFault[] {
    const t = now();
    const added = rules.map((r) => ({ ...r, id: ++faultSeq, installedAt: t, remaining: r.count ?? Number.POSITIVE_INFINITY, hits: 0 }));
    faults.push(...added);
    return added;
  }

  function clearFaults() {
    faults = [];
  }

  function stats(): SimStats {
    const byEndpoint: Record<string, number> = {};
    const byStatus: Record<string, number> = {};
    let early = 0;
    let rateLimited = 0;
    for (const r of ledgerRequests) {
      byEndpoint[r.endpoint] = (byEndpoint[r.endpoint] ?? 0) + 1;
      byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
      if (r.early) early += 1;
      if (r.status === 429) rateLimited += 1;
    }
    let duplicates = 0;
    for (const n of transfersPerConversation.values()) if (n > 1) duplicates += 1;
    return {
      requests: ledgerRequests.length,
      byEndpoint,
      byStatus,
      transfers: ledgerTransfers.length,
      duplicateTransfers: duplicates,
      earlyRequests: early,
      rateLimited,
      tokensIssued,
      conversations: conversations.size,
    };
  }

  app.addHook('onClose', async () => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
    for (const r of hijacked) r.raw.destroy();
  });

  return {
    app,
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen({ port, host });
      const address = app.server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      return `http://${host}:${actual}`;
    },
    close: () => app.close(),
    createConversation,
    getConversation: (id) => conversations.get(id),
    transfers: () => ledgerTransfers,
    requests: () => ledgerRequests,
    stats,
    installFaults,
    clearFaults,
  };
}
