import { describe, expect, it } from 'vitest';
import { DEV_API_KEY, planStack } from './plan.js';

describe('planStack', () => {
  it('runs the simulator, wires the worker to it and sets a dev key when no Genesys credentials are set', () => {
    const plan = planStack({});
    expect(plan.simulator?.url).toBe('http://127.0.0.1:8090');
    expect(plan.env).toMatchObject({
      GENESYS_API_URL: 'http://127.0.0.1:8090',
      GENESYS_LOGIN_URL: 'http://127.0.0.1:8090',
      GENESYS_CLIENT_ID: 'sim-client',
      INGRESS_API_KEYS: DEV_API_KEY,
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(plan.env['DEFAULT_QUEUE_ID']).toMatch(/^[0-9a-f-]{36}$/);
  });
  it('keeps a configured key and ports', () => {
    const plan = planStack({ INGRESS_API_KEYS: 'mine-0123456789abcdef', SIM_PORT: '9999', INGRESS_PORT: '7000' });
    expect(plan.env['INGRESS_API_KEYS']).toBe('mine-0123456789abcdef');
    expect(plan.apiKeyNotice).not.toContain('mine');
    expect(plan.simulator?.url).toBe('http://127.0.0.1:9999');
    expect(plan.ingressPort).toBe(7000);
  });
  it('passes the environment through untouched in live mode (no simulator, no dev key)', () => {
    const env = { GENESYS_CLIENT_ID: 'id', GENESYS_CLIENT_SECRET: 's', GENESYS_REGION: 'mypurecloud.ie' };
    const plan = planStack(env);
    expect(plan.simulator).toBeUndefined();
    expect(plan.env).toMatchObject(env);
    expect(plan.env['INGRESS_API_KEYS']).toBeUndefined();
    expect(plan.env['GENESYS_API_URL']).toBeUndefined();
  });
});
