import type { AxiosInstance } from 'axios';
import { GenesysApiError, classify } from './errors.js';
import { networkCodeOf } from './http.js';

/** A cached access token and when it stops being usable. */
export interface CachedToken {
  accessToken: string;
  /** Epoch ms at which Genesys stops accepting it. */
  expiresAt: number;
  /** Epoch ms from which we fetch a new one (before expiry, so no call ever races the expiry). */
  refreshAt: number;
}

/**
 * When to refresh a token of `expiresInSec` obtained at `obtainedAt`: 10 % of its lifetime before expiry,
 * at least 5 s and at most 5 min ahead. Lifetimes are 300 s–48 h per OAuth client (genesys-cloud.md §3).
 */
export function tokenTimes(obtainedAt: number, expiresInSec: number): Pick<CachedToken, 'expiresAt' | 'refreshAt'> {
  const lifetimeMs = Math.max(0, expiresInSec) * 1000;
  const skewMs = Math.min(300_000, Math.max(5_000, lifetimeMs * 0.1));
  const expiresAt = obtainedAt + lifetimeMs;
  return { expiresAt, refreshAt: Math.max(obtainedAt, expiresAt - skewMs) };
}

/** True when a cached token must be replaced before use. */
export function needsRefresh(token: CachedToken | undefined, now: number): boolean {
  return token === undefined || now >= token.refreshAt;
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
  /** Called after each successful fetch (metrics); never receives the token. */
  onRefresh?: (info: { clientId: string; expiresInSec: number }) => void;
}

/**
 * OAuth client-credentials token for one Genesys OAuth client (genesys-cloud.md §3): Basic auth, form body,
 * no refresh token, no scopes (permissions come from the client's roles). One fetch in flight at a time.
 */
export class ClientCredentialsTokenProvider implements TokenSource {
  private cached: CachedToken | undefined;
  private inFlight: Promise<CachedToken> | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: TokenProviderOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The OAuth client id this provider authenticates as (not secret; used in logs and errors). */
  get clientId(): string {
    return this.opts.clientId;
  }

  async getToken(): Promise<string> {
    if (!needsRefresh(this.cached, this.now())) return this.cached!.accessToken;
    this.inFlight ??= this.fetchToken().finally(() => {
      this.inFlight = undefined;
    });
    return (await this.inFlight).accessToken;
  }

  invalidate(token: string): void {
    if (this.cached?.accessToken === token) this.cached = undefined;
  }

  private async fetchToken(): Promise<CachedToken> {
    const path = '/oauth/token';
    const request = { method: 'POST', path };
    const basic = Buffer.from(`${this.opts.clientId}:${this.opts.clientSecret}`).toString('base64');
    const started = this.now();
    let response;
    try {
      response = await this.opts.http.request({
        method: 'POST',
        url: `${this.opts.loginBaseUrl}${path}`,
        data: 'grant_type=client_credentials',
        headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        timeout: this.opts.timeoutMs,
        validateStatus: () => true,
      });
    } catch (err) {
      throw new GenesysApiError(
        classify({ status: 0, networkCode: networkCodeOf(err), request, mayHaveApplied: false, now: this.now() }),
      );
    }
    const body = response.data as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (response.status === 200 && typeof body?.access_token === 'string') {
      const expiresInSec = typeof body.expires_in === 'number' ? body.expires_in : 86_400;
      const token = { accessToken: body.access_token, ...tokenTimes(started, expiresInSec) };
      this.cached = token;
      this.opts.onRefresh?.({ clientId: this.opts.clientId, expiresInSec });
      return token;
    }
    const facts = classify({
      status: response.status === 200 ? 502 : response.status,
      body: typeof response.data === 'object' ? response.data : undefined,
      headers: response.headers as Record<string, string>,
      request,
      mayHaveApplied: false,
      now: this.now(),
    });
    // 400/401 from the token endpoint mean a wrong client id/secret (or region): permanent, and say which client.
    if (response.status === 400 || response.status === 401) {
      throw new GenesysApiError({
        ...facts,
        kind: 'auth',
        message: `Genesys refused OAuth client ${this.opts.clientId} (${response.status} ${
          (response.data as { error?: string })?.error ?? facts.code ?? ''
        }): check GENESYS_CLIENT_ID/GENESYS_CLIENT_SECRET and GENESYS_REGION`,
      });
    }
    throw new GenesysApiError(facts);
  }
}
