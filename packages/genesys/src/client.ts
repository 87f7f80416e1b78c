import type { AxiosInstance } from 'axios';
import type { Target } from '@fallback/core';
import { GenesysApiError, classify, type GenesysErrorBody } from './errors.js';
import { networkCodeOf } from './http.js';
import { parseConversation, type ConversationView } from './conversation.js';
import type { TokenSource } from './token.js';
import { buildTransferRequest, type TransferStrategy } from './transfer.js';

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
  /** Per-request timeout (ms). */
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

/** A thin Genesys Cloud Platform API client for the three calls the fallback needs. No globals, no env. */
export class GenesysClient {
  private readonly now: () => number;

  constructor(private readonly opts: GenesysClientOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Reads the conversation (generic or calls endpoint, per options) into the normalized view. */
  async getConversation(conversationId: string): Promise<ConversationView> {
    const calls = this.opts.readEndpoint === 'calls';
    const path = `/api/v2/conversations/${calls ? 'calls/' : ''}${encodeURIComponent(conversationId)}`;
    const data = await this.send({ method: 'GET', path, endpoint: calls ? 'calls/read' : 'conversations/read', mayHaveApplied: false });
    try {
      return parseConversation(data);
    } catch (err) {
      throw new GenesysApiError({
        kind: 'transient',
        status: 200,
        code: 'unreadable.conversation',
        request: { method: 'GET', path },
        message: `GET ${path} answered something that is not a conversation: ${(err as Error).message}`,
      });
    }
  }

  /** Posts a blind transfer. Resolves on 202 (accepted, not yet done); throws a classified GenesysApiError otherwise. */
  async transfer(conversationId: string, participantId: string, target: Target, strategy: TransferStrategy): Promise<void> {
    const req = buildTransferRequest(strategy, conversationId, participantId, target);
    await this.send({ method: req.method, path: req.path, body: req.body, endpoint: req.endpoint, mayHaveApplied: true });
  }

  /** Sends one call: gate, bearer token, one retry with a fresh token on 401, classification of every failure. */
  private async send(call: Call, retriedAuth = false): Promise<unknown> {
    await this.opts.gate?.acquire();
    const token = await this.opts.tokens.getToken();
    const started = this.now();
    const request = { method: call.method, path: call.path };
    let response;
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
      this.report(call, 0, started);
      throw new GenesysApiError(
        classify({ status: 0, networkCode: networkCodeOf(err), request, mayHaveApplied: call.mayHaveApplied, now: this.now() }),
      );
    }
    this.report(call, response.status, started);
    if (response.status >= 200 && response.status < 300) return response.data;

    const body = typeof response.data === 'object' && response.data !== null ? (response.data as GenesysErrorBody) : undefined;
    const facts = classify({
      status: response.status,
      body,
      headers: response.headers as Record<string, string>,
      request,
      mayHaveApplied: call.mayHaveApplied,
      now: this.now(),
      maxRetryAfterMs: this.opts.maxRetryAfterMs,
    });
    if (facts.kind === 'rate-limited') await this.opts.gate?.blocked(facts.retryAfterMs ?? 1000);
    // A 401 mid-life means the token was revoked or expired early: drop it, fetch one, retry this call once.
    if (facts.kind === 'auth' && !retriedAuth) {
      this.opts.tokens.invalidate(token);
      return this.send(call, true);
    }
    throw new GenesysApiError(facts);
  }

  private report(call: Call, status: number, started: number): void {
    this.opts.onRequest?.({ endpoint: call.endpoint, method: call.method, status, durationMs: this.now() - started });
  }
}
