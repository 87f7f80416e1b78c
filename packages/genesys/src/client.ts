import type { AxiosInstance, AxiosResponse } from 'axios';
import type { Target } from '@fallback/core';
import { GenesysApiError, classify, headerOf, type FailedRequest, type GenesysErrorBody } from './errors.js';
import { networkCodeOf } from './http.js';
import { parseAnalyticsConversations, parseConversation, type ConversationView } from './conversation.js';
import { parseDataTableRow, parseEmergencyGroup, type DataTableRow, type EmergencyGroup } from './org.js';
import type { TokenSource } from './token.js';
import { buildTransferRequest, interactionsFailure, type TransferStrategy } from './transfer.js';

/** How urgent a request is: `high` when a caller waits for it (finding the bot leg, the transfer), `low` otherwise. */
export type RequestPriority = 'high' | 'low';

/** What a caller says about one request. */
export interface RequestContext {
  priority: RequestPriority;
  /** Longest the request may wait for admission (ms); the gate refuses with a rate-limited error beyond it. */
  maxWaitMs: number;
  /**
   * Runs once the request is admitted and has its token, right before it leaves; throws to stop it. A transfer
   * POST marks its claim here (fenced by the job's lock), so the mark and the send are as close as they can be.
   */
  beforeSend?: () => Promise<void>;
  /**
   * Checked synchronously right before the request leaves (after `beforeSend`): throws to stop it. A transfer POST
   * uses it so that a run which lost its job meanwhile (a frozen process) sends nothing.
   */
  fence?: () => void;
}

/** One admitted request: a budget slot and its client's in-flight hold, released once by `end`. */
export interface Admission {
  /** Index of the credential (OAuth client) the request must use. */
  index: number;
  /**
   * Ends the hold. `sent` false: the request never left (a fence, a failed token fetch): its slot is given back.
   * `retryAfterMs`: Genesys answered 429; the client is blocked for everyone before the hold is released, so no
   * request of that client can leave before the block is recorded.
   */
  end(result: { sent: boolean; retryAfterMs?: number }): Promise<void>;
}

/**
 * Admission in front of every API request (not the token endpoint, which has its own limits). The worker plugs in
 * a Redis-backed gate shared by all processes: a request budget per OAuth client, its Retry-After blocks, and one
 * hold per request that covers the token fetch and the request itself.
 */
export interface RequestGate {
  /** Admits one request on the credential with the earliest free slot, or on `only` (a 401's retry stays there). */
  admit(ctx: RequestContext, only?: number): Promise<Admission>;
}

/** What the client reports about each API request (for metrics and the requests-per-transfer budget). */
export interface RequestInfo {
  endpoint: string;
  method: string;
  /** HTTP status, or 0 for no response. */
  status: number;
  durationMs: number;
  clientId: string;
}

/** Which read endpoint to use: the generic conversation or the call-specific one (two shapes, one parser). */
export type ReadEndpoint = 'conversations' | 'calls';

/** One OAuth client the Genesys client can authenticate as. */
export interface Credential {
  clientId: string;
  tokens: TokenSource;
}

/** Options of GenesysClient. */
export interface GenesysClientOptions {
  apiBaseUrl: string;
  /** One or more OAuth clients; with a gate, each request uses the one the gate admits it on. */
  credentials: readonly Credential[];
  http: AxiosInstance;
  /** Per-request timeout (ms): every API call has one. */
  timeoutMs: number;
  readEndpoint?: ReadEndpoint;
  gate?: RequestGate;
  now?: () => number;
  onRequest?: (info: RequestInfo) => void;
}

interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  path: string;
  query?: URLSearchParams;
  body?: unknown;
  endpoint: string;
  kind: 'read' | 'transfer' | 'other';
}

const DEFAULT_CONTEXT: RequestContext = { priority: 'high', maxWaitMs: 30_000 };

/** Error of a request stopped by its fence before it left. */
export class FencedError extends Error {
  override readonly name = 'FencedError';
}

/**
 * A thin Genesys Cloud Platform API client for the calls the fallback needs. No globals, no env.
 * No automatic retries here (no axios-retry): the queue owns retries, and a retry of a read must count against
 * the rate limit like any other request. The only resend is the single one after a 401 with a fresh token, and it
 * takes a slot of its own from the gate.
 */
export class GenesysClient {
  private readonly now: () => number;
  /**
   * Last Retry-After each credential was given (epoch ms). Whatever the gate does, this process sends nothing
   * before it: a request before Retry-After elapsed is exactly what Genesys punishes and what we promise not to do.
   */
  private readonly retryAfterUntil: number[];
  private next = 0;

  constructor(private readonly opts: GenesysClientOptions) {
    if (opts.credentials.length === 0) throw new Error('GenesysClient needs at least one OAuth client');
    this.now = opts.now ?? Date.now;
    this.retryAfterUntil = opts.credentials.map(() => 0);
  }

  /** The OAuth client ids, in credential order. */
  get clientIds(): string[] {
    return this.opts.credentials.map((c) => c.clientId);
  }

  /** Reads the conversation (generic or calls endpoint, per options) into the normalized view. */
  async getConversation(conversationId: string, ctx: RequestContext = DEFAULT_CONTEXT): Promise<ConversationView> {
    const calls = this.opts.readEndpoint === 'calls';
    const path = `/api/v2/conversations/${calls ? 'calls/' : ''}${encodeURIComponent(conversationId)}`;
    const response = await this.send({ method: 'GET', path, endpoint: calls ? 'calls/read' : 'conversations/read', kind: 'read' }, ctx);
    return this.parse(response, path, parseConversation, 'a conversation');
  }

  /**
   * Reads many conversations in one request (`GET /api/v2/analytics/conversations/details?id=…`, docs/genesys-contract.md
   * §6c). The answer trails the live state by seconds and leaves out ids it does not show (unknown, or too new).
   */
  async getConversationDetails(conversationIds: readonly string[], ctx: RequestContext = DEFAULT_CONTEXT): Promise<ConversationView[]> {
    const path = '/api/v2/analytics/conversations/details';
    const query = new URLSearchParams();
    for (const id of conversationIds) query.append('id', id);
    const response = await this.send({ method: 'GET', path, query, endpoint: 'analytics/details', kind: 'other' }, ctx);
    return this.parse(response, path, parseAnalyticsConversations, 'an analytics conversation list');
  }

  /** Posts a blind transfer. Resolves on 202 (accepted, not yet done); throws a classified GenesysApiError otherwise. */
  async transfer(
    conversationId: string,
    participantId: string,
    target: Target,
    strategy: TransferStrategy,
    ctx: RequestContext = DEFAULT_CONTEXT,
  ): Promise<void> {
    const req = buildTransferRequest(strategy, conversationId, participantId, target);
    const response = await this.send({ method: req.method, path: req.path, body: req.body, endpoint: req.endpoint, kind: 'transfer' }, ctx);
    if (strategy === 'interactions') {
      // The batch answers 200 with a status per item: a refused item is a failure despite the 200.
      const failure = interactionsFailure(response.data, conversationId);
      if (failure) {
        // An item's 404 is about the conversation (the batch names no leg): that is the call being over.
        const facts = classify({
          ...this.facts(response, { method: req.method, path: req.path }),
          status: failure.status,
          body: failure.body,
          mayHaveApplied: true,
          call: failure.status === 404 ? 'read' : 'transfer',
        });
        throw new GenesysApiError(facts);
      }
    }
  }

  /**
   * The queue's estimated wait in seconds (`GET /api/v2/routing/queues/{id}/estimatedwaittime`,
   * EstimatedWaitTimePredictions): the longest of its predictions, or undefined when Genesys gives none.
   */
  async estimatedWaitSeconds(queueId: string, ctx: RequestContext = DEFAULT_CONTEXT): Promise<number | undefined> {
    const path = `/api/v2/routing/queues/${encodeURIComponent(queueId)}/estimatedwaittime`;
    const response = await this.send({ method: 'GET', path, endpoint: 'queues/estimatedwaittime', kind: 'other' }, ctx);
    const results = (response.data as { results?: Array<{ estimatedWaitTimeSeconds?: unknown }> } | undefined)?.results;
    const seconds = (Array.isArray(results) ? results : []).map((r) => r?.estimatedWaitTimeSeconds).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    return seconds.length ? Math.max(...seconds) : undefined;
  }

  /**
   * Sets participant data on a leg (`PATCH /api/v2/conversations/calls/{cid}/participants/{pid}/attributes`,
   * ParticipantAttributes): what Architect's Get Participant Data and the agent's script read.
   */
  async setParticipantAttributes(conversationId: string, participantId: string, attributes: Record<string, string>, ctx: RequestContext = DEFAULT_CONTEXT): Promise<void> {
    const path = `/api/v2/conversations/calls/${encodeURIComponent(conversationId)}/participants/${encodeURIComponent(participantId)}/attributes`;
    await this.send({ method: 'PATCH', path, body: { attributes }, endpoint: 'calls/attributes', kind: 'other' }, ctx);
  }

  /**
   * Schedules a callback on the conversation (`POST /api/v2/conversations/{cid}/participants/{pid}/callbacks`,
   * CreateCallbackOnConversationCommand). Not idempotent: the caller posts it once per job (claim-marked).
   */
  async createCallback(
    conversationId: string,
    participantId: string,
    command: { queueId?: string; callbackNumbers: string[]; data?: Record<string, string> },
    ctx: RequestContext = DEFAULT_CONTEXT,
  ): Promise<void> {
    const path = `/api/v2/conversations/${encodeURIComponent(conversationId)}/participants/${encodeURIComponent(participantId)}/callbacks`;
    await this.send({ method: 'POST', path, body: command, endpoint: 'callbacks', kind: 'other' }, ctx);
  }

  /** Reads an Architect emergency group (`GET /api/v2/architect/emergencygroups/{id}`), version included. */
  async getEmergencyGroup(groupId: string, ctx: RequestContext = DEFAULT_CONTEXT): Promise<EmergencyGroup> {
    const path = `/api/v2/architect/emergencygroups/${encodeURIComponent(groupId)}`;
    const response = await this.send({ method: 'GET', path, endpoint: 'emergencygroups/read', kind: 'other' }, ctx);
    return this.parse(response, path, parseEmergencyGroup, 'an emergency group');
  }

  /**
   * Replaces an emergency group (`PUT …/emergencygroups/{id}`) and answers the group as stored. `group` must be
   * the whole group as read, with its `version`: Genesys replaces every writable field (an omitted
   * `emergencyCallFlows` would empty the group) and refuses a stale version with 409.
   */
  async putEmergencyGroup(groupId: string, group: EmergencyGroup, ctx: RequestContext = DEFAULT_CONTEXT): Promise<EmergencyGroup> {
    const path = `/api/v2/architect/emergencygroups/${encodeURIComponent(groupId)}`;
    const response = await this.send({ method: 'PUT', path, body: group, endpoint: 'emergencygroups/update', kind: 'other' }, ctx);
    return this.parse(response, path, parseEmergencyGroup, 'an emergency group', 'PUT');
  }

  /**
   * Reads a whole data-table row. `showbrief=false` is not optional: Genesys' default (`true`) answers the key
   * alone, and a row written back from that would lose every other field.
   */
  async getDataTableRow(datatableId: string, rowId: string, ctx: RequestContext = DEFAULT_CONTEXT): Promise<DataTableRow> {
    const path = `/api/v2/flows/datatables/${encodeURIComponent(datatableId)}/rows/${encodeURIComponent(rowId)}`;
    const query = new URLSearchParams({ showbrief: 'false' });
    const response = await this.send({ method: 'GET', path, query, endpoint: 'datatables/rows/read', kind: 'other' }, ctx);
    return this.parse(response, path, parseDataTableRow, 'a data-table row');
  }

  /** Replaces a data-table row whole (`PUT /api/v2/flows/datatables/{id}/rows/{rowId}`): fields left out are gone. */
  async putDataTableRow(datatableId: string, rowId: string, row: DataTableRow, ctx: RequestContext = DEFAULT_CONTEXT): Promise<DataTableRow> {
    const path = `/api/v2/flows/datatables/${encodeURIComponent(datatableId)}/rows/${encodeURIComponent(rowId)}`;
    const response = await this.send({ method: 'PUT', path, body: row, endpoint: 'datatables/rows/update', kind: 'other' }, ctx);
    return this.parse(response, path, parseDataTableRow, 'a data-table row', 'PUT');
  }

  private parse<T>(response: AxiosResponse, path: string, parser: (json: unknown) => T, what: string, method: 'GET' | 'PUT' = 'GET'): T {
    try {
      return parser(response.data);
    } catch (err) {
      const correlationId = headerOf(response.headers as Record<string, string>, 'inin-correlation-id');
      throw new GenesysApiError({
        kind: 'transient',
        status: response.status,
        code: 'unreadable.answer',
        request: { method, path },
        ...(correlationId ? { correlationId } : {}),
        message: `${method} ${path} answered something that is not ${what}: ${(err as Error).message}`,
      });
    }
  }

  /** Admission without a gate: round robin over the credentials, nothing shared. */
  private ungated(only?: number): Admission {
    const index = only ?? this.next++ % this.opts.credentials.length;
    return { index, end: async () => undefined };
  }

  /**
   * Sends one call: admission (a slot and the client's hold), the Retry-After guard, the bearer token, the fence,
   * the request; a 401 drops the token and retries once under a new admission on the same client.
   */
  private async send(call: Call, ctx: RequestContext, retryOn?: number): Promise<AxiosResponse> {
    const request: FailedRequest = { method: call.method, path: call.path };
    const admission = this.opts.gate ? await this.opts.gate.admit(ctx, retryOn) : this.ungated(retryOn);
    const credential = this.opts.credentials[admission.index]!;
    let sent = false;
    let retryAfterMs: number | undefined;
    let token: string;
    let response: AxiosResponse;
    const started = this.now();
    try {
      this.refuseBeforeRetryAfter(call, request, admission.index);
      token = await credential.tokens.getToken();
      await ctx.beforeSend?.();
      ctx.fence?.();
      sent = true;
      try {
        response = await this.opts.http.request({
          method: call.method,
          url: `${this.opts.apiBaseUrl}${call.path}${call.query ? `?${call.query.toString()}` : ''}`,
          data: call.body,
          headers: {
            Authorization: `Bearer ${token}`,
            Accept: 'application/json',
            ...(call.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          },
          timeout: this.opts.timeoutMs,
          validateStatus: () => true,
        });
      } catch (err) {
        // Only the network code leaves: the axios error carries the request config, bearer token included.
        this.report(call, 0, started, credential.clientId);
        throw new GenesysApiError(
          classify({ status: 0, networkCode: networkCodeOf(err), request, mayHaveApplied: call.kind === 'transfer', call: call.kind, now: this.now() }),
        );
      }
      this.report(call, response.status, started, credential.clientId);
      if (response.status === 429) {
        retryAfterMs = classify({ ...this.facts(response, request), mayHaveApplied: false }).retryAfterMs ?? 1000;
        this.retryAfterUntil[admission.index] = Math.max(this.retryAfterUntil[admission.index]!, this.now() + retryAfterMs);
      }
    } finally {
      await admission.end({ sent, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }).catch(() => undefined);
    }
    if (response.status >= 200 && response.status < 300) return response;

    const facts = classify({ ...this.facts(response, request), mayHaveApplied: call.kind === 'transfer', call: call.kind });
    // A 401 mid-life means the token was revoked or expired early: drop it, fetch one, retry this call once.
    if (facts.kind === 'auth' && retryOn === undefined) {
      credential.tokens.invalidate(token);
      return this.send(call, ctx, admission.index);
    }
    throw new GenesysApiError({ ...facts, message: `${facts.message} [client ${credential.clientId}]` });
  }

  /** Throws a rate-limited error, without sending, while the credential's last Retry-After has not elapsed. */
  private refuseBeforeRetryAfter(call: Call, request: FailedRequest, index: number): void {
    const waitMs = this.retryAfterUntil[index]! - this.now();
    if (waitMs <= 0) return;
    throw new GenesysApiError({
      kind: 'rate-limited',
      status: 0,
      code: 'retry.after.pending',
      retryAfterMs: waitMs,
      request,
      message: `${call.method} ${call.path} not sent: Genesys asked for ${waitMs} ms more before the next request`,
    });
  }

  private facts(response: AxiosResponse, request: FailedRequest) {
    const body = typeof response.data === 'object' && response.data !== null ? (response.data as GenesysErrorBody) : undefined;
    return { status: response.status, body, headers: response.headers as Record<string, string>, request, now: this.now() };
  }

  private report(call: Call, status: number, started: number, clientId: string): void {
    this.opts.onRequest?.({ endpoint: call.endpoint, method: call.method, status, durationMs: this.now() - started, clientId });
  }
}
