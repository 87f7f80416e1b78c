import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, envVarNames, loadIngressConfig, loadSimConfig, loadWorkerConfig } from './index.js';

const QUEUE = '6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b';
const ingressEnv = { INGRESS_API_KEYS: 'a-key-of-16-chars-or-more', DEFAULT_QUEUE_ID: QUEUE };
const workerEnv = { GENESYS_CLIENT_ID: 'id', GENESYS_CLIENT_SECRET: 'very-secret-value' };

describe('loadIngressConfig', () => {
  it('applies documented defaults and freezes the result', () => {
    const c = loadIngressConfig(ingressEnv);
    expect(c).toMatchObject({ redisUrl: 'redis://127.0.0.1:6379', queuePrefix: '{fallback}', port: 8080, dedupeTtlSec: 600, bodyLimit: 65_536 });
    expect(c.deadline).toEqual({ defaultTtlMs: 120_000, maxTtlMs: 600_000 });
    expect(Object.isFrozen(c) && Object.isFrozen(c.apiKeys)).toBe(true);
  });
  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadIngressConfig({ INGRESS_PORT: 'eighty', INGRESS_API_KEYS: 'short', DEFAULT_QUEUE_ID: 'not-a-uuid' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as Error).message;
    expect(text).toMatch(/INGRESS_PORT/);
    expect(text).toMatch(/DEFAULT_QUEUE_ID/);
    expect(text).toMatch(/INGRESS_API_KEYS: each key must be at least 16/);
    expect(text).not.toContain('short'); // key values are never echoed
  });
  it('treats empty variables as unset', () => {
    expect(loadIngressConfig({ ...ingressEnv, INGRESS_PORT: '', LOG_LEVEL: '' }).port).toBe(8080);
  });
  it('reads booleans strictly ("false" is false)', () => {
    expect(loadIngressConfig({ ...ingressEnv, LOG_PRETTY: 'false' }).log.pretty).toBe(false);
    expect(loadIngressConfig({ ...ingressEnv, LOG_PRETTY: 'true' }).log.pretty).toBe(true);
    expect(() => loadIngressConfig({ ...ingressEnv, LOG_PRETTY: 'maybe' })).toThrow(/LOG_PRETTY/);
  });
  it('lets ROUTES_FILE stand in for DEFAULT_QUEUE_ID and INGRESS_API_KEYS', () => {
    expect(() => loadIngressConfig({})).toThrow(/DEFAULT_QUEUE_ID[\s\S]*INGRESS_API_KEYS/);
    expect(loadIngressConfig({ ROUTES_FILE: '/etc/fallback/routes.yaml' })).toMatchObject({ routesFile: '/etc/fallback/routes.yaml', apiKeys: [], routing: {} });
    expect(loadIngressConfig({ INGRESS_WEBHOOK_SECRETS: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', DEFAULT_QUEUE_ID: QUEUE }).webhookSecrets).toHaveLength(1);
  });
  it('checks webhook secrets without echoing them', () => {
    expect(() => loadIngressConfig({ ...ingressEnv, INGRESS_WEBHOOK_SECRETS: 'whsec_tooshort' })).toThrow(/INGRESS_WEBHOOK_SECRETS: each secret must be whsec_/);
    expect(() => loadIngressConfig({ ...ingressEnv, INGRESS_WEBHOOK_SECRETS: 'whsec_tooshort' })).not.toThrow(/tooshort/);
  });
  it('reads rate limits and timeouts', () => {
    expect(loadIngressConfig(ingressEnv)).toMatchObject({ rateLimit: { max: 50_000, windowMs: 10_000 }, timeouts: { requestMs: 10_000, connectionMs: 10_000 } });
    expect(loadIngressConfig({ ...ingressEnv, RATE_LIMIT_MAX: '0', RATE_LIMIT_WINDOW_SECONDS: '60' }).rateLimit).toEqual({ max: 0, windowMs: 60_000 });
  });
  it('keeps finished jobs at least as long as the dedupe window', () => {
    expect(() => loadIngressConfig({ ...ingressEnv, DEDUPE_TTL_SECONDS: '7200', JOB_RETENTION_SECONDS: '3600' })).toThrow(/JOB_RETENTION_SECONDS/);
  });
});

describe('loadWorkerConfig', () => {
  it('derives regional hosts and requires credentials', () => {
    const c = loadWorkerConfig({ ...workerEnv, GENESYS_REGION: 'mypurecloud.de' });
    expect(c.genesys.hosts).toEqual({ apiBaseUrl: 'https://api.mypurecloud.de', loginBaseUrl: 'https://login.mypurecloud.de' });
    expect(() => loadWorkerConfig({})).toThrow(/GENESYS_CLIENT_ID[\s\S]*GENESYS_CLIENT_SECRET/);
  });
  it('refuses an unknown region with the valid list, and customer/acd as bot purposes', () => {
    expect(() => loadWorkerConfig({ ...workerEnv, GENESYS_REGION: 'purecloud.fr' })).toThrow(/mypurecloud\.ie/);
    expect(() => loadWorkerConfig({ ...workerEnv, BOT_PURPOSES: 'external,customer' })).toThrow(/never replaced/);
  });
  it('never echoes the secret in an error', () => {
    expect(() => loadWorkerConfig({ ...workerEnv, GENESYS_TIMEOUT_MS: 'x' })).not.toThrow(/very-secret-value/);
  });
});

describe('README', () => {
  it('documents every environment variable a process reads', () => {
    const readme = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../README.md'), 'utf8');
    const names = envVarNames();
    const missing = [...names.ingress, ...names.worker, ...names.sim].filter((n) => !readme.includes(`\`${n}\``));
    expect(missing).toEqual([]);
  });
});

describe('loadSimConfig', () => {
  it('defaults to Genesys-like limits', () => {
    expect(loadSimConfig({})).toMatchObject({ port: 8090, rateLimitPerMinute: 300, clientId: 'sim-client', hangupAfterMs: 0, faults: [] });
  });
  it('reads a fault script as a JSON array and names a bad one', () => {
    expect(loadSimConfig({ SIM_FAULTS: '[{"endpoint":"read","action":{"type":"timeout"}}]' }).faults).toEqual([{ endpoint: 'read', action: { type: 'timeout' } }]);
    expect(() => loadSimConfig({ SIM_FAULTS: '{"endpoint":"read"}' })).toThrow(/SIM_FAULTS: must be a JSON array/);
    expect(() => loadSimConfig({ SIM_FAULTS: '[oops' })).toThrow(/SIM_FAULTS: must be a JSON array of fault rules \(/);
    expect(() => loadSimConfig({ SIM_HANGUP_AFTER_MS: '-1' })).toThrow(/SIM_HANGUP_AFTER_MS/);
  });
});
