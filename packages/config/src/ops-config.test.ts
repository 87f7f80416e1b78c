import { describe, expect, it } from 'vitest';
import { loadIngressConfig, loadWorkerConfig } from './index.js';

const ingressEnv = { INGRESS_API_KEYS: 'a-key-of-16-chars-or-more', DEFAULT_QUEUE_ID: '6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b' };
const workerEnv = { GENESYS_CLIENT_ID: 'id', GENESYS_CLIENT_SECRET: 'very-secret-value' };

describe('operations settings', () => {
  it('keeps the dashboard off unless asked, and never opens it without a real password', () => {
    expect(loadIngressConfig(ingressEnv).admin).toEqual({ mode: 'off', username: 'admin' });
    expect(() => loadIngressConfig({ ...ingressEnv, ADMIN_DASHBOARD: 'operate' })).toThrow(/ADMIN_PASSWORD: required/);
    let message = '';
    try {
      loadIngressConfig({ ...ingressEnv, ADMIN_DASHBOARD: 'read-only', ADMIN_PASSWORD: 'short-pw' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/ADMIN_PASSWORD/);
    expect(message).not.toContain('short-pw');
    expect(() => loadIngressConfig({ ...ingressEnv, ADMIN_DASHBOARD: 'rw' })).toThrow(/ADMIN_DASHBOARD/);
    expect(loadIngressConfig({ ...ingressEnv, ADMIN_DASHBOARD: 'operate', ADMIN_USERNAME: 'ops', ADMIN_PASSWORD: 'long-enough-password' }).admin).toEqual({
      mode: 'operate',
      username: 'ops',
      password: 'long-enough-password',
    });
  });
  it('serves worker health and metrics on 9091 by default; 0 turns the server off', () => {
    expect(loadWorkerConfig(workerEnv).http).toEqual({ host: '0.0.0.0', port: 9091 });
    expect(loadWorkerConfig({ ...workerEnv, WORKER_HTTP_PORT: '0' }).http.port).toBe(0);
  });
  it('accepts a Redis Cluster URL with several seed nodes', () => {
    expect(loadWorkerConfig({ ...workerEnv, REDIS_URL: 'redis+cluster://10.0.0.1:7000,10.0.0.2:7000' }).redisUrl).toBe('redis+cluster://10.0.0.1:7000,10.0.0.2:7000');
    expect(() => loadWorkerConfig({ ...workerEnv, REDIS_URL: 'http://x' })).toThrow(/redis\+cluster/);
  });
});
