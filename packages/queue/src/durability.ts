import type { Cluster, Redis } from 'ioredis';

/**
 * Does the Redis we were given keep what we acknowledge? The ingress answers 202 once a job is in Redis, so a
 * Redis without AOF loses every queued fallback on a restart, and one with an evicting `maxmemory-policy`
 * deletes jobs and dedupe markers silently under memory pressure (BullMQ's own check only prints a console
 * warning). Read at startup from INFO (which managed Redis services allow) and, for what INFO does not show,
 * CONFIG GET (which they often refuse); whatever neither answers is reported as unchecked rather than guessed.
 */

/** The persistence and eviction settings of one Redis node, as far as it would tell. */
export interface NodeDurability {
  /** host:port of the node. */
  node: string;
  /** AOF on (`appendonly yes`); undefined when it could not be read. */
  aof?: boolean;
  maxmemoryPolicy?: string;
  /** `maxmemory` in bytes; 0 = no limit. */
  maxmemoryBytes?: number;
  /** Settings that could not be read, each with why (`appendonly: INFO … refused; CONFIG GET … refused`). */
  unchecked: string[];
}

/** Redis' memory use against its limit, for the metrics. */
export interface RedisMemory {
  node: string;
  usedBytes: number;
  /** 0 when no `maxmemory` is set. */
  maxBytes: number;
}

/** The fields of an INFO reply (`key:value` lines; `# Section` headers and blanks skipped). Pure. */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return fields;
}

/** What to do about the nodes' settings. Pure. */
export interface DurabilityVerdict {
  /** Each a line naming the node, the setting, what it risks and the fix. */
  problems: string[];
  /** Worth saying, never a reason to refuse (`maxmemory` unset). */
  advice: string[];
  /** The lines to refuse to start with (REDIS_REQUIRE_DURABLE=true and anything wrong or unverifiable), else undefined. */
  refuse?: string[];
}

/**
 * Judges the settings: AOF must be on and the policy `noeviction`; anything unreadable counts as unverified.
 * With `requireDurable`, any of those refuses the start; otherwise they are warnings. A missing `maxmemory` is
 * advice only: nothing is evicted, but Redis grows until the kernel kills it.
 */
export function durabilityVerdict(nodes: NodeDurability[], requireDurable: boolean): DurabilityVerdict {
  const problems: string[] = [];
  const advice: string[] = [];
  for (const n of nodes) {
    const at = nodes.length > 1 ? ` on ${n.node}` : '';
    if (n.aof === false)
      problems.push(`appendonly is no${at}: a Redis restart loses every acknowledged fallback since the last snapshot; set appendonly yes (appendfsync everysec)`);
    if (n.maxmemoryPolicy !== undefined && n.maxmemoryPolicy !== 'noeviction')
      problems.push(`maxmemory-policy is ${n.maxmemoryPolicy}${at}: under memory pressure Redis deletes queued jobs and dedupe markers without a word; set maxmemory-policy noeviction`);
    for (const u of n.unchecked) problems.push(`could not verify ${u}${at}`);
    if (n.maxmemoryBytes === 0)
      advice.push(`maxmemory is not set${at}: noeviction never engages and Redis grows until the kernel kills it; set maxmemory (README: Redis sizing)`);
  }
  return { problems, advice, ...(requireDurable && problems.length > 0 ? { refuse: problems } : {}) };
}

const messageOf = (err: unknown) => (err as Error)?.message?.split('\n')[0] ?? String(err);

/** One node's settings: INFO first, CONFIG GET for what INFO did not say, unchecked for what neither did. */
async function readNode(redis: Redis): Promise<NodeDurability> {
  const node = `${redis.options.host ?? '?'}:${redis.options.port ?? '?'}`;
  const fields: Record<string, string> = {};
  const infoErrors: Record<string, string> = {};
  for (const section of ['persistence', 'memory']) {
    try {
      Object.assign(fields, parseInfo(await redis.info(section)));
    } catch (err) {
      infoErrors[section] = messageOf(err);
    }
  }
  /** INFO's field, else CONFIG GET's value, else the reasons both failed. */
  const read = async (field: string, section: string, setting: string): Promise<string | { unchecked: string }> => {
    if (fields[field] !== undefined) return fields[field]!;
    try {
      const [, value] = (await redis.config('GET', setting)) as string[];
      if (value !== undefined) return value;
      throw new Error('no such setting');
    } catch (err) {
      const info = infoErrors[section] ? `INFO ${section} refused (${infoErrors[section]})` : `INFO ${section} has no ${field}`;
      return { unchecked: `${setting}: ${info}; CONFIG GET refused (${messageOf(err)})` };
    }
  };
  const unchecked: string[] = [];
  const aof = await read('aof_enabled', 'persistence', 'appendonly');
  const policy = await read('maxmemory_policy', 'memory', 'maxmemory-policy');
  const max = await read('maxmemory', 'memory', 'maxmemory');
  for (const v of [aof, policy]) if (typeof v !== 'string') unchecked.push(v.unchecked);
  return {
    node,
    ...(typeof aof === 'string' ? { aof: aof === '1' || aof === 'yes' } : {}),
    ...(typeof policy === 'string' ? { maxmemoryPolicy: policy } : {}),
    ...(typeof max === 'string' && /^\d+$/.test(max) ? { maxmemoryBytes: Number(max) } : {}),
    unchecked,
  };
}

/** The Redis instances behind a connection: itself, or every node of a Cluster (a replica may be promoted). */
function nodesOf(redis: Redis): Redis[] {
  const cluster = redis as unknown as Cluster & { isCluster?: boolean };
  return cluster.isCluster ? cluster.nodes('all') : [redis];
}

/** Reads the persistence and eviction settings of every node behind a ready connection. */
export async function readRedisDurability(redis: Redis): Promise<NodeDurability[]> {
  return Promise.all(nodesOf(redis).map(readNode));
}

/** Redis would not keep acknowledged fallbacks safe and REDIS_REQUIRE_DURABLE=true. One line per problem. */
export class RedisNotDurableError extends Error {
  override readonly name = 'RedisNotDurableError';
  constructor(readonly problems: string[]) {
    super(
      `Redis does not keep acknowledged fallbacks safe, and REDIS_REQUIRE_DURABLE=true refuses to start on it:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        '  (fix the Redis, or unset REDIS_REQUIRE_DURABLE to start with a warning)',
    );
  }
}

/**
 * The startup check of ingress and worker: reads the settings, warns once per problem (loudly: each line says
 * what can be lost), and throws RedisNotDurableError instead when `requireDurable` is set.
 */
export async function checkRedisDurability(
  redis: Redis,
  opts: { requireDurable: boolean; warn: (line: string) => void },
): Promise<DurabilityVerdict> {
  const nodes = await readRedisDurability(redis);
  const verdict = durabilityVerdict(nodes, opts.requireDurable);
  if (verdict.refuse) throw new RedisNotDurableError(verdict.refuse);
  for (const line of verdict.problems) opts.warn(`Redis may lose acknowledged fallbacks (REDIS_REQUIRE_DURABLE=true would refuse to start): ${line}`);
  for (const line of verdict.advice) opts.warn(`Redis: ${line}`);
  return verdict;
}

/** used_memory and maxmemory of every node behind a connection (INFO memory), for the metrics. */
export async function readRedisMemory(redis: Redis): Promise<RedisMemory[]> {
  return Promise.all(
    nodesOf(redis).map(async (node) => {
      const f = parseInfo(await node.info('memory'));
      return { node: `${node.options.host ?? '?'}:${node.options.port ?? '?'}`, usedBytes: Number(f['used_memory'] ?? 0), maxBytes: Number(f['maxmemory'] ?? 0) };
    }),
  );
}
