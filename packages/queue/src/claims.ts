import type { Redis } from 'ioredis';

/*
 * A claim is a hash per conversation: job (the job moving the call), leg (the bot leg it chose), posted (epoch ms a
 * transfer POST was allowed to leave; absent when none may have), accepted (1 once Genesys answered 202), done (1
 * once the job finished transferred) and posts (POSTs Genesys accepted so far).
 */

// KEYS: claim  ARGV: job, ttlMs. Takes the claim, renews one's own, or reports the holder's (one HMGET: a claim
// is read on every run of every job).
const ACQUIRE = `
local f = redis.call('HMGET', KEYS[1], 'job', 'leg', 'posted', 'accepted', 'done', 'posts', 'step', 'callback')
local job = f[1]
if not job then
  redis.call('HSET', KEYS[1], 'job', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1}
end
if job == ARGV[1] and f[5] ~= '1' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {job == ARGV[1] and 1 or 0, job, f[2] or '', f[3] or '', f[4] or '', f[5] or '', f[6] or '0', f[7] or '0', f[8] or ''}
`;

// KEYS: claim  ARGV: job, step. The job moves on to the next target of its chain: what it posted to the last one
// no longer counts (that target refused the call for good, or failed it twice).
const NEXT_TARGET = `
if redis.call('HGET', KEYS[1], 'job') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'step', ARGV[2])
redis.call('HDEL', KEYS[1], 'posted', 'accepted', 'posts')
return 1
`;

// KEYS: claim, jobLock  ARGV: job, lockToken, leg, now, ttlMs.
// The fence of a transfer POST (issue scenario S15): allowed only while `job` holds the claim AND the job's BullMQ
// lock still holds this run's token — a run whose lock passed to another run (a frozen process, a Redis blip longer
// than the lock) is refused here, atomically, and posts nothing.
const MARK_POSTING = `
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 'lock-lost' end
if redis.call('HGET', KEYS[1], 'job') ~= ARGV[1] then return 'not-holder' end
redis.call('HSET', KEYS[1], 'leg', ARGV[3], 'posted', ARGV[4], 'accepted', '0')
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 'ok'
`;

// KEYS: claim  ARGV: job, field, value. Sets a field of `job`'s claim (only if it holds it).
const SET_FIELD = `
if redis.call('HGET', KEYS[1], 'job') ~= ARGV[1] then return 0 end
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[2]) else redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) end
return 1
`;

// KEYS: claim  ARGV: job. Genesys answered 202 to the POST just marked: count it.
const ACCEPTED = `
if redis.call('HGET', KEYS[1], 'job') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'accepted', '1')
return redis.call('HINCRBY', KEYS[1], 'posts', 1)
`;

// KEYS: claim  ARGV: job, ttlMs. The call is moved: every other job of this conversation finishes without a request.
const FINISH = `
if redis.call('HGET', KEYS[1], 'job') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'done', '1')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

// KEYS: claim  ARGV: job. Gives the claim up (only the holder, and never once done).
const RELEASE = `
if redis.call('HGET', KEYS[1], 'job') == ARGV[1] and redis.call('HGET', KEYS[1], 'done') ~= '1' then return redis.call('DEL', KEYS[1]) end
return 0
`;

type ClaimRedis = Redis & {
  fallbackClaimAcquire(key: string, job: string, ttlMs: number): Promise<(string | number)[]>;
  fallbackClaimMarkPosting(key: string, lock: string, job: string, token: string, leg: string, now: number, ttlMs: number): Promise<string>;
  fallbackClaimSet(key: string, job: string, field: string, value: string): Promise<number>;
  fallbackClaimAccepted(key: string, job: string): Promise<number>;
  fallbackClaimNextTarget(key: string, job: string, step: number): Promise<number>;
  fallbackClaimFinish(key: string, job: string, ttlMs: number): Promise<number>;
  fallbackClaimRelease(key: string, job: string): Promise<number>;
};

/** What a claim records about the job holding it. */
export interface ClaimState {
  /** The job moving the call. */
  holder: string;
  /** The bot leg it chose (every later run of that job acts on it). */
  leg?: string;
  /** Epoch ms a transfer POST of the holder was allowed to leave: it may have landed. */
  postedAt?: number;
  /** Genesys answered 202 to the holder's last POST. */
  accepted: boolean;
  /** The holder finished with the call transferred. */
  done: boolean;
  /** POSTs of the holder Genesys accepted (202) so far (to the current target). */
  posts: number;
  /** Which target of the job's chain it is at (0: the route's first). */
  step: number;
  /** A callback was scheduled for the call (never twice). */
  callback: boolean;
}

/** Result of trying to claim a conversation. */
export interface ClaimResult extends ClaimState {
  /** True when this job holds the claim (newly, or still from an earlier run). */
  ok: boolean;
}

/** Why markPosting refused: the run's BullMQ lock passed to another run, or another job holds the call. */
export type PostingRefusal = 'lock-lost' | 'not-holder';

/**
 * One job moves a conversation, across all jobs and processes, and remembers across its runs what it did.
 *
 * Transfers are not idempotent. Two jobs for one call (two distinct failure events) could each read "not
 * transferred yet" and each post: a job claims the call before its first request and keeps the claim until its
 * deadline has passed (unless it gives up for good without posting); another job finds the claim and waits, or
 * finishes at once when the claim says the call was moved. Right before a POST the job marks the claim — fenced by
 * its BullMQ lock token — with the leg and the time: its later runs (after a timeout, a crash, a lost lock) know a
 * transfer may have landed, on which leg and since when, and wait until it can no longer land before they read.
 */
export class ConversationClaims {
  private readonly redis: ClaimRedis;

  /**
   * @param lockKeyOf the BullMQ lock key of a job (`queue.toKey(jobId) + ':lock'`): same hash tag as the claims.
   */
  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly lockKeyOf: (jobId: string) => string,
  ) {
    if (!(redis as unknown as Partial<ClaimRedis>).fallbackClaimAcquire) {
      redis.defineCommand('fallbackClaimAcquire', { numberOfKeys: 1, lua: ACQUIRE });
      redis.defineCommand('fallbackClaimMarkPosting', { numberOfKeys: 2, lua: MARK_POSTING });
      redis.defineCommand('fallbackClaimSet', { numberOfKeys: 1, lua: SET_FIELD });
      redis.defineCommand('fallbackClaimAccepted', { numberOfKeys: 1, lua: ACCEPTED });
      redis.defineCommand('fallbackClaimNextTarget', { numberOfKeys: 1, lua: NEXT_TARGET });
      redis.defineCommand('fallbackClaimFinish', { numberOfKeys: 1, lua: FINISH });
      redis.defineCommand('fallbackClaimRelease', { numberOfKeys: 1, lua: RELEASE });
    }
    this.redis = redis as unknown as ClaimRedis;
  }

  private key(conversationId: string): string {
    return `${this.prefix}:claim:${conversationId}`;
  }

  /** Claims `conversationId` for `job` for `ttlMs`, renews the job's own claim, or reports who holds it. */
  async acquire(conversationId: string, job: string, ttlMs: number): Promise<ClaimResult> {
    const r = await this.redis.fallbackClaimAcquire(this.key(conversationId), job, Math.max(1000, Math.ceil(ttlMs)));
    if (r.length === 1) return { ok: true, holder: job, accepted: false, done: false, posts: 0, step: 0, callback: false };
    const [ok, holder, leg, posted, accepted, done, posts, step, callback] = r.map(String);
    return {
      ok: ok === '1',
      holder: holder!,
      ...(leg ? { leg } : {}),
      ...(posted ? { postedAt: Number(posted) } : {}),
      accepted: accepted === '1',
      done: done === '1',
      posts: Number(posts) || 0,
      step: Number(step) || 0,
      callback: callback === '1',
    };
  }

  /**
   * Marks that a transfer POST of `job` on `leg` is about to leave at `now`, if the job still holds the claim and
   * its BullMQ lock still holds `lockToken`. Returns undefined when allowed, else why not (then: do not post).
   */
  async markPosting(conversationId: string, job: string, lockToken: string, leg: string, now: number, ttlMs: number): Promise<PostingRefusal | undefined> {
    const r = await this.redis.fallbackClaimMarkPosting(this.key(conversationId), this.lockKeyOf(job), job, lockToken, leg, now, Math.max(1000, Math.ceil(ttlMs)));
    return r === 'ok' ? undefined : (r as PostingRefusal);
  }

  /** Genesys answered 202 to the POST just marked: counted in `posts`. */
  async markAccepted(conversationId: string, job: string): Promise<void> {
    await this.redis.fallbackClaimAccepted(this.key(conversationId), job);
  }

  /** The POST just marked provably did not land (refused by Genesys or never sent): forget it. */
  async clearPosting(conversationId: string, job: string): Promise<void> {
    await this.redis.fallbackClaimSet(this.key(conversationId), job, 'posted', '');
  }

  /** Remembers the leg `job` chose, before any POST (a later run acts on the same leg). */
  async saveLeg(conversationId: string, job: string, leg: string): Promise<void> {
    await this.redis.fallbackClaimSet(this.key(conversationId), job, 'leg', leg);
  }

  /** The job moves on to target `step` of its chain; what it posted to the one before is forgotten. */
  async nextTarget(conversationId: string, job: string, step: number): Promise<void> {
    await this.redis.fallbackClaimNextTarget(this.key(conversationId), job, step);
  }

  /** A callback was scheduled for the call: never a second one. */
  async markCallback(conversationId: string, job: string): Promise<void> {
    await this.redis.fallbackClaimSet(this.key(conversationId), job, 'callback', '1');
  }

  /** The call was moved: keep the claim (marked done) for `ttlMs`, so later jobs of the call finish at once. */
  async finish(conversationId: string, job: string, ttlMs: number): Promise<void> {
    await this.redis.fallbackClaimFinish(this.key(conversationId), job, Math.max(1000, Math.ceil(ttlMs)));
  }

  /** Gives the claim up (only the holder, never once done): after a definite refusal, another job may try. */
  async release(conversationId: string, job: string): Promise<void> {
    await this.redis.fallbackClaimRelease(this.key(conversationId), job);
  }
}
