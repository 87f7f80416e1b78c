import type { Redis } from 'ioredis';

/**
 * Shared admission control for Genesys requests, per OAuth client, across every worker process.
 *
 * Genesys allows ~300 requests per minute per client-credentials token and counts them per minute, not as a
 * smooth rate (docs/genesys-contract.md §6): a quiet client may spend the minute's budget at once, and during a bot outage
 * it must, because every second a caller waits on a dead bot counts. The pacer keeps, per OAuth client, a log of
 * its requests in Redis (a sorted set) and admits a request while fewer than `budget` are in the last
 * `windowMs`. Each entry is scored with the request's END (its answer, or the longest it can take while under
 * way), not its start: Genesys counts arrivals, and an arrival lies between the two, so no 60 s of Genesys' clock
 * can hold more than `budget` of ours whatever the network did.
 *
 * It also holds every Retry-After for everyone (no process sends with that client before it has elapsed), and
 * serialises each client's requests (`maxInFlight`, default 1): the next request cannot leave before the previous
 * answer — and any 429 in it — is recorded, which is what "never a request before a Retry-After" needs.
 *
 * Priorities: a `high` request (a caller waits for it: finding the bot leg, the transfer) leaves a demand mark;
 * while it stands and the client has used more than half of its budget, `low` requests (confirmations) are refused
 * at once, so callers waiting for a first transfer get the budget first. Time is Redis' (`TIME`).
 */

// KEYS: per client (log, blocked, inflight)…, demand. ARGV: windowMs, budget, holdMs, holder, low (1/0), maxInFlight.
// Returns {index (0-based; -1 none), waitMs, admitted (1/0), reason, requests in the client's window}: reason 0 admitted, 1 budget, 2 blocked,
// 3 busy (another request of the client under way), 4 deferred (low priority while callers wait).
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window, budget, hold = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local low, maxInFlight = ARGV[5] == '1', tonumber(ARGV[6])
local demand = KEYS[#KEYS]
local hasDemand = low and redis.call('EXISTS', demand) == 1
local best, bestWait, bestReason, bestCount = -1, -1, 0, 0
for i = 1, #KEYS - 1, 3 do
  local log, blocked, inflight = KEYS[i], KEYS[i + 1], KEYS[i + 2]
  local wait, reason, count = 0, 0, 0
  local b = tonumber(redis.call('GET', blocked) or '0')
  if b > now then wait, reason = b - now, 2 end
  if budget > 0 then
    redis.call('ZREMRANGEBYSCORE', log, '-inf', now - window)
    count = redis.call('ZCARD', log)
    if count >= budget then
      -- The request fits once count - budget + 1 entries have left the window: wait for the one that leaves last.
      local r = redis.call('ZRANGE', log, count - budget, count - budget, 'WITHSCORES')
      local w = tonumber(r[2]) + window - now + 1
      if w > wait then wait, reason = w, 1 end
    elseif hasDemand and count * 2 >= budget and reason == 0 then
      wait, reason = 2000, 4
    end
  end
  if reason == 0 and maxInFlight > 0 and redis.call('ZCARD', inflight) >= maxInFlight then
    -- Full: drop holds that lapsed (their sender died) before calling the client busy.
    redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now)
    if redis.call('ZCARD', inflight) >= maxInFlight then
      local r = redis.call('ZRANGE', inflight, 0, 0, 'WITHSCORES')
      wait, reason = math.max(1, math.min(25, tonumber(r[2]) - now)), 3
    end
  end
  local idx = (i - 1) / 3
  if bestWait < 0 or wait < bestWait or (wait == bestWait and reason == 0 and bestReason ~= 0) then
    best, bestWait, bestReason, bestCount = idx, wait, reason, count
  end
end
if best < 0 then return {-1, 0, 0, 0, 0} end
if bestReason ~= 0 then return {best, bestWait, 0, bestReason, bestCount} end
local base = best * 3 + 1
-- The log needs no expiry: it is trimmed to the window on every admission (at most budget + in-flight entries).
if budget > 0 then redis.call('ZADD', KEYS[base], now + hold, ARGV[4]) end
if maxInFlight > 0 then
  redis.call('ZADD', KEYS[base + 2], now + hold, ARGV[4])
  redis.call('PEXPIRE', KEYS[base + 2], hold + 1000)
end
if not low and budget > 0 then redis.call('SET', demand, '1', 'PX', 1000) end
return {best, 0, 1, 0, bestCount + 1}
`;

// KEYS: log, inflight, blocked, channel. ARGV: holder, sent (1/0), retryAfterMs, windowMs, clientId.
// Ends a request: its log entry is scored with now (its answer) or dropped (never sent); a 429's block is set
// before the in-flight hold goes, so the client's next request cannot leave before the block is in Redis.
const END = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[2] == '1' then
  redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
local ms = tonumber(ARGV[3])
if ms > 0 then
  local untilMs = now + ms
  local current = tonumber(redis.call('GET', KEYS[3]) or '0')
  if untilMs > current then redis.call('SET', KEYS[3], untilMs, 'PX', ms + 1000) end
  redis.call('PUBLISH', KEYS[4], ARGV[5] .. ' ' .. (math.max(untilMs, current) - now))
end
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

// KEYS: blocked, channel. ARGV: ms, clientId. Blocks the client until now+ms (never shortens a block).
const BLOCK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ms = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if ms > 0 and now + ms > current then
  redis.call('SET', KEYS[1], now + ms, 'PX', ms + 1000)
  current = now + ms
end
local remaining = math.max(0, current - now)
if remaining > 0 then redis.call('PUBLISH', KEYS[2], ARGV[2] .. ' ' .. remaining) end
return remaining
`;

// KEYS: blocked. Returns ms the client is still blocked for (0 if not).
const BLOCKED_FOR = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return math.max(0, tonumber(redis.call('GET', KEYS[1]) or '0') - now)
`;

// KEYS: log…  ARGV: windowMs. Requests in each client's window now.
const USAGE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for i = 1, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - tonumber(ARGV[1]))
  out[i] = redis.call('ZCARD', KEYS[i])
end
return out
`;

/** Budget settings, the same for every OAuth client. */
export interface PacerOptions {
  /**
   * Requests per OAuth client in any `windowMs` (a sliding window); 0 = no budget (unpaced: only Retry-After
   * blocks apply, and sends are not serialised).
   */
  budget: number;
  /** The window the budget counts over (ms); Genesys counts per minute. */
  windowMs?: number;
  /** Requests of one client under way at once (paced only; 0 = any number); 1 makes "never after a 429" hold strictly. */
  maxInFlight?: number;
}

/** Why a request was not admitted now. */
export type RefusalReason = 'budget' | 'blocked' | 'busy' | 'deferred';

/** The outcome of an admission attempt. */
export type PacerAdmission =
  | { admitted: true; index: number; used: number }
  | { admitted: false; index: number; waitMs: number; reason: RefusalReason; used: number };

const REASONS: Record<number, RefusalReason> = { 1: 'budget', 2: 'blocked', 3: 'busy', 4: 'deferred' };

type PacerRedis = Redis & {
  fallbackPacerAdmit(...args: (string | number)[]): Promise<[number, number, number, number, number]>;
  fallbackPacerEnd(log: string, inflight: string, blocked: string, channel: string, holder: string, sent: number, retryAfterMs: number, windowMs: number, clientId: string): Promise<number>;
  fallbackPacerBlock(blocked: string, channel: string, ms: number, clientId: string): Promise<number>;
  fallbackPacerBlockedFor(blocked: string): Promise<number>;
  fallbackPacerUsage(...args: (string | number)[]): Promise<number[]>;
};

/** The Redis-backed budget. Keys live under the queue prefix (same hash tag: one slot on a cluster). */
export class RedisPacer {
  private readonly redis: PacerRedis;
  readonly budget: number;
  readonly windowMs: number;
  readonly maxInFlight: number;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    opts: PacerOptions,
  ) {
    if (!(redis as unknown as Partial<PacerRedis>).fallbackPacerAdmit) {
      redis.defineCommand('fallbackPacerAdmit', { lua: ADMIT });
      redis.defineCommand('fallbackPacerEnd', { numberOfKeys: 4, lua: END });
      redis.defineCommand('fallbackPacerBlock', { numberOfKeys: 2, lua: BLOCK });
      redis.defineCommand('fallbackPacerBlockedFor', { numberOfKeys: 1, lua: BLOCKED_FOR });
      redis.defineCommand('fallbackPacerUsage', { lua: USAGE });
    }
    this.redis = redis as unknown as PacerRedis;
    this.budget = Math.max(0, Math.floor(opts.budget));
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxInFlight = this.budget > 0 ? Math.max(0, Math.floor(opts.maxInFlight ?? 1)) : 0;
  }

  private keys(clientId: string): { log: string; blocked: string; inflight: string } {
    const base = `${this.prefix}:pace:${clientId}`;
    return { log: `${base}:log`, blocked: `${base}:blocked`, inflight: `${base}:inflight` };
  }

  /** Pub/sub channel on which every block is announced (`clientId remainingMs`). */
  get channel(): string {
    return `${this.prefix}:pace:blocks`;
  }

  /** True when a budget is set: requests are then counted and each client's sends serialised. */
  get paced(): boolean {
    return this.budget > 0;
  }

  /**
   * Admits one request on the client (of `clientIds`) that can send soonest, recording it under `holder` with a
   * hold of `holdMs` (the longest it can take; `end` shortens it). Not admitted: which client would be soonest,
   * in how long, and why.
   */
  async admit(clientIds: readonly string[], holder: string, holdMs: number, priority: 'high' | 'low'): Promise<PacerAdmission> {
    const keys = clientIds.flatMap((id) => {
      const k = this.keys(id);
      return [k.log, k.blocked, k.inflight];
    });
    const [index, waitMs, admitted, reason, used] = await this.redis.fallbackPacerAdmit(
      keys.length + 1,
      ...keys,
      `${this.prefix}:pace:demand`,
      this.windowMs,
      this.budget,
      Math.max(1, Math.ceil(holdMs)),
      holder,
      priority === 'low' ? 1 : 0,
      this.maxInFlight,
    );
    return admitted === 1 ? { admitted: true, index, used } : { admitted: false, index, waitMs, reason: REASONS[reason] ?? 'budget', used };
  }

  /** Ends an admitted request (see END above). */
  async end(clientId: string, holder: string, result: { sent: boolean; retryAfterMs?: number }): Promise<void> {
    const k = this.keys(clientId);
    await this.redis.fallbackPacerEnd(k.log, k.inflight, k.blocked, this.channel, holder, result.sent ? 1 : 0, Math.max(0, Math.ceil(result.retryAfterMs ?? 0)), this.windowMs, clientId);
  }

  /** Nobody may send with `clientId` for `ms` (a 429's Retry-After; 0 or less is a no-op). Returns the ms the block now lasts. */
  async block(clientId: string, ms: number): Promise<number> {
    return this.redis.fallbackPacerBlock(this.keys(clientId).blocked, this.channel, Math.max(0, Math.ceil(ms)), clientId);
  }

  /** How long `clientId` is still blocked (0 when free). */
  async blockedFor(clientId: string): Promise<number> {
    return this.redis.fallbackPacerBlockedFor(this.keys(clientId).blocked);
  }

  /** Requests each client sent in the current window (for metrics and for choosing how to confirm). */
  async usage(clientIds: readonly string[]): Promise<number[]> {
    if (this.budget === 0) return clientIds.map(() => 0);
    const keys = clientIds.map((id) => this.keys(id).log);
    return this.redis.fallbackPacerUsage(keys.length, ...keys, this.windowMs);
  }

  /**
   * Tells `onBlock` of every Retry-After any process records, as it happens. Without a budget a process does not
   * ask Redis before each request (that round trip would cost more than the request); it keeps the blocks it
   * hears of here, and re-reads them every `refreshMs` in case a message was missed across a reconnect.
   * `subscriber` must be a connection of its own (it enters subscriber mode); the caller closes it.
   */
  async watchBlocks(
    subscriber: Redis,
    clientIds: readonly string[],
    onBlock: (clientId: string, remainingMs: number) => void,
    refreshMs = 1000,
  ): Promise<() => void> {
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const [clientId, ms] = message.split(' ');
      if (clientId && Number(ms) > 0) onBlock(clientId, Number(ms));
    });
    await subscriber.subscribe(this.channel);
    const refresh = async () => {
      for (const id of clientIds) {
        const ms = await this.blockedFor(id).catch(() => 0);
        if (ms > 0) onBlock(id, ms);
      }
    };
    await refresh();
    const timer = setInterval(() => void refresh(), refreshMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
