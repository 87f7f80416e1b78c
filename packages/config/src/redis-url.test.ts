import { describe, expect, it } from 'vitest';
import { loadIngressConfig, loadWorkerConfig } from './index.js';

const ingressEnv = { INGRESS_API_KEYS: 'a-key-of-16-chars-or-more', DEFAULT_QUEUE_ID: '6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b' };
const workerEnv = { GENESYS_CLIENT_ID: 'id', GENESYS_CLIENT_SECRET: 'very-secret-value' };

/** The configuration error for `env`, or '' when it loads. */
function problemOf(load: () => unknown): string {
  try {
    load();
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('REDIS_URL at startup', () => {
  it('refuses what ioredis would choke on, one line naming REDIS_URL, never quoting the password', () => {
    const cases: [string, RegExp][] = [
      ['http://ops:hunter2-SECRET@redis:6379', /REDIS_URL: must start with redis:\/\/.*\(got "http:\/\/ops:\*\*\*@redis:6379"\)/],
      ['redis://ops:hunter2/-SECRET@redis:6379', /REDIS_URL: is not a valid URL/],
      ['redis://ops:hunter2%-SECRET@redis:6379', /REDIS_URL: the user name or password has a malformed %-escape/],
      ['redis://:hunter2-SECRET@redis:6379/zero', /REDIS_URL: the path must be a database number/],
      ['redis+cluster://ops:hunter2-SECRET@a:1,b:x', /REDIS_URL: cannot read cluster node "b:x"/],
    ];
    for (const [url, expected] of cases)
      for (const load of [() => loadIngressConfig({ ...ingressEnv, REDIS_URL: url }), () => loadWorkerConfig({ ...workerEnv, REDIS_URL: url })]) {
        const message = problemOf(load);
        expect(message, url).toMatch(expected);
        expect(message, url).not.toMatch(/hunter2|SECRET/);
      }
  });

  it('takes the forms the README documents', () => {
    for (const url of ['redis://127.0.0.1:6379', 'rediss://ops:p%40ss@redis.example.com:6380/2', 'redis+cluster://ops:pw@10.0.0.1:7000,10.0.0.2:7000'])
      expect(loadWorkerConfig({ ...workerEnv, REDIS_URL: url }).redisUrl).toBe(url);
  });
});
