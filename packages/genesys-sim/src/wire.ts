import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SimEngine } from './engine.js';
import { RATE_LIMIT_CODES, errorBody, missingPermissionBody, rateLimitBody, type RateLimitCode, type RateLimitInfo, type Refusal } from './errors.js';
import type { ActiveFault, FaultAction, RequestEndpoint } from './faults.js';
import type { LedgerRequest } from './ledger.js';
import type { TokenRecord } from './tokens.js';

/** Faults only a transfer handler can act out (the rest are acted out during admission). */
export type TransferFault = Extract<FaultAction, { type: 'accept-drop' | 'fail-transfer' | 'slow-apply' }>;

/** A request let through to its handler: its token, its ledger entry, and a fault the handler must act out. */
export interface Admitted {
  token: TokenRecord;
  entry: LedgerRequest;
  /** Writes the ledger entry now (for an answer that will never leave). */
  record: () => void;
  fault?: TransferFault;
}

/**
 * The permission a 403 fault names when the rule names none (SDK docs: the permission each endpoint needs;
 * transfers keep their historical default `…:blindTransfer`).
 */
const DEFAULT_PERMISSION: Record<string, string> = {
  'conversations/read': 'conversation:communication:view',
  'calls/read': 'conversation:communication:view',
  'analytics/details': 'analytics:conversationDetail:view',
  'emergencygroups/read': 'routing:emergencyGroup:view',
  'emergencygroups/list': 'routing:emergencyGroup:view',
  'emergencygroups/update': 'routing:emergencyGroup:edit',
  'datatables/rows/read': 'architect:datatable:view',
  'datatables/rows/update': 'architect:datatable:edit',
  callbacks: 'conversation:callback:create',
  'queues/estimatedwaittime': 'routing:queue:view',
};

/** The code of a status fault that names none, where Genesys' default for the status would mislead (assumptions). */
const DEFAULT_FAULT_CODE: Partial<Record<RequestEndpoint, Record<number, string>>> = {
  transfer: { 409: 'conversations.error.transfer.conflict' },
  interactions: { 409: 'conversations.error.transfer.conflict' },
  architect: { 409: 'general.conflict' },
};

export const correlationOf = (reply: FastifyReply) => reply.getHeader('inin-correlation-id') as string;
export const pathOf = (request: FastifyRequest) => {
  const q = request.url.indexOf('?');
  return q === -1 ? request.url : request.url.slice(0, q);
};
export const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
export const bodyOf = (request: FastifyRequest): Record<string, unknown> =>
  request.body && typeof request.body === 'object' && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : {};
const faultTag = (f: ActiveFault) => `${f.id}:${f.action.type}`;

/** What every Genesys route needs: admission in Genesys' order, the ledger, and Genesys-shaped refusals. */
export interface Wire {
  sendError(reply: FastifyReply, status: number, opts?: Parameters<typeof errorBody>[2]): FastifyReply;
  sendRefusal(reply: FastifyReply, r: Refusal): FastifyReply;
  send429(reply: FastifyReply, token: TokenRecord | undefined, seconds: number, t: number, code?: RateLimitCode, info?: RateLimitInfo): FastifyReply;
  sendStatusFault(reply: FastifyReply, a: Extract<FaultAction, { type: 'status' }>, token: TokenRecord | undefined, t: number, endpoint: RequestEndpoint, label: string): FastifyReply;
  track(reply: FastifyReply, entry: LedgerRequest): () => void;
  holdOpen(reply: FastifyReply, entry: LedgerRequest, record: () => void): FastifyReply;
  dropReply(reply: FastifyReply, entry: LedgerRequest, mode: 'reset' | 'hang'): FastifyReply;
  admit(request: FastifyRequest, reply: FastifyReply, endpoint: RequestEndpoint, label: string, conversationId?: string | readonly string[]): Promise<Admitted | undefined>;
}

/**
 * Builds the admission path. Hot path: one token lookup, O(1) limit windows, an empty fault list costs one
 * length check, and the ledger entry is written once when the answer leaves.
 */
export function createWire(engine: SimEngine): Wire {
  const sendError: Wire['sendError'] = (reply, status, opts = {}) => reply.code(status).send(errorBody(status, correlationOf(reply), opts));

  const send429: Wire['send429'] = (reply, token, seconds, t, code, info = {}) => {
    engine.giveRetryAfter(token, seconds, t);
    reply.header('Retry-After', String(seconds));
    return reply.code(429).send(rateLimitBody(seconds, correlationOf(reply), code ?? engine.settings.rateLimitCode, info));
  };

  const sendStatusFault: Wire['sendStatusFault'] = (reply, a, token, t, endpoint, label) => {
    if (a.status === 429) {
      const code = RATE_LIMIT_CODES.includes(a.code as RateLimitCode) ? (a.code as RateLimitCode) : undefined;
      return send429(reply, token, a.retryAfterSec ?? 5, t, code, { maxRequests: engine.settings.rateLimitPerMinute || 300 });
    }
    if (a.status === 403 && (a.permission !== undefined || a.code === undefined)) {
      const permissions = a.permission === undefined ? [DEFAULT_PERMISSION[label] ?? 'conversation:communication:blindTransfer'] : ([] as string[]).concat(a.permission);
      return reply.code(403).send(missingPermissionBody(permissions, correlationOf(reply), a.anyOf));
    }
    const code = a.code ?? DEFAULT_FAULT_CODE[endpoint]?.[a.status];
    return sendError(reply, a.status, { ...(code ? { code } : {}), ...(a.message ? { message: a.message } : {}) });
  };

  /** The ledger entry is written when the answer leaves (or at once, for an answer that never will). */
  const track: Wire['track'] = (reply, entry) => {
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
  };

  /** No answer at all: the socket stays open until the client gives up (or the simulator closes). */
  const holdOpen: Wire['holdOpen'] = (reply, entry, record) => {
    reply.hijack();
    entry.status = 0;
    record();
    return reply;
  };

  /** The transfer happened; its answer never arrives (reset: connection destroyed; hang: held until the client gives up). */
  const dropReply: Wire['dropReply'] = (reply, entry, mode) => {
    reply.hijack();
    entry.status = 0;
    engine.ledger.record(entry);
    if (mode === 'reset') reply.raw.socket?.destroy();
    return reply;
  };

  /**
   * Everything an API request goes through before its handler, in Genesys' order: bearer token, faults,
   * Retry-After still running, per-token and org limits, latency. Returns undefined when an answer (or a
   * deliberate silence) has been arranged.
   */
  const admit: Wire['admit'] = async (request, reply, endpoint, label, conversationId) => {
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
    let deferred: TransferFault | undefined;
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
          return void sendStatusFault(reply, a, live, t, endpoint, label);
        case 'latency':
          await engine.sleep(a.ms);
          break;
        case 'accept-drop':
        case 'fail-transfer':
        case 'slow-apply':
          deferred = a;
          break;
      }
    }
    if (t < live.retryAfterUntil) return void send429(reply, live, Math.ceil((live.retryAfterUntil - t) / 1000), t);
    const waitMs = engine.admit(live, t);
    if (waitMs > 0) return void send429(reply, live, Math.ceil(waitMs / 1000), t, undefined, engine.limitHit(live, t));
    if (engine.settings.latencyMs > 0) await engine.sleep(engine.settings.latencyMs);
    return { token: live, entry, record, ...(deferred ? { fault: deferred } : {}) };
  };

  return {
    sendError,
    sendRefusal: (reply, r) => sendError(reply, r.status, { code: r.code, message: r.message }),
    send429,
    sendStatusFault,
    track,
    holdOpen,
    dropReply,
    admit,
  };
}
