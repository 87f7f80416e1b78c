/** `fallbackctl breaker` as an operator runs it: the real binary, on a real Redis, against breakers in Redis. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { BreakerStore, type BreakerSpec } from '@fallback/breaker';
import { deleteByPrefix, serviceArgs, uniquePrefix } from '@fallback/testing';

const GROUP = '9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4';
const specs: BreakerSpec[] = [
  { name: 'default', switch: { kind: 'emergencyGroup', groupId: GROUP }, threshold: 20, windowMs: 60_000, recoverMs: 300_000 },
  { name: 'billing-bot', switch: { kind: 'datatableRow', datatableId: GROUP, rowId: 'billing', field: 'enabled' }, threshold: 5, windowMs: 60_000, recoverMs: 300_000, probeUrl: 'http://bot.example.com/health', match: { flows: ['billing'] } },
];

describe('fallbackctl breaker', () => {
  const redisUrl = inject('redisUrl');
  const prefix = uniquePrefix('ctl-breaker');
  let redis: Redis;
  const ctl = async (args: string[], p = prefix) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [...serviceArgs('apps/ctl/src/main.ts'), ...args], { env: { ...process.env, REDIS_URL: redisUrl, QUEUE_PREFIX: p }, encoding: 'utf8' });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  beforeAll(async () => {
    redis = new Redis(redisUrl);
    const store = new BreakerStore(redis, prefix);
    await store.register(specs);
    for (let i = 0; i < 3; i += 1) await store.count([specs[0]!]);
    await store.force('billing-bot', 'open', 'person:ops', 'vendor incident 42');
  });
  afterAll(async () => {
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
  });

  it('shows every registered breaker and the recent history (text and --json)', async () => {
    const text = await ctl(['breaker']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('default: CLOSED');
    expect(text.stdout).toMatch(/failures\s+3 of 20 in 60s \(total 3, last \d+s ago\)/);
    expect(text.stdout).toContain(`switch      emergency group ${GROUP}`);
    expect(text.stdout).toContain('billing-bot: CLOSED (held open by person:ops: vendor incident 42)');
    expect(text.stdout).toContain('evaluated   never (is a worker running with this breaker?)');
    expect(text.stdout).toMatch(/recent:\n {2}\d+s ago {2}billing-bot {2}held open by person:ops: vendor incident 42/);
    const json = await ctl(['breaker', 'billing-bot', '--json']);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc.breakers).toHaveLength(1);
    expect(doc.breakers[0]).toMatchObject({ name: 'billing-bot', state: 'closed', mode: 'open', forced: { by: 'person:ops' }, probe: { url: 'http://bot.example.com/health' } });
    expect(doc.history).toHaveLength(1);
  });

  it('says so (exit 1) when no breaker is registered, or the name is unknown; a bad --history is a usage error', async () => {
    expect(await ctl(['breaker'], uniquePrefix('ctl-none'))).toMatchObject({ code: 1, stdout: expect.stringContaining('no outage breaker is configured') });
    expect(await ctl(['breaker', 'nope'])).toMatchObject({ code: 1, stdout: 'no breaker nope\n' });
    expect(await ctl(['breaker', '--history', '5000'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--history must be a whole number') });
  });
});
