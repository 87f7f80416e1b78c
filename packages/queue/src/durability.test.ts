import { describe, expect, it } from 'vitest';
import { durabilityVerdict, parseInfo, type NodeDurability } from './durability.js';

describe('parseInfo', () => {
  it('reads key:value lines of a real INFO reply, skipping section headers', () => {
    const text = '# Persistence\r\nloading:0\r\naof_enabled:1\r\naof_rewrite_in_progress:0\r\n\r\n# Memory\r\nused_memory:1056864\r\nmaxmemory:536870912\r\nmaxmemory_policy:noeviction\r\n';
    expect(parseInfo(text)).toEqual({
      loading: '0',
      aof_enabled: '1',
      aof_rewrite_in_progress: '0',
      used_memory: '1056864',
      maxmemory: '536870912',
      maxmemory_policy: 'noeviction',
    });
  });
});

const node = (n: Partial<NodeDurability>): NodeDurability => ({ node: '10.0.0.1:6379', aof: true, maxmemoryPolicy: 'noeviction', maxmemoryBytes: 1 << 30, unchecked: [], ...n });

describe('durabilityVerdict', () => {
  const rows: { what: string; nodes: NodeDurability[]; problems: RegExp[]; advice?: RegExp[] }[] = [
    { what: 'AOF on, noeviction, a maxmemory: nothing to say', nodes: [node({})], problems: [] },
    { what: 'AOF off', nodes: [node({ aof: false })], problems: [/^appendonly is no: a Redis restart loses every acknowledged fallback.*set appendonly yes/] },
    { what: 'an evicting policy', nodes: [node({ maxmemoryPolicy: 'allkeys-lru' })], problems: [/^maxmemory-policy is allkeys-lru: .*deletes queued jobs.*set maxmemory-policy noeviction/] },
    { what: 'volatile-ttl evicts our TTL’d dedupe markers and claims', nodes: [node({ maxmemoryPolicy: 'volatile-ttl' })], problems: [/volatile-ttl/] },
    { what: 'both wrong', nodes: [node({ aof: false, maxmemoryPolicy: 'allkeys-random' })], problems: [/appendonly is no/, /allkeys-random/] },
    {
      what: 'unreadable settings are unverified, not assumed fine',
      nodes: [node({ aof: undefined, maxmemoryPolicy: undefined, unchecked: ['appendonly: INFO persistence refused (…); CONFIG GET refused (…)'] })],
      problems: [/^could not verify appendonly: INFO persistence refused/],
    },
    { what: 'no maxmemory is advice only', nodes: [node({ maxmemoryBytes: 0 })], problems: [], advice: [/^maxmemory is not set: noeviction never engages/] },
    {
      what: 'a cluster names the node',
      nodes: [node({}), node({ node: '10.0.0.2:6379', aof: false })],
      problems: [/^appendonly is no on 10\.0\.0\.2:6379:/],
    },
  ];
  for (const row of rows)
    it(row.what, () => {
      const warn = durabilityVerdict(row.nodes, false);
      expect(warn.problems).toHaveLength(row.problems.length);
      row.problems.forEach((re, i) => expect(warn.problems[i]).toMatch(re));
      expect(warn.advice).toHaveLength(row.advice?.length ?? 0);
      row.advice?.forEach((re, i) => expect(warn.advice[i]).toMatch(re));
      expect(warn.refuse).toBeUndefined();
      // REDIS_REQUIRE_DURABLE=true refuses exactly when there is a problem; advice never refuses.
      expect(durabilityVerdict(row.nodes, true).refuse).toEqual(row.problems.length > 0 ? warn.problems : undefined);
    });
});
