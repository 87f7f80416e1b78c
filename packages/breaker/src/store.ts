import type { Redis } from 'ioredis';
import { INITIAL_STATE, type BreakerMode, type BreakerPosition, type BreakerState } from './machine.js';
import { bucketMsOf, type BreakerSpec } from './spec.js';

/**
 * The breaker's Redis keys, all under the queue prefix (its hash tag keeps them in the queue's cluster slot):
 *   <prefix>:breakers               hash   name → spec JSON (what each process configured; fallbackctl reads it)
 *   <prefix>:breaker:<name>         hash   state: position, mode, times, backoff level, the flip under way, …
 *   <prefix>:breaker:<name>:counts  hash   failures per time bucket (field = bucket number), expires when quiet
 *   <prefix>:breaker-lease          string the evaluator holding the lease (one worker decides and flips)
 *   <prefix>:breaker-flips          stream every flip and every forced state: when, why, counts, who
 */
export function breakerKeys(prefix: string) {
  return {
    registry: `${prefix}:breakers`,
    lease: `${prefix}:breaker-lease`,
    flips: `${prefix}:breaker-flips`,
    state: (name: string) => `${prefix}:breaker:${name}`,
    counts: (name: string) => `${prefix}:breaker:${name}:counts`,
  };
}

/** Entries kept in the flips stream (approximately: MAXLEN ~). */
export const FLIPS_KEPT = 10_000;

// KEYS: (counts, state) per breaker. ARGV: (bucketMs, windowMs) per breaker. Time is Redis' (every process,
// every clock). A new bucket field prunes the hash when it holds twice the window's buckets: fields are not keys,
// so nothing else would ever remove them while failures keep coming.
const COUNT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS, 2 do
  local bucketMs, windowMs = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  local bucket = math.floor(now / bucketMs)
  local span = math.ceil(windowMs / bucketMs)
  if redis.call('HINCRBY', KEYS[i], bucket, 1) == 1 and redis.call('HLEN', KEYS[i]) > 2 * span + 2 then
    for _, f in ipairs(redis.call('HKEYS', KEYS[i])) do
      if tonumber(f) < bucket - span - 1 then redis.call('HDEL', KEYS[i], f) end
    end
  end
  redis.call('PEXPIRE', KEYS[i], windowMs + 2 * bucketMs)
  redis.call('HSET', KEYS[i + 1], 'last', now)
  redis.call('HINCRBY', KEYS[i + 1], 'total', 1)
end
return now
`;

// KEYS: lease. ARGV: holder, ms. Takes the lease when free, renews it when held by `holder`; 1 when held.
const LEASE = `
local h = redis.call('GET', KEYS[1])
if h == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not h then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0
`;

// KEYS: lease. ARGV: holder.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0
`;

// KEYS: lease, state. ARGV: holder, expected position, field/value pairs. A decision is written only by the lease
// holder and only if the position is still the one it decided from; returns the new transition number (seq), -1
// when the lease is not ours, -2 when the position changed meanwhile.
const TRANSITION = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
if (redis.call('HGET', KEYS[2], 'state') or 'closed') ~= ARGV[2] then return -2 end
redis.call('HSET', KEYS[2], unpack(ARGV, 3))
return redis.call('HINCRBY', KEYS[2], 'seq', 1)
`;

// KEYS: state, flips. ARGV: seq, maxlen, number of state field/value items n, n items, then the stream entry's
// field/value pairs. What happened in Genesys is always recorded in the stream (a fact is a fact, whoever holds the
// lease); the state is updated only while the transition it belongs to is still the current one.
const RECORD = `
local n = tonumber(ARGV[3])
local current = redis.call('HGET', KEYS[1], 'seq') == ARGV[1]
if current and n > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 4, 3 + n)) end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 4 + n))
if current then return 1 end
return 0
`;

type Scripted = Redis & {
  breakerCount(...args: (string | number)[]): Promise<number>;
  breakerLease(lease: string, holder: string, ms: number): Promise<number>;
  breakerRelease(lease: string, holder: string): Promise<number>;
  breakerTransition(...args: (string | number)[]): Promise<number>;
  breakerRecord(...args: (string | number)[]): Promise<number>;
};

/** One entry of the flips stream, as read back. */
export interface FlipEntry {
  /** Stream id (`<ms>-<n>`). */
  id: string;
  [field: string]: string;
}

/** A breaker's state and counts as read at one instant (Redis clock). */
export interface BreakerSnapshot {
  now: number;
  /** Failures counted within the window since the breaker last closed (what trips it). */
  failures: number;
  /** Failures counted since the state was created. */
  total: number;
  lastFailureAt?: number;
  state: BreakerState;
  /** Number of the last transition (each open or close adds one). */
  seq: number;
  /** True while the switch has not yet been set for the last transition. */
  pending: boolean;
  /** Failed attempts at setting it, and when the next may start. */
  attempts: number;
  retryAt: number;
  lastError?: string;
  /** The switch as last set (or found) in Genesys, and when. */
  applied?: BreakerPosition;
  appliedAt?: number;
  /** The last transition: why, by whom, the failures counted then. */
  why?: string;
  by?: string;
  failuresAtFlip?: number;
  closedAt?: number;
  modeAt?: number;
  modeReason?: string;
  probe?: 'up' | 'down';
  probedAt?: number;
  evaluatedAt?: number;
  evaluator?: string;
}

const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
const str = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

/**
 * Failures of the buckets that end inside the window [now - windowMs, now] and after `since` (the breaker's last
 * close): the failures that tripped it, or that came while it was held closed by a person before it was, must not
 * trip it again the moment it closes. Bucket fields of the counts hash. Pure.
 */
export function failuresInWindow(counts: Record<string, string>, now: number, windowMs: number, bucketMs = bucketMsOf(windowMs), since?: number): number {
  const first = Math.max(Math.floor((now - windowMs) / bucketMs), since === undefined ? -Infinity : Math.floor(since / bucketMs));
  let sum = 0;
  for (const [field, value] of Object.entries(counts)) if (Number(field) >= first) sum += Number(value);
  return sum;
}

/** A snapshot from the state hash and the counts hash. Pure. */
export function snapshotOf(spec: Pick<BreakerSpec, 'windowMs'>, now: number, counts: Record<string, string>, h: Record<string, string>): BreakerSnapshot {
  const position: BreakerPosition = h['state'] === 'open' ? 'open' : 'closed';
  const mode = (['open', 'closed'].includes(h['mode'] ?? '') ? h['mode'] : 'auto') as BreakerMode;
  const state: BreakerState = {
    ...INITIAL_STATE,
    position,
    mode,
    level: num(h['level']) ?? 0,
    quietMs: num(h['quietMs']) ?? 0,
    ...(str(h['modeBy']) ? { modeBy: h['modeBy']! } : {}),
    ...(num(h['openedAt']) !== undefined ? { openedAt: num(h['openedAt'])! } : {}),
    ...(num(h['recoveredAt']) !== undefined ? { recoveredAt: num(h['recoveredAt'])! } : {}),
  };
  const optional = {
    lastFailureAt: num(h['last']),
    lastError: str(h['lastError']),
    applied: str(h['applied']) as BreakerPosition | undefined,
    appliedAt: num(h['appliedAt']),
    why: str(h['why']),
    by: str(h['by']),
    failuresAtFlip: num(h['failuresAtFlip']),
    closedAt: num(h['closedAt']),
    modeAt: num(h['modeAt']),
    modeReason: str(h['modeReason']),
    probe: str(h['probe']) as 'up' | 'down' | undefined,
    probedAt: num(h['probedAt']),
    evaluatedAt: num(h['evaluatedAt']),
    evaluator: str(h['evaluator']),
  };
  return {
    now,
    failures: failuresInWindow(counts, now, spec.windowMs, bucketMsOf(spec.windowMs), num(h['closedAt'])),
    total: num(h['total']) ?? 0,
    state,
    seq: num(h['seq']) ?? 0,
    pending: h['pending'] === '1',
    attempts: num(h['attempts']) ?? 0,
    retryAt: num(h['retryAt']) ?? 0,
    ...(Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)) as Partial<BreakerSnapshot>),
  };
}

const pairs = (fields: Record<string, string | number>) => Object.entries(fields).flatMap(([k, v]) => [k, String(v)]);

/** The breaker's Redis: counting, state, the evaluator's lease, the flips stream. Does not own the connection. */
export class BreakerStore {
  private readonly redis: Scripted;
  readonly keys: ReturnType<typeof breakerKeys>;

  constructor(redis: Redis, prefix: string) {
    const define = (name: string, keys: number, lua: string) => {
      if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: keys, lua });
    };
    if (!('breakerCount' in redis)) redis.defineCommand('breakerCount', { lua: COUNT });
    define('breakerLease', 1, LEASE);
    define('breakerRelease', 1, RELEASE);
    define('breakerTransition', 2, TRANSITION);
    define('breakerRecord', 2, RECORD);
    this.redis = redis as Scripted;
    this.keys = breakerKeys(prefix);
  }

  /**
   * Counts one failure toward each breaker given, in one command (a script: one round trip, Redis' clock).
   * Resolves with the Redis time it was counted at.
   */
  count(specs: readonly BreakerSpec[]): Promise<number> {
    const keys = specs.flatMap((s) => [this.keys.counts(s.name), this.keys.state(s.name)]);
    const args = specs.flatMap((s) => [bucketMsOf(s.windowMs), s.windowMs]);
    // Defined without numberOfKeys: it varies with the breakers an event matches, and is passed first.
    return this.redis.breakerCount(keys.length, ...keys, ...args);
  }

  /** Records the configured breakers (name → spec), so tools without the configuration can show them. */
  async register(specs: readonly BreakerSpec[]): Promise<void> {
    if (specs.length === 0) return;
    await this.redis.hset(this.keys.registry, Object.fromEntries(specs.map((s) => [s.name, JSON.stringify(s)])));
  }

  /** The breakers any process registered. */
  async registered(): Promise<BreakerSpec[]> {
    const all = await this.redis.hgetall(this.keys.registry);
    return Object.values(all)
      .flatMap((json) => {
        try {
          return [JSON.parse(json) as BreakerSpec];
        } catch {
          return [];
        }
      })
      .sort((a, b) => (a.name === 'default' ? -1 : b.name === 'default' ? 1 : a.name.localeCompare(b.name)));
  }

  /** A person sets a breaker's mode (the evaluator applies it); recorded in the stream with who and why. */
  async force(name: string, mode: BreakerMode, by: string, reason?: string): Promise<void> {
    const t = await this.now();
    const result = await this.redis
      .multi()
      .hset(this.keys.state(name), { mode, modeBy: by, modeAt: t, modeReason: reason ?? '' })
      .xadd(this.keys.flips, 'MAXLEN', '~', FLIPS_KEPT, '*', ...pairs({ at: t, breaker: name, event: 'forced', mode, by, ...(reason ? { why: reason } : {}) }))
      .exec();
    const failed = result?.find(([err]) => err);
    if (!result || failed) throw failed?.[0] ?? new Error('the forced state was not written');
  }

  /** Redis' clock (ms). */
  async now(): Promise<number> {
    const [s, us] = await this.redis.time();
    return Number(s) * 1000 + Math.floor(Number(us) / 1000);
  }

  /** The breaker's state and its failures within the window, read together with Redis' clock. */
  async snapshot(spec: Pick<BreakerSpec, 'name' | 'windowMs'>): Promise<BreakerSnapshot> {
    const results = await this.redis.pipeline().time().hgetall(this.keys.counts(spec.name)).hgetall(this.keys.state(spec.name)).exec();
    if (!results) throw new Error('Redis answered nothing');
    for (const [err] of results) if (err) throw err;
    const [s, us] = results[0]![1] as [string, string];
    return snapshotOf(spec, Number(s) * 1000 + Math.floor(Number(us) / 1000), results[1]![1] as Record<string, string>, results[2]![1] as Record<string, string>);
  }

  /** Takes or renews the evaluator lease for `ms`; true while `holder` has it. */
  async lease(holder: string, ms: number): Promise<boolean> {
    return (await this.redis.breakerLease(this.keys.lease, holder, ms)) === 1;
  }

  /** Gives the lease up (only if held by `holder`), so another evaluator takes over at once. */
  async release(holder: string): Promise<void> {
    await this.redis.breakerRelease(this.keys.lease, holder);
  }

  /**
   * Writes a decision: only while `holder` has the lease and the position is still `expected`. Resolves with the new
   * transition number, or 'lease-lost' / 'changed'.
   */
  async transition(holder: string, name: string, expected: BreakerPosition, fields: Record<string, string | number>): Promise<number | 'lease-lost' | 'changed'> {
    const r = await this.redis.breakerTransition(this.keys.lease, this.keys.state(name), holder, expected, ...pairs(fields));
    return r === -1 ? 'lease-lost' : r === -2 ? 'changed' : r;
  }

  /**
   * Records what setting the switch of transition `seq` did: always in the stream; in the state only while `seq`
   * is the current transition. True when the state was updated.
   */
  async record(name: string, seq: number, fields: Record<string, string | number>, entry: Record<string, string | number>): Promise<boolean> {
    const f = pairs(fields);
    return (await this.redis.breakerRecord(this.keys.state(name), this.keys.flips, seq, FLIPS_KEPT, f.length, ...f, ...pairs(entry))) === 1;
  }

  /** Notes facts of the evaluator (last evaluation, probe answers) in the state. */
  async note(name: string, fields: Record<string, string | number>): Promise<void> {
    await this.redis.hset(this.keys.state(name), fields);
  }

  /** The newest entries of the flips stream, newest first. */
  async history(count = 50): Promise<FlipEntry[]> {
    if (count <= 0) return [];
    const entries = (await this.redis.xrevrange(this.keys.flips, '+', '-', 'COUNT', count)) ?? [];
    return entries.map(([id, flat]) => {
      const e: FlipEntry = { id };
      for (let i = 0; i + 1 < flat.length; i += 2) e[flat[i]!] = flat[i + 1]!;
      return e;
    });
  }
}
