import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { SEED } from '@fallback/genesys-sim';
import { assertRedisReachable, createRedis } from '@fallback/queue';
import { freePort, startPrivateRedis, startService, uniquePrefix, waitFor, type PrivateRedis, type ServiceProcess } from '@fallback/testing';

/**
 * Issue 11: a Redis password in REDIS_URL must never reach a log line or an error, on any path: a mistyped URL
 * (config), a wrong password (startup probe), a password changed under a running process (reconnects), and
 * ioredis' own errors (which carry `AUTH <password>` in `command.args`).
 */
const RIGHT = 'right-SECRET-pw-0123';
const WRONG = 'wrong-SECRET-pw-4567';

let redis: PrivateRedis | undefined;
let admin: Redis | undefined;
const services: ServiceProcess[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.kill('SIGKILL')));
  admin?.disconnect();
  await redis?.destroy();
  redis = undefined;
  admin = undefined;
});

/** A private redis-server that requires RIGHT (a private one: CONFIG SET is ours to use). */
async function passwordRedis(): Promise<PrivateRedis> {
  redis = await startPrivateRedis({ appendonly: true });
  admin = new Redis(redis.url);
  await admin.config('SET', 'requirepass', RIGHT);
  await admin.auth(RIGHT);
  return redis;
}

const ingressEnv = (url: string, port: number) => ({
  REDIS_URL: url,
  QUEUE_PREFIX: uniquePrefix('redis-pw'),
  INGRESS_HOST: '127.0.0.1',
  INGRESS_PORT: String(port),
  INGRESS_API_KEYS: 'redis-password-test-key-0123',
  DEFAULT_QUEUE_ID: SEED.fallbackQueue.id,
  LOG_LEVEL: 'debug',
});
const workerEnv = (url: string) => ({
  REDIS_URL: url,
  QUEUE_PREFIX: uniquePrefix('redis-pw'),
  GENESYS_API_URL: 'http://127.0.0.1:9',
  GENESYS_LOGIN_URL: 'http://127.0.0.1:9',
  GENESYS_CLIENT_ID: SEED.clientId,
  GENESYS_CLIENT_SECRET: SEED.clientSecret,
  LOG_LEVEL: 'debug',
});

const leaks = (lines: string[]) => lines.filter((l) => /SECRET|hunter2/.test(l));

describe('REDIS_URL passwords stay out of logs and errors', () => {
  it('a wrong password: the startup probe and ioredis status events name the problem, never the password', async () => {
    const r = await passwordRedis();
    const url = `redis://:${WRONG}@127.0.0.1:${r.port}`;
    const error = await assertRedisReachable(url, 2000).then(
      () => '',
      (err: Error) => err.message,
    );
    expect(error).toMatch(/WRONGPASS/);
    expect(error).toContain(`redis://:***@127.0.0.1:${r.port}`);
    expect(error).not.toContain(WRONG);

    const events: string[] = [];
    const conn = createRedis(url, { role: 'worker', name: 'redis-pw-test', onStatus: (s) => events.push(JSON.stringify(s)) });
    await waitFor(() => events.length > 0, { what: 'a status event' });
    conn.disconnect();
    expect(events[0]).toMatch(/"status":"down".*WRONGPASS/);
    expect(leaks(events)).toEqual([]);

    for (const [name, entry, env] of [
      ['ingress', 'apps/ingress/src/main.ts', ingressEnv(url, await freePort())],
      ['worker', 'apps/worker/src/main.ts', workerEnv(url)],
    ] as const) {
      const p = startService(`${name}-wrong-pw`, entry, env);
      services.push(p);
      const exit = await p.exited;
      expect(exit.code, p.lines.join('\n')).toBe(1);
      expect(p.lines.join('\n')).toMatch(/Redis is not answering at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ \(WRONGPASS/);
      expect(leaks(p.lines)).toEqual([]);
    }
  });

  it('a mistyped REDIS_URL stops the process with one line naming REDIS_URL, without the password', async () => {
    const p = startService('worker-bad-url', 'apps/worker/src/main.ts', workerEnv(`redis://ops:${WRONG.replace('-pw', '/pw')}@127.0.0.1:6379`));
    services.push(p);
    expect((await p.exited).code).toBe(1);
    expect(p.lines.join('\n')).toMatch(/REDIS_URL: is not a valid URL/);
    expect(leaks(p.lines)).toEqual([]);
  });

  it('the password changed under a running ingress and worker: their reconnect failures are logged without it', async () => {
    const r = await passwordRedis();
    const url = `redis://:${RIGHT}@127.0.0.1:${r.port}`;
    const port = await freePort();
    const ingress = startService('ingress-pw-change', 'apps/ingress/src/main.ts', ingressEnv(url, port));
    const worker = startService('worker-pw-change', 'apps/worker/src/main.ts', workerEnv(url));
    services.push(ingress, worker);
    await Promise.all([ingress.waitForLine(/ingress listening/), worker.waitForLine(/worker ready/)]);
    // Rotate the password and drop every connection: each reconnect now sends AUTH with the old one.
    await admin!.config('SET', 'requirepass', 'rotated-pw-89ab');
    await admin!.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await Promise.all([ingress.waitForLine(/Redis connection lost/), worker.waitForLine(/Redis connection lost/)]);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).not.toMatch(/SECRET/);
    // Several refused reconnects (Redis counts them in INFO errorstats), so each connection has failed at least once.
    const refused = async () => Number(/errorstat_WRONGPASS:count=(\d+)/.exec(await admin!.info('errorstats'))?.[1] ?? 0);
    await waitFor(async () => (await refused()) >= 12, { timeoutMs: 15_000, what: '12 refused reconnects' });
    await admin!.config('SET', 'requirepass', RIGHT);
    await Promise.all([ingress.waitForLine(/Redis connection restored/, 10_000), worker.waitForLine(/Redis connection restored/, 10_000)]);
    for (const p of [ingress, worker]) expect(leaks(p.lines), p.lines.join('\n')).toEqual([]);
  });
});
