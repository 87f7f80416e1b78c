import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startPrivateRedis, type PrivateRedis } from '@fallback/testing';
import { checkRedisDurability, readRedisDurability, readRedisMemory, RedisNotDurableError } from './durability.js';

/** Reading a real redis-server's settings, including one that refuses CONFIG (as managed services do) or INFO. */
let server: PrivateRedis | undefined;
let redis: Redis | undefined;
afterEach(async () => {
  redis?.disconnect();
  await server?.destroy();
  server = redis = undefined;
});

async function connect(opts: Parameters<typeof startPrivateRedis>[0]): Promise<Redis> {
  server = await startPrivateRedis(opts);
  // ioredis' ready check sends INFO: off, so the INFO-less servers below can be read at all. (Our services keep
  // it on, as BullMQ needs INFO too: a Redis that refuses INFO is one they cannot use, whatever this check says.)
  redis = new Redis(server.url, { enableReadyCheck: false });
  return redis;
}

describe('Redis durability at startup (private redis-server)', () => {
  it('reads AOF, policy and maxmemory from INFO on a durable Redis: nothing to warn about', async () => {
    const r = await connect({ args: ['--maxmemory', '64mb'] });
    const [node] = await readRedisDurability(r);
    expect(node).toEqual({ node: `127.0.0.1:${server!.port}`, aof: true, maxmemoryPolicy: 'noeviction', maxmemoryBytes: 64 * 1024 * 1024, unchecked: [] });
    const warned: string[] = [];
    const verdict = await checkRedisDurability(r, { requireDurable: true, warn: (l) => warned.push(l) });
    expect(verdict.problems).toEqual([]);
    expect(warned).toEqual([]);
    const [memory] = await readRedisMemory(r);
    expect(memory!.maxBytes).toBe(64 * 1024 * 1024);
    expect(memory!.usedBytes).toBeGreaterThan(100_000);
  });

  it('appendonly no: a loud warning, or a refusal with REDIS_REQUIRE_DURABLE', async () => {
    const r = await connect({ appendonly: false });
    const warned: string[] = [];
    await checkRedisDurability(r, { requireDurable: false, warn: (l) => warned.push(l) });
    expect(warned).toEqual([
      expect.stringMatching(/^Redis may lose acknowledged fallbacks .*appendonly is no/),
      expect.stringMatching(/^Redis: maxmemory is not set/),
    ]);
    const refused = await checkRedisDurability(r, { requireDurable: true, warn: () => undefined }).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(RedisNotDurableError);
    expect((refused as Error).message.split('\n')).toEqual([
      expect.stringMatching(/REDIS_REQUIRE_DURABLE=true refuses/),
      expect.stringMatching(/^ {2}- appendonly is no: /),
      expect.stringMatching(/unset REDIS_REQUIRE_DURABLE/),
    ]);
  });

  it('maxmemory-policy allkeys-lru: named, refused with REDIS_REQUIRE_DURABLE', async () => {
    const r = await connect({ args: ['--maxmemory-policy', 'allkeys-lru', '--maxmemory', '64mb'] });
    const [node] = await readRedisDurability(r);
    expect(node).toMatchObject({ aof: true, maxmemoryPolicy: 'allkeys-lru' });
    await expect(checkRedisDurability(r, { requireDurable: true, warn: () => undefined })).rejects.toThrow(/maxmemory-policy is allkeys-lru/);
  });

  it('CONFIG refused (managed Redis): INFO alone answers everything', async () => {
    const r = await connect({ args: ['--rename-command', 'CONFIG', ''] });
    await expect(r.config('GET', 'appendonly')).rejects.toThrow(/unknown command/);
    expect((await readRedisDurability(r))[0]).toMatchObject({ aof: true, maxmemoryPolicy: 'noeviction', unchecked: [] });
  });

  it('INFO refused: CONFIG GET answers; both refused: each setting is named as unverified, never assumed', async () => {
    const noInfo = await connect({ appendonly: false, args: ['--rename-command', 'INFO', ''] });
    expect((await readRedisDurability(noInfo))[0]).toMatchObject({ aof: false, maxmemoryPolicy: 'noeviction', maxmemoryBytes: 0, unchecked: [] });
    noInfo.disconnect();
    await server!.destroy();

    const neither = await connect({ args: ['--rename-command', 'INFO', '', '--rename-command', 'CONFIG', ''] });
    const [node] = await readRedisDurability(neither);
    expect(node!.aof).toBeUndefined();
    expect(node!.unchecked).toEqual([
      expect.stringMatching(/^appendonly: INFO persistence refused \(.*unknown command.*\); CONFIG GET refused \(.*unknown command/),
      expect.stringMatching(/^maxmemory-policy: INFO memory refused/),
    ]);
    const warned: string[] = [];
    await checkRedisDurability(neither, { requireDurable: false, warn: (l) => warned.push(l) });
    expect(warned.join('\n')).toMatch(/could not verify appendonly[\s\S]*could not verify maxmemory-policy/);
    await expect(checkRedisDurability(neither, { requireDurable: true, warn: () => undefined })).rejects.toThrow(/could not verify appendonly/);
  });
});
