import type { Redis } from 'ioredis';

const POSTING = '|posting';

// KEYS: claim  ARGV: holder. Deletes the claim only if `holder` holds it (in either state).
const RELEASE = `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] or v == ARGV[1] .. '${POSTING}' then return redis.call('DEL', KEYS[1]) end
return 0
`;

// KEYS: claim  ARGV: holder, ttlMs. Marks `holder`'s claim as "a POST may have left" (only if it holds it).
const MARK_POSTING = `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] or v == ARGV[1] .. '${POSTING}' then
  redis.call('SET', KEYS[1], ARGV[1] .. '${POSTING}', 'PX', tonumber(ARGV[2]))
  return 1
end
return 0
`;

type ClaimRedis = Redis & {
  fallbackReleaseClaim(key: string, holder: string): Promise<number>;
  fallbackMarkPosting(key: string, holder: string, ttlMs: number): Promise<number>;
};

/** Who holds a conversation, and whether a transfer POST of theirs may have left. */
export interface ClaimState {
  holder: string;
  posting: boolean;
}

/** Result of trying to claim a conversation. */
export interface ClaimResult {
  ok: boolean;
  /** Who holds it (this holder when ok). */
  holder: string | null;
  /** True when this holder already held it (an earlier run of the same job). */
  renewed: boolean;
  /** True when this holder marked a POST as about to leave in an earlier run: it may have landed. */
  posting: boolean;
}

function parse(value: string | null): ClaimState | null {
  if (value === null) return null;
  return value.endsWith(POSTING) ? { holder: value.slice(0, -POSTING.length), posting: true } : { holder: value, posting: false };
}

/**
 * One job moves a conversation, across all jobs and processes.
 *
 * Transfers are not idempotent. Two jobs for one call (two distinct failure events) could each read "not
 * transferred yet" and each post. A job claims the call before its first request and keeps the claim until the
 * job's deadline has passed (unless it gives up for good without posting); a job that finds another job's claim
 * reads the conversation and waits instead of posting. Right before its POST a job marks its claim `posting`:
 * its later runs (after a timeout, a crash, a lost lock) then know a transfer may have landed and read before
 * anything else, while a run that was only handed back by the pacer (nothing sent) need not.
 */
export class ConversationClaims {
  private readonly redis: ClaimRedis;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    if (!(redis as unknown as Partial<ClaimRedis>).fallbackReleaseClaim) {
      redis.defineCommand('fallbackReleaseClaim', { numberOfKeys: 1, lua: RELEASE });
      redis.defineCommand('fallbackMarkPosting', { numberOfKeys: 1, lua: MARK_POSTING });
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
    if ((await this.redis.set(key, holder, 'PX', ttl, 'NX')) === 'OK') return { ok: true, holder, renewed: false, posting: false };
    const current = parse(await this.redis.get(key));
    if (current?.holder === holder) {
      await this.redis.pexpire(key, ttl);
      return { ok: true, holder, renewed: true, posting: current.posting };
    }
    return { ok: false, holder: current?.holder ?? null, renewed: false, posting: false };
  }

  /** Marks `holder`'s claim: a transfer POST is about to leave. False if `holder` no longer holds it. */
  async markPosting(conversationId: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.fallbackMarkPosting(this.key(conversationId), holder, Math.max(1000, Math.ceil(ttlMs)))) === 1;
  }

  /** Who holds `conversationId` now, if anyone. */
  async stateOf(conversationId: string): Promise<ClaimState | null> {
    return parse(await this.redis.get(this.key(conversationId)));
  }

  /** Gives the claim up (only if `holder` holds it): after a definite refusal, another job may try. */
  async release(conversationId: string, holder: string): Promise<void> {
    await this.redis.fallbackReleaseClaim(this.key(conversationId), holder);
  }
}
