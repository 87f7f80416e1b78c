import { optsEncodeMap } from 'bullmq';
import { addStandardJob } from 'bullmq/dist/cjs/scripts/addStandardJob-9.js';
import { Packr } from 'msgpackr';
import { FLOOD_HIT_LUA } from './flood.js';

/**
 * The keys of BullMQ's addStandardJob script, in its order (its header: wait, paused, meta, id, completed,
 * delayed, active, events stream, marker), as names of `queue.keys`. They are the batch script's KEYS: on a Redis
 * Cluster they route it, and every other key it touches carries the same hash tag.
 */
export const ENQUEUE_KEYS = ['wait', 'paused', 'meta', 'id', 'completed', 'delayed', 'active', 'events', 'marker'] as const;

/** Arguments per job after the five shared ones (see the script). */
export const ENQUEUE_ITEM_ARGS = 11;

/** A job's answer from the script: the first of its two replies (the second is the flood window's time left). */
export const ENQUEUE_CODES = { repeat: 0, created: 1, claimedRepeat: 2, floodLimited: 3 } as const;

/**
 * The batch enqueue: BullMQ's own addStandardJob script, wrapped as a function and called once per new job, so a
 * job added here is the job `queue.add` writes (hash, wait list, worker marker, `added`/`waiting` events) and
 * follows BullMQ through upgrades. Around it, per job in arrival order, the sender's flood limit and our dedupe:
 *
 *   over the sender's flood limit (the hit is counted)   → 3, with the window's time left: nothing else written.
 *   job exists, or an earlier job of this batch had its id → 0: a repeat; nothing written.
 *   no job, no marker                                      → 1: new. BullMQ's add, then the marker (SET EX) and
 *                                                             the conversation index entry.
 *   no job, marker present                                 → 2: a repeat whose first request claimed it and died
 *                                                             before adding it: BullMQ's add only.
 *   a negative number: BullMQ refused that job; nothing of it was written.
 *
 * Checking the job before the marker keeps a repeat recognised for as long as the job is retained, even after its
 * marker expired. The index drops entries older than its lifetime and all but the newest few, and lives as long
 * as its jobs. A job's writes come after its checks and none can fail on a well-formed key, so a job is written
 * whole or not at all; and Redis runs a script alone and persists its effects once it has run, so a Redis that
 * dies during a batch keeps none of it.
 *
 * KEYS: ENQUEUE_KEYS. ARGV: count, marker TTL (s), index TTL (s), index entries kept, job key prefix; then per job
 * (ENQUEUE_ITEM_ARGS): id, marker key, index key, reception (ms), "(" + oldest index score kept, BullMQ's three
 * arguments (packed args, data JSON, packed options), flood counter key ("" for none), its limit and window (ms).
 * Returns two numbers per job: its code and, for 3, the flood window's time left (ms).
 */
export function enqueueScript(): string {
  if (addStandardJob.keys !== ENQUEUE_KEYS.length) throw new Error(`BullMQ's addStandardJob takes ${addStandardJob.keys} keys, the batch script passes ${ENQUEUE_KEYS.length}`);
  return `
local function bullmqAddStandardJob(KEYS, ARGV)
${addStandardJob.content}
end
${FLOOD_HIT_LUA}
local n = tonumber(ARGV[1])
local markerTtl = ARGV[2]
local indexTtl = ARGV[3]
local indexKeep = tonumber(ARGV[4])
local jobPrefix = ARGV[5]
local results = {}
local seen = {}
for i = 1, n do
  local b = 5 + (i - 1) * ${ENQUEUE_ITEM_ARGS}
  local jobId = ARGV[b + 1]
  local code = ${ENQUEUE_CODES.repeat}
  local floodTtl = 0
  local limited = false
  if ARGV[b + 9] ~= '' then
    local current, ttl = floodHit(ARGV[b + 9], 1, tonumber(ARGV[b + 11]))
    if current > tonumber(ARGV[b + 10]) then
      limited = true
      code = ${ENQUEUE_CODES.floodLimited}
      floodTtl = ttl
    end
  end
  if not limited and not seen[jobId] and redis.call('EXISTS', jobPrefix .. jobId) == 0 then
    seen[jobId] = true
    local markerKey = ARGV[b + 2]
    local claimed = redis.call('EXISTS', markerKey) == 0
    local added = bullmqAddStandardJob(KEYS, { ARGV[b + 6], ARGV[b + 7], ARGV[b + 8] })
    if type(added) == 'number' and added < 0 then
      code = added
    elseif claimed then
      local indexKey = ARGV[b + 3]
      redis.call('SET', markerKey, '1', 'EX', markerTtl)
      -- Most conversations fail once: a new index has nothing to trim (two commands fewer per job).
      local size = redis.call('ZCARD', indexKey)
      redis.call('ZADD', indexKey, ARGV[b + 4], jobId)
      if size > 0 then
        redis.call('ZREMRANGEBYSCORE', indexKey, '-inf', ARGV[b + 5])
        if size >= indexKeep then redis.call('ZREMRANGEBYRANK', indexKey, 0, -1 - indexKeep) end
      end
      redis.call('EXPIRE', indexKey, indexTtl)
      code = ${ENQUEUE_CODES.created}
    else
      code = ${ENQUEUE_CODES.claimedRepeat}
    end
  end
  results[2 * i - 1] = code
  results[2 * i] = floodTtl
end
return results
`;
}

// As BullMQ packs them (its RedisQueueBackend): plain maps, undefined sent as nil.
const packer = new Packr({ useRecords: false, encodeUndefinedAsNil: true });

/**
 * BullMQ's first and third argument of addStandardJob for a job without parent, repeat or deduplication
 * (RedisQueueBackend.addJobToTransaction, optsAsJSON): [key prefix, id, name, timestamp, parent key, parent
 * dependencies key, parent, repeat job key, deduplication key, deferred parent release], and the options with
 * BullMQ's short names. Pure. `tests` compare what it writes with `queue.add`, field by field.
 */
export function standardJobArgs(keyPrefix: string, jobId: string, name: string, timestamp: number, opts: object): { packedArgs: Buffer; packedOpts: Buffer } {
  const encoded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(opts)) {
    if (value === undefined) continue;
    if (key === 'telemetry') throw new Error('telemetry options are not supported by the batch enqueue');
    encoded[(optsEncodeMap as Record<string, string>)[key] ?? key] = value;
  }
  return {
    packedArgs: packer.pack([keyPrefix, jobId, name, timestamp, null, null, undefined, undefined, null, null]),
    packedOpts: packer.pack(encoded),
  };
}
