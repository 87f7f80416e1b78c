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
}

/**
 * One transfer POST in flight per conversation, across all jobs and processes.
 *
 * Transfers are not idempotent. Two jobs for one call (two distinct failure events, or one job re-run after a
 * lost lock while its first run still posts) could each read "not transferred yet" and each post. The claim is
 * taken right before the POST and kept through the confirmation; a job that finds another job's claim waits
 * and reads the conversation again instead of posting.
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
    const ok = (await this.redis.set(key, holder, 'PX', ttlMs, 'NX')) === 'OK';
    if (ok) return { ok, holder };
    const current = await this.redis.get(key);
    if (current === holder) {
      await this.redis.pexpire(key, ttlMs);
      return { ok: true, holder };
    }
    return { ok: false, holder: current };
  }

  /** Gives the claim up (only if `holder` holds it): after a definite refusal, another job may try. */
  async release(conversationId: string, holder: string): Promise<void> {
    await this.redis.fallbackReleaseClaim(this.key(conversationId), holder);
  }
}
