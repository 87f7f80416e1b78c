import type { Redis } from 'ioredis';

// KEYS: claim  ARGV: holder. Deletes the claim only if `holder` still holds it.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type ClaimRedis = Redis & { fallbackReleaseClaim(key: string, holder: string): Promise<number> };

/** Result of trying to claim a conversation. */
export interface ClaimResult {
  ok: boolean;
  /** Who holds it (this holder when ok). */
  holder: string | null;
  /** True when this holder already held it (so an earlier run of the same job may have acted). */
  renewed: boolean;
}

/**
 * One job moves a conversation, across all jobs and processes.
 *
 * Transfers are not idempotent. Two jobs for one call (two distinct failure events) could each read "not
 * transferred yet" and each post. A job claims the call before its first request and keeps the claim until the
 * job's deadline has passed (unless it gives up for good without posting); a job that finds another job's claim
 * reads the conversation and waits instead of posting. The claim also tells a job's later runs that an earlier
 * run may have posted, so they read before anything else.
 */
export class ConversationClaims {
  private readonly redis: ClaimRedis;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    if (!(redis as unknown as Partial<ClaimRedis>).fallbackReleaseClaim) {
      redis.defineCommand('fallbackReleaseClaim', { numberOfKeys: 1, lua: RELEASE });
    }
    this.redis = redis as unknown as ClaimRedis;
  }

  private key(conversationId: string): string {
    return `${this.prefix}:claim:${conversationId}`;
  }

  /** Claims `conversationId` for `holder` for `ttlMs`, or reports who holds it. Re-claiming your own claim renews it. */
  async acquire(conversationId: string, holder: string, ttlMs: number): Promise<ClaimResult> {
    const key = this.key(conversationId);
    const ttl = Math.max(1000, Math.ceil(ttlMs));
    const ok = (await this.redis.set(key, holder, 'PX', ttl, 'NX')) === 'OK';
    if (ok) return { ok, holder, renewed: false };
    const current = await this.redis.get(key);
    if (current === holder) {
      await this.redis.pexpire(key, ttl);
      return { ok: true, holder, renewed: true };
    }
    return { ok: false, holder: current, renewed: false };
  }

  /** Who holds `conversationId` now, if anyone. */
  async holderOf(conversationId: string): Promise<string | null> {
    return this.redis.get(this.key(conversationId));
  }

  /** Gives the claim up (only if `holder` holds it): after a definite refusal, another job may try. */
  async release(conversationId: string, holder: string): Promise<void> {
    await this.redis.fallbackReleaseClaim(this.key(conversationId), holder);
  }
}
