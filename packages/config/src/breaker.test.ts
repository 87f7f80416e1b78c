import { describe, expect, it } from 'vitest';
import { ConfigError, loadIngressConfig, loadWorkerConfig } from './index.js';

const ingressEnv = { INGRESS_API_KEYS: 'a-key-of-16-chars-or-more', DEFAULT_QUEUE_ID: '6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b' };
const workerEnv = { GENESYS_CLIENT_ID: 'id', GENESYS_CLIENT_SECRET: 'very-secret-value' };
const GROUP = '9E8D7C6B-5A49-4382-B1A0-F9E8D7C6B5A4';
const TABLE = '5d4c3b2a-1908-4f7e-8d6c-5b4a39281706';

const problems = (load: () => unknown): string[] => {
  try {
    load();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('accepted');
};

describe('the outage breaker settings (ingress and worker read the same)', () => {
  it('is off without a switch; the defaults are what named breakers inherit', () => {
    for (const config of [loadIngressConfig(ingressEnv), loadWorkerConfig(workerEnv)])
      expect(config.breaker).toEqual({ threshold: 20, windowMs: 60_000, recoverMs: 300_000 });
  });

  it('an emergency group, or a data-table row field, with its numbers and probe', () => {
    const env = { BREAKER_EMERGENCY_GROUP_ID: GROUP, BREAKER_THRESHOLD: '50', BREAKER_WINDOW_SECONDS: '30', BREAKER_RECOVER_SECONDS: '600', BREAKER_PROBE_URL: 'https://bot.example.com/health' };
    const expected = { switch: { kind: 'emergencyGroup', groupId: GROUP.toLowerCase() }, threshold: 50, windowMs: 30_000, recoverMs: 600_000, probeUrl: 'https://bot.example.com/health' };
    expect(loadIngressConfig({ ...ingressEnv, ...env }).breaker).toEqual(expected);
    expect(loadWorkerConfig({ ...workerEnv, ...env }).breaker).toEqual(expected);
    const row = { BREAKER_DATATABLE_ID: TABLE, BREAKER_DATATABLE_ROW: 'bot-outage', BREAKER_DATATABLE_FIELD: 'enabled' };
    expect(loadWorkerConfig({ ...workerEnv, ...row }).breaker.switch).toEqual({ kind: 'datatableRow', datatableId: TABLE, rowId: 'bot-outage', field: 'enabled' });
    expect(loadWorkerConfig({ ...workerEnv, ROUTES_FILE: '/etc/fallback/routes.yaml' }).routesFile).toBe('/etc/fallback/routes.yaml');
  });

  it('refuses, one line per problem: bad ids, an incomplete data-table switch, two switches, bad numbers and URLs', () => {
    expect(problems(() => loadWorkerConfig({ ...workerEnv, BREAKER_EMERGENCY_GROUP_ID: 'Cognigy bot outage', BREAKER_THRESHOLD: '0', BREAKER_WINDOW_SECONDS: '-5', BREAKER_PROBE_URL: 'ftp://bot/health' }))).toEqual([
      `BREAKER_EMERGENCY_GROUP_ID: must be the Architect emergency group's id (a UUID) (got "Cognigy bot outage")`,
      'BREAKER_THRESHOLD: Too small: expected number to be >=1 (got "0")',
      'BREAKER_WINDOW_SECONDS: Too small: expected number to be >=1 (got "-5")',
      'BREAKER_PROBE_URL: must be an http(s) URL that answers 2xx while the bot is healthy (got "ftp://bot/health")',
    ]);
    expect(problems(() => loadIngressConfig({ ...ingressEnv, BREAKER_DATATABLE_ID: TABLE }))).toEqual([
      'BREAKER_DATATABLE_ROW: required with BREAKER_DATATABLE_ID: a data-table switch is a table, a row (its key) and a boolean field',
      'BREAKER_DATATABLE_FIELD: required with BREAKER_DATATABLE_ID: a data-table switch is a table, a row (its key) and a boolean field',
    ]);
    expect(problems(() => loadWorkerConfig({ ...workerEnv, BREAKER_EMERGENCY_GROUP_ID: GROUP, BREAKER_DATATABLE_ID: TABLE, BREAKER_DATATABLE_ROW: 'r', BREAKER_DATATABLE_FIELD: 'on' }))).toEqual([
      `BREAKER_DATATABLE_ID: set either BREAKER_EMERGENCY_GROUP_ID or BREAKER_DATATABLE_*, not both: one breaker flips one switch (got "${TABLE}")`,
    ]);
  });

  it('a short ADMIN_PASSWORD is refused even with the dashboard off: it also guards /admin/breaker', () => {
    const lines = problems(() => loadIngressConfig({ ...ingressEnv, ADMIN_PASSWORD: 'short-pw' }));
    expect(lines).toEqual(['ADMIN_PASSWORD: must be at least 12 characters (it also guards /admin/breaker)']);
    expect(loadIngressConfig({ ...ingressEnv, ADMIN_PASSWORD: 'long-enough-password' }).admin).toEqual({ mode: 'off', username: 'admin', password: 'long-enough-password' });
  });
});
