/**
 * Configurations that would pass a naive check but fail every job: each stops the process at start with one line
 * naming the variable and the fix (issue 11).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadIngressConfig, loadWorkerConfig } from './index.js';
import { hasHashTag } from './env.js';
import { isGenesysCloudApi } from './worker.js';

const ingressEnv = { INGRESS_API_KEYS: 'a-key-of-16-chars-or-more', DEFAULT_QUEUE_ID: '6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b' };
const workerEnv = { GENESYS_CLIENT_ID: 'id', GENESYS_CLIENT_SECRET: 'very-secret-value' };

/** The problem lines a configuration is refused with (fails the test when it is accepted). */
function refusal(load: () => unknown): string[] {
  try {
    load();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('the configuration was accepted');
}

describe('a Redis Cluster needs a hash tag in QUEUE_PREFIX', () => {
  it('refuses a cluster URL with a prefix without one, in the ingress and the worker', () => {
    const env = { REDIS_URL: 'redis+cluster://10.0.0.1:7000,10.0.0.2:7000', QUEUE_PREFIX: 'fallback' };
    for (const problems of [refusal(() => loadIngressConfig({ ...ingressEnv, ...env })), refusal(() => loadWorkerConfig({ ...workerEnv, ...env }))]) {
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^QUEUE_PREFIX: must hold a hash tag such as \{fallback\} when REDIS_URL is a Redis Cluster.*CROSSSLOT/);
    }
    expect(refusal(() => loadWorkerConfig({ ...workerEnv, REDIS_URL: 'rediss+cluster://u:p@h:7000', QUEUE_PREFIX: '{}fallback' }))[0]).toMatch(/^QUEUE_PREFIX/);
  });
  it('accepts a tagged prefix on a cluster, and any prefix on a single Redis', () => {
    expect(loadWorkerConfig({ ...workerEnv, REDIS_URL: 'redis+cluster://h:7000', QUEUE_PREFIX: '{fallback-eu}' }).queuePrefix).toBe('{fallback-eu}');
    expect(loadWorkerConfig({ ...workerEnv, REDIS_URL: 'redis+cluster://h:7000' }).queuePrefix).toBe('{fallback}');
    expect(loadIngressConfig({ ...ingressEnv, QUEUE_PREFIX: 'fallback' }).queuePrefix).toBe('fallback');
  });
  it.each([
    ['{fallback}', true],
    ['eu:{fallback}', true],
    ['{a}{b}', true],
    ['{}{b}', false],
    ['fallback', false],
    ['{fallback', false],
    ['fallback}', false],
  ])('hasHashTag(%j) is %s', (prefix, tagged) => expect(hasHashTag(prefix)).toBe(tagged));
});

describe('TRANSFER_STRATEGY', () => {
  it('is read by the ingress too (default replace), refusing unknown values', () => {
    expect(loadIngressConfig(ingressEnv).transferStrategy).toBe('replace');
    expect(loadIngressConfig({ ...ingressEnv, TRANSFER_STRATEGY: 'calls-replace' }).transferStrategy).toBe('calls-replace');
    expect(refusal(() => loadIngressConfig({ ...ingressEnv, TRANSFER_STRATEGY: 'blind' }))[0]).toMatch(/^TRANSFER_STRATEGY/);
  });
  it('refuses interactions against Genesys Cloud (GENESYS_API_URL unset or a Genesys host): the endpoint does not exist there', () => {
    const unset = refusal(() => loadWorkerConfig({ ...workerEnv, TRANSFER_STRATEGY: 'interactions' }));
    expect(unset).toHaveLength(1);
    expect(unset[0]).toMatch(/^TRANSFER_STRATEGY: interactions .* does not exist in Genesys Cloud.*GENESYS_API_URL is unset.*use TRANSFER_STRATEGY=replace/);
    expect(refusal(() => loadWorkerConfig({ ...workerEnv, TRANSFER_STRATEGY: 'interactions', GENESYS_API_URL: 'https://api.mypurecloud.ie' }))[0]).toMatch(/is a Genesys Cloud host/);
    expect(loadWorkerConfig({ ...workerEnv, TRANSFER_STRATEGY: 'interactions', GENESYS_API_URL: 'http://127.0.0.1:8090', GENESYS_LOGIN_URL: 'http://127.0.0.1:8090' }).genesys.strategy).toBe('interactions');
  });
  it.each([
    [undefined, true],
    ['https://api.mypurecloud.com', true],
    ['https://api.euw2.pure.cloud/', true],
    ['http://127.0.0.1:8090', false],
    ['http://genesys-sim:8090', false],
    ['https://mypurecloud.com.evil.example', false],
  ])('isGenesysCloudApi(%j) is %s', (url, real) => expect(isGenesysCloudApi(url)).toBe(real));
});

describe('DEFAULT_REFER_TO', () => {
  it.each(['+4930123456', 'tel:+49 30 123456', 'sip:fallback-ivr@pbx.example.com', 'sips:ivr@pbx.example.com;transport=tls'])('accepts %s', (referTo) => {
    expect(loadIngressConfig({ ...ingressEnv, DEFAULT_REFER_TO: referTo }).routing.referTo).toBe(referTo);
  });
  it.each(['fallback ivr', 'http://pbx.example.com/ivr', 'queue:Billing'])('refuses %j, naming the variable and the forms', (referTo) => {
    const problems = refusal(() => loadIngressConfig({ ...ingressEnv, DEFAULT_REFER_TO: referTo }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^DEFAULT_REFER_TO: must be a number \(\+4930123456, tel:\+4930123456\) or a SIP URI/);
  });
});
