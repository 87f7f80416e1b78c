import { optsEncodeMap } from 'bullmq';
import { FLOOD_HIT_LUA } from './flood.js';

/**
 * The queue keys the batch script writes, as names of `queue.keys`: they are its KEYS, so on a Redis Cluster they
 * route it; every other key it touches (jobs, markers, indexes, flood counters) carries the same hash tag.
 */
export const ENQUEUE_KEYS = ['wait', 'meta', 'id', 'active', 'events', 'marker'] as const;

/** Arguments per job after the six shared ones (see the script). */
export const ENQUEUE_ITEM_ARGS = 11;

/** A job's answer from the script: the first of its two replies (the second is the flood window's time left). */
export const ENQUEUE_CODES = { repeat: 0, created: 1, claimedRepeat: 2, floodLimited: 3 } as const;

/**
 * The batch enqueue. Per job, in arrival order, the sender's flood limit, our dedupe, and BullMQ's add:
 *
 *   over the sender's flood limit (the hit is counted)   → 3, with the window's time left: nothing else written.
 *   job exists, or an earlier job of this batch had its id → 0: a repeat; nothing written.
 *   no job, no marker                                      → 1: new. The job, then the marker (SET EX) and the
 *                                                             conversation index entry.
 *   no job, marker present                                 → 2: a repeat whose first request claimed it and never
 *                                                             added it (or whose job was removed): the job only.
 *
 * The job is written as BullMQ 6's addStandardJob writes a job without delay, priority, parent or deduplication
 * (its storeJob and addJobInTargetList): the hash (name, data, opts, timestamp, delay, priority), an `added`
 * event, the id pushed on the wait list, a `waiting` event trimmed to the queue's event bound, the worker marker
 * unless the queue is paused or at its concurrency, and the id counter counting the add. What BullMQ reads per
 * add (the event bound, paused, concurrency) is read once per batch: nothing else runs while a script does.
 * producer.int.test.ts compares the keys this leaves with those queue.add leaves for the same job, field by field,
 * so a BullMQ upgrade that changes its layout fails a test before it reaches a worker.
 *
 * Checking the job before the marker keeps a repeat recognised for as long as the job is retained, even after its
 * marker expired. The index drops entries older than its lifetime and all but the newest few, and lives as long
 * as its jobs. A job's writes come after its checks and none can fail on a well-formed key, so a job is written
 * whole or not at all; and Redis runs a script alone and persists its effects once it has run, so a Redis that
 * dies during a batch keeps none of it.
 *
 * KEYS: ENQUEUE_KEYS. ARGV: count, marker TTL (s), index TTL (s), index entries kept, job key prefix, job name;
 * then per job (ENQUEUE_ITEM_ARGS): id, marker key, index key, reception (ms), "(" + oldest index score kept,
 * data JSON, options JSON, timestamp (ms), flood counter key ("" for none), its limit and window (ms).
 * Returns two numbers per job: its code and, for 3, the flood window's time left (ms).
 */
export function enqueueScript(): string {
  return `${FLOOD_HIT_LUA}
local waitKey, metaKey, idKey, activeKey, eventsKey, markerKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local n = tonumber(ARGV[1])
local markerTtl = ARGV[2]
local indexTtl = ARGV[3]
local indexKeep = tonumber(ARGV[4])
local jobPrefix = ARGV[5]
local jobName = ARGV[6]

-- BullMQ's getOrSetMaxEvents and isQueuePausedOrMaxed, once for the batch.
local maxEvents = redis.call('HGET', metaKey, 'opts.maxLenEvents')
if not maxEvents then
  maxEvents = 10000
  redis.call('HSET', metaKey, 'opts.maxLenEvents', maxEvents)
end
local queueAttributes = redis.call('HMGET', metaKey, 'paused', 'concurrency')
local pausedOrMaxed = queueAttributes[1] and true or false
if not pausedOrMaxed and queueAttributes[2] then
  pausedOrMaxed = redis.call('LLEN', activeKey) >= tonumber(queueAttributes[2])
end

local results = {}
local seen = {}
local added = 0
for i = 1, n do
  local b = 6 + (i - 1) * ${ENQUEUE_ITEM_ARGS}
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
  local jobKey = jobPrefix .. jobId
  if not limited and not seen[jobId] and redis.call('EXISTS', jobKey) == 0 then
    seen[jobId] = true
    local dedupeMarker = ARGV[b + 2]
    local claimed = redis.call('EXISTS', dedupeMarker) == 0
    redis.call('HSET', jobKey, 'name', jobName, 'data', ARGV[b + 6], 'opts', ARGV[b + 7], 'timestamp', ARGV[b + 8], 'delay', 0, 'priority', 0)
    redis.call('XADD', eventsKey, '*', 'event', 'added', 'jobId', jobId, 'name', jobName)
    redis.call('LPUSH', waitKey, jobId)
    redis.call('XADD', eventsKey, 'MAXLEN', '~', maxEvents, '*', 'event', 'waiting', 'jobId', jobId)
    added = added + 1
    if claimed then
      local indexKey = ARGV[b + 3]
      redis.call('SET', dedupeMarker, '1', 'EX', markerTtl)
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
if added > 0 then
  -- BullMQ counts every add in the id key, custom ids included; and wakes a worker through the marker.
  redis.call('INCRBY', idKey, added)
  if not pausedOrMaxed then redis.call('ZADD', markerKey, 0, '0') end
end
return results
`;
}

/**
 * A job's options as BullMQ stores them (optsAsJSON: undefined left out, a few long names shortened), as JSON.
 * Pure. Telemetry options, which BullMQ splits up, are not used here and refused.
 */
export function storedOpts(opts: object): string {
  const encoded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(opts)) {
    if (value === undefined) continue;
    if (key === 'telemetry') throw new Error('telemetry options are not supported by the batch enqueue');
    encoded[(optsEncodeMap as Record<string, string>)[key] ?? key] = value;
  }
  return JSON.stringify(encoded);
}
