import type { Redis } from 'ioredis';
import { MicroBatcher } from './batcher.js';
import { BATCH_SCRIPTS } from './catalog.js';

/** A counter after one hit: the hits in its window so far (this one included) and the window's time left (ms). */
export interface FloodCount {
  current: number;
  ttlMs: number;
}

/**
 * A fixed-window counter as Lua (the same window as @fastify/rate-limit's Redis store): INCRBY the hits, start the
 * window (PEXPIRE) when the count began with them, otherwise read its time left. Returns the count and the time
 * left (ms). A counter that lost its expiry (it never should) gets a new window rather than counting forever.
 * Shared by the flood script below and the enqueue script, which gates each job on it.
 */
export const FLOOD_HIT_LUA = `
local function floodHit(key, hits, window)
  local current = redis.call('INCRBY', key, hits)
  if current == hits then
    redis.call('PEXPIRE', key, window)
    return current, window
  end
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    redis.call('PEXPIRE', key, window)
    ttl = window
  end
  return current, ttl
end
`;

/** KEYS: the counters. ARGV: per key, its hits and window (ms). Returns [count, time left] per key. */
const FLOOD_SCRIPT = `${FLOOD_HIT_LUA}
local out = {}
for i = 1, #KEYS do
  local current, ttl = floodHit(KEYS[i], tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i]))
  out[2 * i - 1] = current
  out[2 * i] = ttl
end
return out
`;

/** A sender's flood limit as the enqueue script applies it: its counter, the most hits per window, the window. */
export interface FloodLimit {
  key: string;
  max: number;
  windowMs: number;
}

/** A sender went past its flood limit: the request was counted and nothing else was written. */
export class FloodLimitedError extends Error {
  override readonly name = 'FloodLimitedError';
  constructor(
    readonly limit: FloodLimit,
    /** Time left of the window the sender is over its limit in (ms): its Retry-After. */
    readonly ttlMs: number,
  ) {
    super(`more than ${limit.max} requests in ${limit.windowMs} ms`);
  }
}

interface Hit {
  key: string;
  windowMs: number;
}

type FloodRedis = Redis & { fallbackFlood(numberOfKeys: number, ...keysAndArgs: Array<string | number>): Promise<number[]> };

/**
 * Per-sender flood counters in Redis, shared by every ingress process, counted with many requests per round
 * trip: the hits of one event-loop turn are summed per key and sent as one script call (MicroBatcher). Each hit
 * still gets the count it would have got alone — its position among the hits of its key in that turn — so a
 * limit refuses exactly the requests past it, as the one-INCR-per-request counter it replaces did (the same
 * fixed window as @fastify/rate-limit's Redis store, on the same keys).
 */
export class FloodCounter {
  private readonly redis: FloodRedis;
  private readonly batcher: MicroBatcher<Hit, FloodCount>;

  constructor(redis: Redis, opts: { maxBatch?: number } = {}) {
    if (!(BATCH_SCRIPTS.flood in redis)) redis.defineCommand(BATCH_SCRIPTS.flood, { lua: FLOOD_SCRIPT });
    this.redis = redis as FloodRedis;
    this.batcher = new MicroBatcher((hits) => this.send(hits), { maxItems: opts.maxBatch ?? 256 });
  }

  /** Counts one hit on `key`; a window of `windowMs` starts with the first hit. Rejects when Redis failed. */
  hit(key: string, windowMs: number): Promise<FloodCount> {
    return this.batcher.add({ key, windowMs });
  }

  private async send(hits: readonly Hit[]): Promise<FloodCount[]> {
    // Hits per key in arrival order; a key's window is the one its first hit of the batch asked for.
    const byKey = new Map<string, { windowMs: number; count: number }>();
    const position: number[] = [];
    for (const h of hits) {
      const entry = byKey.get(h.key) ?? { windowMs: h.windowMs, count: 0 };
      byKey.set(h.key, entry);
      position.push(entry.count++);
    }
    const keys = [...byKey.keys()];
    const args = [...byKey.values()].flatMap((e) => [e.count, e.windowMs]);
    const reply = await this.redis.fallbackFlood(keys.length, ...keys, ...args);
    const after = new Map(keys.map((k, i) => [k, { current: reply[2 * i]!, ttlMs: reply[2 * i + 1]! }]));
    return hits.map((h, i) => {
      const { current, ttlMs } = after.get(h.key)!;
      return { current: current - byKey.get(h.key)!.count + position[i]! + 1, ttlMs };
    });
  }
}
