import type { Redis } from 'ioredis';

/**
 * Shared admission control for Genesys requests, per OAuth client, across every worker process.
 *
 * Genesys allows ~300 requests/min per client-credentials token (genesys-cloud.md §6). A bot outage fails
 * thousands of calls at once; sending them as fast as workers can would earn a 429 storm. The pacer spaces
 * requests with GCRA (a leaky bucket on one timestamp per client: the "theoretical arrival time") in Redis, so
 * every process draws from one budget, and it holds the Retry-After of a 429 for everyone: no process sends
 * with that client before it has elapsed. Time comes from Redis (`TIME`), so process clocks cannot disagree.
 *
 * A request books its slot; the caller sleeps until then. Several clients: the earliest slot among them wins.
 */

// KEYS: tat1, blocked1, tat2, blocked2, …  ARGV: intervalMs, toleranceMs, maxWaitMs
// Returns {index (0-based), waitMs, booked (1/0)}.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local maxWait = tonumber(ARGV[3])
local best, bestWait, bestStart = 0, -1, 0
for i = 1, #KEYS, 2 do
  local blocked = tonumber(redis.call('GET', KEYS[i + 1]) or '0')
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  local start = math.max(tat, now, blocked)
  local wait = 0
  if interval > 0 then wait = math.max(0, start - now - tolerance) end
  if blocked > now then wait = math.max(wait, blocked - now) end
  if bestWait < 0 or wait < bestWait then best, bestWait, bestStart = i, wait, start end
end
if bestWait > maxWait then return {(best - 1) / 2, bestWait, 0} end
if interval > 0 then
  redis.call('SET', KEYS[best], bestStart + interval, 'PX', math.ceil(tolerance + interval + 60000))
end
return {(best - 1) / 2, bestWait, 1}
`;

// KEYS: tat, blocked, channel  ARGV: ms, toleranceMs, clientId. Blocks the client until now+ms (never shortens a block) and queues
// every later booking after it, with the burst credit spent: after a Retry-After the first request goes alone and
// the next waits one interval, so if Genesys still refuses, that first 429 is seen before anything else is sent.
const BLOCK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilMs = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if untilMs > current then
  redis.call('SET', KEYS[2], untilMs, 'PX', tonumber(ARGV[1]) + 1000)
  local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
  local resume = untilMs + tonumber(ARGV[2])
  if tat < resume then redis.call('SET', KEYS[1], resume, 'PX', math.ceil(tonumber(ARGV[1]) + tonumber(ARGV[2]) + 60000)) end
end
local remaining = math.max(untilMs, current) - now
redis.call('PUBLISH', KEYS[3], ARGV[3] .. ' ' .. remaining)
return remaining
`;

// KEYS: blocked, inflight  ARGV: holder, holdMs. Starts a send: refused while a Retry-After runs (returns the ms
// left) or while another request of this client is in flight (returns -1); else marks it in flight (returns 0).
const BEGIN_SEND = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local blocked = tonumber(redis.call('GET', KEYS[1]) or '0')
if blocked > now then return blocked - now end
if redis.call('SET', KEYS[2], ARGV[1], 'PX', tonumber(ARGV[2]), 'NX') then return 0 end
return -1
`;

// KEYS: inflight  ARGV: holder. Ends a send (only the holder's).
const END_SEND = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

// KEYS: blocked  Returns ms the client is still blocked for (0 if not).
const BLOCKED_FOR = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local blocked = tonumber(redis.call('GET', KEYS[1]) or '0')
return math.max(0, blocked - now)
`;

/** Pacing settings for one OAuth client (all clients share them). */
export interface PacerOptions {
  /** Sustained requests per minute per client; 0 disables spacing (429 blocks still apply). */
  requestsPerMinute: number;
  /**
   * Requests that may go at once after a quiet spell. With rate r and burst b, any 60 s window holds at most
   * r + b requests: keep r + b under Genesys' 300.
   */
  burst: number;
}

/** A booked (or refused) slot. */
export interface Admission {
  /** Index of the chosen client in the list passed to acquire. */
  index: number;
  /** How long to wait before sending (ms). */
  waitMs: number;
  /** False when the wait exceeded maxWaitMs: nothing was booked. */
  booked: boolean;
}

type PacerRedis = Redis & {
  fallbackPacerAcquire(...args: (string | number)[]): Promise<[number, number, number]>;
  fallbackPacerBlock(tat: string, blocked: string, channel: string, ms: number, toleranceMs: number, clientId: string): Promise<number>;
  fallbackPacerBlockedFor(blocked: string): Promise<number>;
  fallbackPacerBeginSend(blocked: string, inflight: string, holder: string, holdMs: number): Promise<number>;
  fallbackPacerEndSend(inflight: string, holder: string): Promise<number>;
};

/** Whether a send may start now. */
export type SendPermit = { ok: true } | { ok: false; blockedMs: number } | { ok: false; busy: true };

/** The Redis-backed pacer. Keys live under the queue prefix (same hash tag: one slot on a cluster). */
export class RedisPacer {
  private readonly redis: PacerRedis;
  private readonly intervalMs: number;
  private readonly toleranceMs: number;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    opts: PacerOptions,
  ) {
    if (!(redis as unknown as Partial<PacerRedis>).fallbackPacerAcquire) {
      redis.defineCommand('fallbackPacerAcquire', { lua: ACQUIRE });
      redis.defineCommand('fallbackPacerBlock', { numberOfKeys: 3, lua: BLOCK });
      redis.defineCommand('fallbackPacerBlockedFor', { numberOfKeys: 1, lua: BLOCKED_FOR });
      redis.defineCommand('fallbackPacerBeginSend', { numberOfKeys: 2, lua: BEGIN_SEND });
      redis.defineCommand('fallbackPacerEndSend', { numberOfKeys: 1, lua: END_SEND });
    }
    this.redis = redis as unknown as PacerRedis;
    // Whole milliseconds: Redis PX takes integers, and 60000/290 is not one. Rounding the interval up keeps the
    // budget a ceiling (290/min becomes one request per 207 ms: 289.9/min).
    this.intervalMs = opts.requestsPerMinute > 0 ? Math.ceil(60_000 / opts.requestsPerMinute) : 0;
    this.toleranceMs = this.intervalMs * Math.max(0, opts.burst - 1);
  }

  private keys(clientId: string): [string, string] {
    const base = `${this.prefix}:pace:${clientId}`;
    return [`${base}:tat`, `${base}:blocked`];
  }

  /** Pub/sub channel on which every block is announced (`clientId remainingMs`). */
  get channel(): string {
    return `${this.prefix}:pace:blocks`;
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

  /** True when requests are spaced (a budget is set): then sends of one client are also serialised. */
  get paced(): boolean {
    return this.intervalMs > 0;
  }

  /** Books the earliest slot among `clientIds` if it is at most `maxWaitMs` away. */
  async acquire(clientIds: readonly string[], maxWaitMs: number): Promise<Admission> {
    const keys = clientIds.flatMap((id) => this.keys(id));
    const [index, waitMs, booked] = await this.redis.fallbackPacerAcquire(
      keys.length,
      ...keys,
      this.intervalMs,
      this.toleranceMs,
      Math.max(0, Math.floor(maxWaitMs)),
    );
    return { index, waitMs, booked: booked === 1 };
  }

  /** Nobody may send with `clientId` for `ms` (a 429's Retry-After). Returns the ms the block now lasts. */
  async block(clientId: string, ms: number): Promise<number> {
    const [tat, blocked] = this.keys(clientId);
    return this.redis.fallbackPacerBlock(tat, blocked, this.channel, Math.max(1, Math.ceil(ms)), this.toleranceMs, clientId);
  }

  /**
   * Starts a send for `clientId` unless a Retry-After runs or another of its requests is in flight. Serialising a
   * client's sends is what makes "no request after a 429 until its Retry-After" hold even for requests that were
   * already booked when the 429 came: the next one cannot leave before the previous answer (and any block it
   * set) is in Redis. `holdMs` bounds the mark should the sender die (request timeout + margin).
   */
  async beginSend(clientId: string, holder: string, holdMs: number): Promise<SendPermit> {
    const base = `${this.prefix}:pace:${clientId}`;
    const r = await this.redis.fallbackPacerBeginSend(`${base}:blocked`, `${base}:inflight`, holder, Math.ceil(holdMs));
    if (r === 0) return { ok: true };
    return r > 0 ? { ok: false, blockedMs: r } : { ok: false, busy: true };
  }

  /** Ends a send begun with beginSend. */
  async endSend(clientId: string, holder: string): Promise<void> {
    await this.redis.fallbackPacerEndSend(`${this.prefix}:pace:${clientId}:inflight`, holder);
  }

  /** How long `clientId` is still blocked (0 when free). */
  async blockedFor(clientId: string): Promise<number> {
    return this.redis.fallbackPacerBlockedFor(this.keys(clientId)[1]);
  }
}
