import { describe, expect, it } from 'vitest';
import { parseClusterUrl, redactUrlPassword, redisUrlProblem, scrubUrlPassword } from './redis-url.js';

describe('Redis Cluster URLs', () => {
  it('reads seed nodes, credentials and TLS from redis+cluster:// and leaves redis:// alone', () => {
    expect(parseClusterUrl('redis://127.0.0.1:6379')).toBeUndefined();
    expect(parseClusterUrl('redis+cluster://10.0.0.1:7000, 10.0.0.2:7001,redis-3')).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: 'redis-3', port: 6379 },
      ],
      tls: false,
    });
    expect(parseClusterUrl('rediss+cluster://ops:p%40ss:word@[::1]:7000/')).toEqual({
      nodes: [{ host: '::1', port: 7000 }],
      username: 'ops',
      password: 'p@ss:word',
      tls: true,
    });
    expect(() => parseClusterUrl('redis+cluster://')).toThrow(/at least one host:port/);
    expect(() => parseClusterUrl('redis+cluster://a:b:c')).toThrow(/cannot read cluster node/);
    expect(() => parseClusterUrl('redis+cluster://a:99999')).toThrow(/cannot read cluster node/);
  });
});

/** Mistyped and odd URLs, each with the password `hunter2-SECRET` somewhere in it. */
const SECRET = 'hunter2-SECRET';
const LEAKY = [
  `redis://:${SECRET}@redis:6379`,
  `redis://ops:${SECRET}@redis:6379/0`,
  `rediss://ops:${SECRET}@redis.example.com:6380`,
  `http://ops:${SECRET}@redis:6379`,
  `redis://ops:hunter2/-SECRET@redis:6379`,
  `redis://ops:hunter2#-SECRET@redis:6379`,
  `redis://ops:hunter2@-SECRET@redis:6379`,
  `redis://ops:hunter2?-SECRET@redis:6379`,
  `redis://ops:hunter2%-SECRET@redis:6379`,
  `redis://:${SECRET}@redis:99999`,
  `redis://:${SECRET}@redis:6379/zero`,
  `redis://redis:6379/0?password=${SECRET}`,
  `redis+cluster://ops:${SECRET}@a:1,b:2`,
  `redis+cluster://ops:${SECRET}@a:1,b:x`,
  `rediss+cluster://ops:hunter2%zz-SECRET@a:1`,
];
const pieces = (url: string) => (/hunter2.?-SECRET/.exec(url)?.[0] ?? SECRET).split(/[^A-Za-z0-9]+/).filter((p) => p.length >= 6);

describe('REDIS_URL passwords never leave', () => {
  it('the redacted form keeps the rest readable', () => {
    expect(redactUrlPassword('redis+cluster://ops:hunter2@a:1,b:2')).toBe('redis+cluster://ops:***@a:1,b:2');
    expect(redactUrlPassword('redis+cluster://a:1,b:2')).toBe('redis+cluster://a:1,b:2');
    expect(redactUrlPassword('redis://:hunter2@h:6379')).toBe('redis://:***@h:6379');
    expect(redactUrlPassword('redis://ops@h:6379/2')).toBe('redis://ops@h:6379/2');
    expect(redactUrlPassword('redis://h:6379/0?password=x&family=6')).toBe('redis://h:6379/0?password=***&family=6');
  });

  it('no piece of the password survives redaction, scrubbing, or the startup check, whatever the typo', () => {
    for (const url of LEAKY) {
      const shown = [redactUrlPassword(url), scrubUrlPassword(`could not connect to ${url} (${url.slice(8)})`, url), redisUrlProblem(url) ?? ''];
      for (const text of shown) for (const piece of pieces(url)) expect(text, `${url} → ${text}`).not.toContain(piece);
    }
  });

  it('the startup check refuses what ioredis would choke on, naming what to fix', () => {
    expect(redisUrlProblem('redis://127.0.0.1:6379')).toBeUndefined();
    expect(redisUrlProblem('rediss://ops:p%2Fss@redis.example.com:6380/3')).toBeUndefined();
    expect(redisUrlProblem('redis+cluster://ops:pw@a:7000,b:7001')).toBeUndefined();
    expect(redisUrlProblem('http://h:6379')).toMatch(/must start with redis:\/\//);
    expect(redisUrlProblem('redis://ops:a/b@h:6379')).toMatch(/not a valid URL.*%2F/);
    expect(redisUrlProblem('redis://ops:a%zz@h:6379')).toMatch(/malformed %-escape/);
    expect(redisUrlProblem('redis://h:6379/zero')).toMatch(/database number/);
    expect(redisUrlProblem('redis+cluster://a:1,b:x')).toMatch(/cannot read cluster node "b:x"/);
  });
});
