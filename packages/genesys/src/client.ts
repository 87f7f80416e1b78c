import type { AxiosInstance, AxiosResponse } from 'axios';
import type { Target } from '@fallback/core';
import { GenesysApiError, classify, headerOf, type FailedRequest, type GenesysErrorBody } from './errors.js';
import { networkCodeOf } from './http.js';
import { parseConversation, type ConversationView } from './conversation.js';
import type { TokenSource } from './token.js';
import { buildTransferRequest, interactionsFailure, type TransferStrategy } from './transfer.js';

/**
 * Admission control in front of every API request (not the token endpoint, which has its own limits).
 * The worker plugs in a Redis-backed pacer shared by all processes using one OAuth client.
 */
export interface RequestGate {
  /** Resolves when a request may be sent now; rejects (e.g. with a rate-limited error) when it may not. */
  acquire(): Promise<void>;
  /** Genesys answered 429: nobody may send with this client for `retryAfterMs`. */
  blocked(retryAfterMs: number): Promise<void> | void;
}

/** What the client reports about each API request (for metrics and the requests-per-transfer budget). */
export interface RequestInfo {
  endpoint: string;
  method: string;
  /** HTTP status, or 0 for no response. */
  status: number;
  durationMs: number;
}

/** Which read endpoint to use: the generic conversation or the call-specific one (two shapes, one parser). */
export type ReadEndpoint = 'conversations' | 'calls';

/** Options of GenesysClient. */
export interface GenesysClientOptions {
  apiBaseUrl: string;
  tokens: TokenSource;
  http: AxiosInstance;
  /** Per-request timeout (ms): every API call has one. */
  timeoutMs: number;
  readEndpoint?: ReadEndpoint;
  gate?: RequestGate;
  now?: () => number;
  onRequest?: (info: RequestInfo) => void;
  maxRetryAfterMs?: number;
}

interface Call {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  endpoint: string;
  /** True for a transfer POST: an unanswered one may have been applied. */
  mayHaveApplied: boolean;
}

/**
 * A thin Genesys Cloud Platform API client for the calls the fallback needs. No globals, no env.
 * No automatic retries here (no axios-retry): the queue owns retries, and a retry of a read must count against
 * the rate limit like any other request. The only resend is the single one after a 401 with a fresh token.
 */
export class GenesysClient {
  private readonly now: () => number;
  /**
   * Last Retry-After this client was given (epoch ms). Whatever the gate does, this process sends nothing
   * before it: a request before Retry-After elapsed is exactly what Genesys punishes and what we promise not to do.
   */
  private retryAfterUntil = 0;

  constructor(private readonly opts: GenesysClientOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Reads the conversation (generic or calls endpoint, per options) into the normalized view. */
  async getConversation(conversationId: string): Promise<ConversationView> {
    const calls = this.opts.readEndpoint === 'calls';
    const path = `/api/v2/conversations/${calls ? 'calls/' : ''}${encodeURIComponent(conversationId)}`;
    const response = await this.send({ method: 'GET', path, endpoint: calls ? 'calls/read' : 'conversations/read', mayHaveApplied: false });
    try {
      return parseConversation(response.data);
    } catch (err) {
      const correlationId = headerOf(response.headers as Record<string, string>, 'inin-correlation-id');
      throw new GenesysApiError({
        kind: 'transient',
        status: response.status,
        code: 'unreadable.conversation',
        request: { method: 'GET', path },
        ...(correlationId ? { correlationId } : {}),
        message: `GET ${path} answered something that is not a conversation: ${(err as Error).message}`,
      });
    }
  }

  /** Posts a blind transfer. Resolves on 202 (accepted, not yet done); throws a classified GenesysApiError otherwise. */
  async transfer(conversationId: string, participantId: string, target: Target, strategy: TransferStrategy): Promise<void> {
    const req = buildTransferRequest(strategy, conversationId, participantId, target);
    const response = await this.send({ method: req.method, path: req.path, body: req.body, endpoint: req.endpoint, mayHaveApplied: true });
    if (strategy === 'interactions') {
      // The batch answers 200 with a status per item: a refused item is a failure despite the 200.
      const failure = interactionsFailure(response.data, conversationId);
      if (failure) {
        const facts = classify({ ...this.facts(response, { method: req.method, path: req.path }), status: failure.status, body: failure.body, mayHaveApplied: true });
        throw new GenesysApiError(facts);
      }
    }
  }

  /** Sends one call: Retry-After guard, gate, bearer token, one retry with a fresh token on 401, classification. */
  private async send(call: Call, retriedAuth = false): Promise<AxiosResponse> {
    const request: FailedRequest = { method: call.method, path: call.path };
    this.refuseBeforeRetryAfter(call, request);
    await this.opts.gate?.acquire();
    const token = await this.opts.tokens.getToken();
    const started = this.now();
    let response: AxiosResponse;
    try {
      response = await this.opts.http.request({
        method: call.method,
        url: `${this.opts.apiBaseUrl}${call.path}`,
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
      this.report(call, 0, started);
      throw new GenesysApiError(
        classify({ status: 0, networkCode: networkCodeOf(err), request, mayHaveApplied: call.mayHaveApplied, now: this.now() }),
      );
    }
    this.report(call, response.status, started);
    if (response.status >= 200 && response.status < 300) return response;

    const facts = classify({ ...this.facts(response, request), mayHaveApplied: call.mayHaveApplied });
    if (facts.kind === 'rate-limited') {
      const retryAfterMs = facts.retryAfterMs ?? 1000;
      this.retryAfterUntil = Math.max(this.retryAfterUntil, this.now() + retryAfterMs);
      await this.opts.gate?.blocked(retryAfterMs);
    }
    // A 401 mid-life means the token was revoked or expired early: drop it, fetch one, retry this call once.
    if (facts.kind === 'auth' && !retriedAuth) {
      this.opts.tokens.invalidate(token);
      return this.send(call, true);
    }
    throw new GenesysApiError(facts);
  }

  /** Throws a rate-limited error, without sending, while the last Retry-After has not elapsed. */
  private refuseBeforeRetryAfter(call: Call, request: FailedRequest): void {
    const waitMs = this.retryAfterUntil - this.now();
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
    return {
      status: response.status,
      body,
      headers: response.headers as Record<string, string>,
      request,
      now: this.now(),
      maxRetryAfterMs: this.opts.maxRetryAfterMs,
    };
  }

  private report(call: Call, status: number, started: number): void {
    this.opts.onRequest?.({ endpoint: call.endpoint, method: call.method, status, durationMs: this.now() - started });
  }
}
