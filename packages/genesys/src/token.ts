import type { AxiosError, AxiosInstance, AxiosResponse } from 'axios';
import axiosRetry, { isNetworkError, retryAfter } from 'axios-retry';
import { GenesysApiError, classify, type GenesysErrorBody } from './errors.js';
import { networkCodeOf } from './http.js';

/** A cached access token and when it stops being usable. */
export interface CachedToken {
  accessToken: string;
  /** Epoch ms at which Genesys stops accepting it. */
  expiresAt: number;
  /** Epoch ms from which we fetch a new one (before expiry, so no call ever races the expiry). */
  refreshAt: number;
}

/** A token this close to its expiry is not handed out any more: the request would land after it. */
export const TOKEN_USABLE_MARGIN_MS = 1000;

/**
 * When to refresh a token of `expiresInSec` obtained at `obtainedAt`: 10 % of its lifetime before expiry, at least
 * 5 s and at most 5 min ahead — but never more than half the lifetime ahead, so a short-lived token (Genesys allows
 * 300 s; a test org or a proxy may give less) is used for half its life instead of refreshed before every call.
 */
export function tokenTimes(obtainedAt: number, expiresInSec: number): Pick<CachedToken, 'expiresAt' | 'refreshAt'> {
  const lifetimeMs = Math.max(0, expiresInSec) * 1000;
  const skewMs = Math.min(lifetimeMs / 2, 300_000, Math.max(5_000, lifetimeMs * 0.1));
  const expiresAt = obtainedAt + lifetimeMs;
  return { expiresAt, refreshAt: Math.max(obtainedAt, expiresAt - skewMs) };
}

/** True when a cached token must be replaced before use. */
export function needsRefresh(token: CachedToken | undefined, now: number): boolean {
  return token === undefined || now >= token.refreshAt;
}

/**
 * What to do with the cached token at `now`: `fresh` (use it), `stale` (still valid: use it and refresh in the
 * background, so no caller waits on the token endpoint), `expired` (fetch one and wait for it).
 */
export function tokenState(token: CachedToken | undefined, now: number): 'fresh' | 'stale' | 'expired' {
  if (token === undefined || now >= token.expiresAt - TOKEN_USABLE_MARGIN_MS) return 'expired';
  return now < token.refreshAt ? 'fresh' : 'stale';
}

/** Supplies bearer tokens for API calls. */
export interface TokenSource {
  /** A valid token, fetched or refreshed as needed. Concurrent callers share one fetch. */
  getToken(): Promise<string>;
  /** Forget `token` after a 401 so the next getToken fetches a new one (ignored if already replaced). */
  invalidate(token: string): void;
}

/** Options of ClientCredentialsTokenProvider. */
export interface TokenProviderOptions {
  http: AxiosInstance;
  loginBaseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  now?: () => number;
  /** After a failed background refresh, wait this long before the next background attempt (ms, default 5000). */
  backgroundRetryMs?: number;
  /** Called after each successful fetch (metrics); never receives the token. */
  onRefresh?: (info: { clientId: string; expiresInSec: number }) => void;
  /** Called when a background refresh fails (the still-valid token keeps being used); never receives secrets. */
  onRefreshError?: (err: GenesysApiError) => void;
}

/** Retries of a token request (so at most 1 + 3 requests per fetch). */
export const TOKEN_RETRIES = 3;

/** Statuses of the token endpoint worth a short retry: Genesys throttling (429) or failing (5xx). */
export function isRetryableTokenStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/**
 * Delay before token retry `n` (1-based): 100, 200, 400 ms (+ up to 20 % jitter), or the Retry-After if longer.
 * Pure. Whatever it says, axios-retry gives up once the next attempt could not finish within the request's
 * timeout: every attempt and every delay of one fetch share that one budget.
 */
export function tokenRetryDelayMs(n: number, retryAfterMs: number, random: () => number = Math.random): number {
  const backoff = 100 * 2 ** (n - 1);
  return Math.max(backoff * (1 + 0.2 * random()), retryAfterMs);
}

/**
 * The token request's own axios instance, with axios-retry: a few short retries on network errors (reset,
 * refused; a timeout has spent the budget already), 5xx and 429 (honouring Retry-After). Only here: the token
 * request is idempotent and outside the API request budget. API calls are never retried this way: a read spends
 * a slot of the budget Genesys counts, and a transfer POST that timed out may have been applied (reliability
 * S14); their retries belong to the queue, which waits, reads first and paces. The instance shares the API
 * instance's defaults (keep-alive agents, `validateStatus`) but not its interceptors.
 */
function tokenHttp(http: AxiosInstance): AxiosInstance {
  const instance = http.create();
  axiosRetry(instance, {
    retries: TOKEN_RETRIES,
    // Answers worth a retry go to the retry logic; every other answer is returned as is (classified below).
    validateResponse: (response) => !isRetryableTokenStatus(response.status),
    retryCondition: (error) => (error.response ? isRetryableTokenStatus(error.response.status) : isNetworkError(error)),
    retryDelay: (n, error) => tokenRetryDelayMs(n, retryAfter(error)),
    // The request's timeout bounds the whole fetch, retries included (see tokenRetryDelayMs).
    shouldResetTimeout: false,
  });
  return instance;
}

/** Default token lifetime when the token endpoint omits `expires_in` (Genesys' default, docs/genesys-contract.md §3). */
const DEFAULT_EXPIRES_IN_SEC = 86_400;

/**
 * OAuth client-credentials token for one Genesys OAuth client (docs/genesys-contract.md §3): Basic auth, form body,
 * no refresh token, no scopes (permissions come from the client's roles). One fetch in flight at a time,
 * shared by every caller; refreshed ahead of expiry in the background. Neither the token nor the secret is
 * ever put in an error, a log line or a callback.
 */
export class ClientCredentialsTokenProvider implements TokenSource {
  private cached: CachedToken | undefined;
  private inFlight: Promise<CachedToken> | undefined;
  private nextBackgroundAttempt = 0;
  private readonly now: () => number;
  private readonly http: AxiosInstance;

  constructor(private readonly opts: TokenProviderOptions) {
    this.now = opts.now ?? Date.now;
    this.http = tokenHttp(opts.http);
  }

  /** The OAuth client id this provider authenticates as (not secret; used in logs and errors). */
  get clientId(): string {
    return this.opts.clientId;
  }

  async getToken(): Promise<string> {
    const now = this.now();
    const cached = this.cached;
    switch (tokenState(cached, now)) {
      case 'fresh':
        return cached!.accessToken;
      case 'stale':
        if (now >= this.nextBackgroundAttempt) {
          this.refresh().catch((err: GenesysApiError) => {
            this.nextBackgroundAttempt = this.now() + (this.opts.backgroundRetryMs ?? 5000);
            this.opts.onRefreshError?.(err);
          });
        }
        return cached!.accessToken;
      case 'expired':
        return (await this.refresh()).accessToken;
    }
  }

  invalidate(token: string): void {
    if (this.cached?.accessToken === token) this.cached = undefined;
  }

  /** The one token fetch in flight, started if none is. */
  private refresh(): Promise<CachedToken> {
    this.inFlight ??= this.fetchToken().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetchToken(): Promise<CachedToken> {
    const path = '/oauth/token';
    const request = { method: 'POST', path };
    const basic = Buffer.from(`${this.opts.clientId}:${this.opts.clientSecret}`).toString('base64');
    const started = this.now();
    let response: AxiosResponse;
    try {
      response = await this.http.request({
        method: 'POST',
        url: `${this.opts.loginBaseUrl}${path}`,
        data: 'grant_type=client_credentials',
        headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        timeout: this.opts.timeoutMs,
        validateStatus: () => true,
      });
    } catch (err) {
      // The last answer of a retried 5xx/429 comes back as an error holding it: classify the answer.
      const answered = (err as AxiosError).response;
      // The axios error holds the request config (and so the Basic header): only its code leaves this block.
      if (!answered)
        throw new GenesysApiError(classify({ status: 0, networkCode: networkCodeOf(err), request, mayHaveApplied: false, now: this.now() }));
      response = answered;
    }
    const body = (typeof response.data === 'object' && response.data !== null ? response.data : {}) as Record<string, unknown>;
    if (response.status === 200 && typeof body['access_token'] === 'string' && body['access_token'] !== '') {
      const expiresInSec = expiresInOf(body['expires_in']);
      const token = { accessToken: body['access_token'], ...tokenTimes(started, expiresInSec) };
      this.cached = token;
      this.opts.onRefresh?.({ clientId: this.opts.clientId, expiresInSec });
      return token;
    }
    const facts = classify({
      // A 200 without a token is a broken answer, not a success: retry it like a bad gateway.
      status: response.status === 200 ? 502 : response.status,
      body: body as GenesysErrorBody,
      headers: response.headers as Record<string, string>,
      request,
      mayHaveApplied: false,
      now: this.now(),
    });
    if (isCredentialsRefusal(response.status)) {
      const oauthError = typeof body['error'] === 'string' ? body['error'] : undefined;
      throw new GenesysApiError({
        ...facts,
        kind: 'auth',
        code: oauthError ?? facts.code ?? 'invalid_client',
        message:
          `Genesys refused OAuth client ${this.opts.clientId} at ${this.opts.loginBaseUrl}${path} ` +
          `(${response.status} ${oauthError ?? facts.code ?? ''}): check GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET ` +
          `and GENESYS_REGION (the login host is regional)`,
      });
    }
    throw new GenesysApiError(facts);
  }
}

/**
 * Statuses of the token endpoint that no retry can fix: a wrong client id or secret (400 invalid_client /
 * 401), a client without the grant (403), or a wrong region's login host (404).
 */
export function isCredentialsRefusal(status: number): boolean {
  return status === 400 || status === 401 || status === 403 || status === 404;
}

/** `expires_in` as seconds (a number or a numeric string); the Genesys default when absent or unreadable. */
export function expiresInOf(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_EXPIRES_IN_SEC;
}
