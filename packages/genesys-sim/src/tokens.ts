import { randomBytes } from 'node:crypto';
import { SlidingWindow } from './rate-limit.js';

/** What the simulator knows about an issued access token. The token string itself is only the map key. */
export interface TokenRecord {
  /** A non-secret id for the ledger (`tok-1`, `tok-2`, …): never derived from the token. */
  tokenId: string;
  clientId: string;
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
  /** Admitted requests in the last minute (per-token rate limit). */
  window: SlidingWindow;
  /** End of the last Retry-After this token was given (epoch ms); 0 if none. */
  retryAfterUntil: number;
}

/** Why a bearer token is refused, or undefined when it is good. */
export type TokenProblem = 'missing' | 'unknown' | 'revoked' | 'expired';

/** Issued tokens of the simulated org. */
export class TokenStore {
  private readonly byToken = new Map<string, TokenRecord>();
  private seq = 0;

  /** Issues a random bearer token for `clientId`, valid `ttlSec` from `now`. */
  issue(clientId: string, ttlSec: number, now: number): { accessToken: string; record: TokenRecord } {
    const accessToken = randomBytes(24).toString('base64url');
    this.seq += 1;
    const record: TokenRecord = {
      tokenId: `tok-${this.seq}`,
      clientId,
      issuedAt: now,
      expiresAt: now + ttlSec * 1000,
      revoked: false,
      window: new SlidingWindow(),
      retryAfterUntil: 0,
    };
    this.byToken.set(accessToken, record);
    return { accessToken, record };
  }

  /** The record of an `Authorization` header's bearer token (undefined for a missing or unknown one). */
  fromHeader(authorization: string | undefined): TokenRecord | undefined {
    if (!authorization || authorization.length < 8 || authorization.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
    return this.byToken.get(authorization.slice(7).trim());
  }

  /** Why the token is refused at `now`, or undefined when it is usable. */
  problem(record: TokenRecord | undefined, hadHeader: boolean, now: number): TokenProblem | undefined {
    if (!record) return hadHeader ? 'unknown' : 'missing';
    if (record.revoked) return 'revoked';
    if (now >= record.expiresAt) return 'expired';
    return undefined;
  }

  /** Revokes every token (of one client if given). Returns how many were live. */
  revokeAll(clientId?: string): number {
    let n = 0;
    for (const t of this.byToken.values()) {
      if (clientId !== undefined && t.clientId !== clientId) continue;
      if (!t.revoked) n += 1;
      t.revoked = true;
    }
    return n;
  }

  /** Makes every token (of one client if given) expire at `now`. Returns how many were live. */
  expireAll(now: number, clientId?: string): number {
    let n = 0;
    for (const t of this.byToken.values()) {
      if (clientId !== undefined && t.clientId !== clientId) continue;
      if (!t.revoked && t.expiresAt > now) n += 1;
      t.expiresAt = Math.min(t.expiresAt, now);
    }
    return n;
  }

  /** Forgets rate-limit state (a reset between test cases); tokens stay valid. */
  resetLimits(): void {
    for (const t of this.byToken.values()) {
      t.window.clear();
      t.retryAfterUntil = 0;
    }
  }

  /** Non-secret view of every token, for the control API. */
  list(now: number): Array<Omit<TokenRecord, 'window'> & { live: boolean; requestsLastMinute: number }> {
    return [...this.byToken.values()].map(({ window, ...rest }) => ({
      ...rest,
      live: !rest.revoked && now < rest.expiresAt,
      requestsLastMinute: window.count(now),
    }));
  }

  get size(): number {
    return this.byToken.size;
  }
}
