import { describe, expect, it } from 'vitest';
import { parseClusterUrl, redactRedisUrl } from './connection.js';

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
  });
  it('never shows a password in the redacted form', () => {
    expect(redactRedisUrl('redis+cluster://ops:hunter2@a:1,b:2')).toBe('redis+cluster://ops:***@a:1,b:2');
    expect(redactRedisUrl('redis+cluster://a:1,b:2')).toBe('redis+cluster://a:1,b:2');
    expect(redactRedisUrl('redis://:hunter2@h:6379')).not.toContain('hunter2');
  });
});
