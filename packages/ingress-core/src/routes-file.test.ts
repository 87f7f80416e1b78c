import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tableRouter } from '@fallback/core';
import { RoutesFileError, parseDays, parseRoutesFile, policyFromEnv, type PolicyDefaults } from './routes-file.js';

const EXAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../apps/ingress/routes.example.yaml');
const Q = '6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b';
const KEY = 'cognigy-key-0123456789';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const env = { COGNIGY_API_KEYS: `${KEY}, cognigy-old-0123456789`, ORCHESTRATOR_WEBHOOK_SECRETS: SECRET };
const none: PolicyDefaults = { apiKeys: [], webhookSecrets: [] };

const parse = (text: string, defaults: PolicyDefaults = none, fileName = 'routes.yaml', e: Record<string, string> = env) =>
  parseRoutesFile(text, { fileName, env: e, defaults });

/** The problems a file is refused with (fails the test when it is accepted). */
function problems(text: string, defaults: PolicyDefaults = none, fileName = 'routes.yaml', e: Record<string, string> = env): string[] {
  try {
    parse(text, defaults, fileName, e);
  } catch (err) {
    expect(err).toBeInstanceOf(RoutesFileError);
    return (err as RoutesFileError).problems;
  }
  throw new Error('the file was accepted');
}

describe('parseRoutesFile: the example file', () => {
  const policy = parse(readFileSync(EXAMPLE, 'utf8'));

  it('reads sources with secrets from the environment (comma-separated for rotation)', () => {
    expect(policy.sources.map((s) => [s.name, s.apiKeys.length, s.webhookSecrets.length, s.rateLimit])).toEqual([
      ['cognigy', 2, 0, { max: 500, windowMs: 1000 }],
      ['orchestrator', 0, 1, undefined],
    ]);
    expect(policy.sources[0]!.apiKeys).toContain(KEY);
    expect(policy.warnings).toEqual([]);
  });

  it('routes in order with the file time zone', () => {
    const router = tableRouter(policy.routing);
    const cid = '2b80f5c9-cb7b-430b-8607-1862b7380c1f';
    const monNoon = new Date('2026-11-23T11:00:00Z');
    expect(router.resolve({ conversationId: cid, failureType: 'LLM_ERROR', language: 'de' }, monNoon).route).toBe('llm-outage');
    expect(router.resolve({ conversationId: cid, language: 'de-AT', bot: { flowName: 'invoices' } }, monNoon)).toMatchObject({
      route: 'german-billing',
      target: { kind: 'queue', queueId: Q, queueName: 'DE Billing' },
    });
    // 21:00 in Berlin on a Monday (20:00 UTC in November).
    expect(router.resolve({ conversationId: cid }, new Date('2026-11-23T20:00:00Z'))).toMatchObject({ route: 'night-ivr', target: { kind: 'number', address: '+4930123456' } });
    expect(router.resolve({ conversationId: cid, dnis: '+49 800 1234', source: 'cognigy' }, monNoon).route).toBe('hotline');
    expect(router.resolve({ conversationId: cid }, monNoon)).toEqual({ route: 'default', target: { kind: 'queue', queueId: Q }, referTo: 'sip:fallback-ivr@fallback.example.com' });
    expect(policy.defaultFrom).toBe('file');
  });
});

describe('parseRoutesFile: chains, callbacks and the agent\'s context (issue 13)', () => {
  const head = `version: 1\nsources: [{ name: s, apiKeys: ["\${COGNIGY_API_KEYS}"] }]\n`;
  it('reads a chain of targets, a callback threshold and agentContext into the action, and the decision carries them', () => {
    const policy = parse(
      `${head}default:\n  targets: [{ queueId: ${Q} }, { address: "+4930123456" }]\n  callback: { whenWaitAboveSeconds: 300 }\n  agentContext: true\n`,
    );
    expect(policy.routing.fallback).toMatchObject({
      target: { kind: 'queue', queueId: Q },
      then: [{ kind: 'number', address: '+4930123456' }],
      callback: { aboveSeconds: 300 },
      agentContext: true,
    });
    const decision = tableRouter(policy.routing).resolve({ conversationId: Q } as never, new Date());
    expect(decision).toMatchObject({ target: { kind: 'queue' }, then: [{ kind: 'number' }], callback: { aboveSeconds: 300 }, agentContext: true });
  });
  it('takes exactly one of target and targets, and bounds a chain and a callback', () => {
    expect(problems(`${head}default:\n  target: { queueId: ${Q} }\n  targets: [{ queueId: ${Q} }]\n`).join('\n')).toMatch(/default: target: give exactly one of target/);
    expect(problems(`${head}default:\n  referTo: "tel:+1"\n`).join('\n')).toMatch(/default: target: give exactly one of target/);
    expect(problems(`${head}default:\n  targets: []\n`).join('\n')).toMatch(/default: targets: must list at least one target/);
    expect(problems(`${head}default:\n  target: { queueId: ${Q} }\n  callback: { whenWaitAboveSeconds: 0 }\n`).join('\n')).toMatch(/callback.whenWaitAboveSeconds: must be ≥ 1/);
  });
});

describe('parseRoutesFile: defaults and the environment source', () => {
  it('uses DEFAULT_QUEUE_ID when the file has no default, and keeps the environment source', () => {
    const policy = parse('routes: []\n', { apiKeys: ['env-key-0123456789'], webhookSecrets: [], defaultQueueId: Q, referTo: 'sip:x@y', rateLimit: { max: 10, windowMs: 1000 } });
    expect(policy.defaultFrom).toBe('DEFAULT_QUEUE_ID');
    expect(policy.routing.fallback).toEqual({ name: 'default', target: { kind: 'queue', queueId: Q }, allow: [], referTo: 'sip:x@y' });
    expect(policy.sources).toEqual([{ name: 'default', apiKeys: ['env-key-0123456789'], webhookSecrets: [], openSourceName: true, rateLimit: { max: 10, windowMs: 1000 } }]);
  });

  it('accepts JSON by extension', () => {
    const policy = parse(JSON.stringify({ default: { target: { queueName: 'Fallback' } }, sources: [{ name: 'a', apiKeys: [KEY] }] }), none, 'routes.json');
    expect(policy.routing.fallback.target).toEqual({ kind: 'queue', queueName: 'Fallback' });
  });

  it('warns (without the value) about a secret written in the file', () => {
    const policy = parse(`sources: [{ name: a, apiKeys: ["${KEY}"] }]\ndefault: { target: { queueId: ${Q} } }\n`);
    expect(policy.warnings).toHaveLength(1);
    expect(policy.warnings[0]).toMatch(/sources\[0\] "a": apiKeys: a secret is written in the routes file/);
    expect(policy.warnings[0]).not.toContain(KEY);
  });

  it('policyFromEnv needs a way in and a default', () => {
    expect(() => policyFromEnv(none)).toThrow(/INGRESS_API_KEYS[\s\S]*DEFAULT_QUEUE_ID/);
    expect(policyFromEnv({ apiKeys: ['env-key-0123456789'], webhookSecrets: [], defaultQueueId: Q }).routing.rules).toEqual([]);
  });
});

const base = `sources: [{ name: cognigy, apiKeys: ["\${COGNIGY_API_KEYS}"] }]\ndefault: { target: { queueId: ${Q} } }\n`;

describe('parseRoutesFile: invalid files name the bad rule', () => {
  it.each([
    ['an unknown failure type', 'routes:\n  - name: r1\n    match: { failureType: FLOW_EROR }\n    target: { queueName: q }\n', /routes\[0\] "r1": match\.failureType\[0\]: Invalid option/],
    ['a misspelt condition', 'routes:\n  - name: typo\n    match: { failuretype: FLOW_ERROR }\n    target: { queueName: q }\n', /routes\[0\] "typo": match: Unrecognized key.*failuretype/],
    ['a rule without conditions', 'routes:\n  - name: everything\n    match: {}\n    target: { queueName: q }\n', /routes\[0\] "everything": match: has no conditions/],
    ['a target of two kinds', 'routes:\n  - name: both\n    match: { language: de }\n    target: { queueName: q, address: "+4930123" }\n', /routes\[0\] "both": target: must be exactly one of/],
    ['a bad queue id', 'routes:\n  - name: badq\n    match: { language: de }\n    target: { queueId: "42" }\n', /routes\[0\] "badq": target\.queueId: must be a UUID/],
    ['a bad number', 'routes:\n  - name: num\n    match: { language: de }\n    target: { address: "call me" }\n', /routes\[0\] "num": target\.address: must be a phone number/],
    ['a bad allowed target', 'routes:\n  - name: al\n    match: { language: de }\n    target: { queueName: q }\n    allow: [{ agent: x }]\n', /routes\[0\] "al": allow\[0\]: Unrecognized key/],
    ['a bad time', 'routes:\n  - name: night\n    match: { time: [{ from: "25:00", to: "06:00" }] }\n    target: { queueName: q }\n', /routes\[0\] "night": match\.time\[0\]\.from: must be HH:MM/],
    ['an empty window', 'routes:\n  - name: empty\n    match: { time: [{ from: "08:00", to: "08:00" }] }\n    target: { queueName: q }\n', /routes\[0\] "empty": match\.time\[0\]\.to: equals from/],
    ['a bad day', 'routes:\n  - name: d\n    match: { time: [{ days: [monday], from: "08:00", to: "09:00" }] }\n    target: { queueName: q }\n', /routes\[0\] "d": match\.time\[0\]\.days\[0\]: must be a day/],
    ['an unknown time zone', 'routes:\n  - name: tz\n    match: { timeZone: Europe/Bérlin, time: [{ from: "08:00", to: "09:00" }] }\n    target: { queueName: q }\n', /routes\[0\] "tz": match\.timeZone: must be an IANA time zone/],
    ['a duplicate rule name', 'routes:\n  - { name: a, match: { language: de }, target: { queueName: q } }\n  - { name: a, match: { language: fr }, target: { queueName: q } }\n', /routes\[1\] "a": name is used twice/],
    ['a rule called default', 'routes:\n  - { name: default, match: { language: de }, target: { queueName: q } }\n', /routes\[0\] "default": name is reserved/],
    ['an unknown source in a match', 'routes:\n  - { name: s, match: { source: cognigi }, target: { queueName: q } }\n', /routes\[0\] "s": match\.source names "cognigi"/],
    ['the second of three rules', 'routes:\n  - { name: ok1, match: { language: de }, target: { queueName: q } }\n  - { name: bad, match: { dnis: "+49*0*" }, target: { queueName: q } }\n  - { name: ok2, match: { language: fr }, target: { queueName: q } }\n', /routes\[1\] "bad": match\.dnis\[0\]/],
  ])('%s', (_label, routes, expected) => {
    const found = problems(base + routes);
    expect(found.join('\n')).toMatch(expected);
  });

  it('reports every problem at once', () => {
    const found = problems(base + 'routes:\n  - { name: a, match: { language: "" }, target: { queueName: q } }\n  - { name: b, match: {}, target: {} }\n');
    expect(found.length).toBeGreaterThanOrEqual(3);
    expect(found.some((p) => p.startsWith('routes[0] "a"'))).toBe(true);
    expect(found.some((p) => p.startsWith('routes[1] "b"'))).toBe(true);
  });

  it.each([
    ['no default and no DEFAULT_QUEUE_ID', `sources: [{ name: c, apiKeys: ["${KEY}"] }]\n`, /default: required/],
    ['nobody can authenticate', `default: { target: { queueId: ${Q} } }\n`, /sources: none declared/],
    ['a source without credentials', `sources: [{ name: c }]\ndefault: { target: { queueId: ${Q} } }\n`, /sources\[0\] "c": needs apiKeys or webhookSecrets/],
    ['an unset variable', `sources: [{ name: c, apiKeys: ["\${MISSING_KEYS}"] }]\ndefault: { target: { queueId: ${Q} } }\n`, /sources\[0\] "c": apiKeys\[0\]: environment variable MISSING_KEYS is not set/],
    ['a short key', `sources: [{ name: c, apiKeys: ["short"] }]\ndefault: { target: { queueId: ${Q} } }\n`, /sources\[0\] "c": apiKeys\[0\]: must be at least 16 characters/],
    ['a bad webhook secret', `sources: [{ name: c, webhookSecrets: ["not-a-secret"] }]\ndefault: { target: { queueId: ${Q} } }\n`, /sources\[0\] "c": webhookSecrets\[0\]: must be whsec_/],
    ['a key shared by two sources', `sources: [{ name: a, apiKeys: ["${KEY}"] }, { name: b, apiKeys: ["${KEY}"] }]\ndefault: { target: { queueId: ${Q} } }\n`, /sources\[1\] "b": apiKeys\[0\]: the same credential is configured for source "a"/],
    ['a source called default', `sources: [{ name: default, apiKeys: ["${KEY}"] }]\ndefault: { target: { queueId: ${Q} } }\n`, /reserved/],
    ['YAML syntax', 'routes: [\n  - name: x\n', /not valid YAML at line/],
    ['a duplicate key', `default: { target: { queueId: ${Q} } }\ndefault: { target: { queueId: ${Q} } }\n`, /not valid YAML/],
    ['not a mapping', '- a\n- b\n', /must be a mapping/],
  ])('%s', (_label, text, expected) => {
    expect(problems(text).join('\n')).toMatch(expected);
  });

  it('refuses the environment\'s keys beside declared sources, naming the variable and the fix', () => {
    const withEnvKey: PolicyDefaults = { apiKeys: ['env-key-0123456789'], webhookSecrets: [] };
    const found = problems(base, withEnvKey);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^INGRESS_API_KEYS: must be unset when ROUTES_FILE declares sources .*declare it as a source in the file/);
    expect(found[0]).not.toContain('env-key-0123456789');
    expect(problems(base, { apiKeys: [], webhookSecrets: [SECRET] })[0]).toMatch(/^INGRESS_WEBHOOK_SECRETS: must be unset/);
    // Without declared sources the environment's key is the single tenant, as before.
    expect(parse(`default: { target: { queueId: ${Q} } }\n`, withEnvKey).sources.map((s) => [s.name, s.openSourceName])).toEqual([['default', true]]);
  });

  it('refuses a referTo that is neither a number nor a SIP URI, in a rule or the default', () => {
    expect(problems(base + 'routes:\n  - { name: r, match: { language: de }, target: { queueName: q }, referTo: "fallback flow" }\n').join('\n')).toMatch(
      /routes\[0\] "r": referTo: must be a phone number/,
    );
    expect(problems(`sources: [{ name: c, apiKeys: ["\${COGNIGY_API_KEYS}"] }]\ndefault: { target: { queueId: ${Q} }, referTo: "ivr" }\n`).join('\n')).toMatch(/default: referTo: must be a phone number/);
  });

  it('never repeats a secret in a problem', () => {
    const secretish = 'sixteen-char-key-but-shared';
    const text = `sources: [{ name: a, apiKeys: ["${secretish}"] }, { name: b, apiKeys: ["${secretish}"], webhookSecrets: ["whsec_${secretish}"] }]\n`;
    expect(problems(text).join('\n')).not.toContain(secretish);
    expect(problems(`sources: [{ name: a, apiKeys: ["${secretish}" }]\n`).join('\n')).not.toContain(secretish);
  });
});

describe('parseDays', () => {
  it.each([
    ['mon', [1]],
    ['Sun', [0]],
    ['mon-fri', [1, 2, 3, 4, 5]],
    ['fri-mon', [5, 6, 0, 1]],
    ['monday', undefined],
    ['mon-', undefined],
  ])('%s', (token, days) => expect(parseDays(token)).toEqual(days));
});

describe('the benchmarks\' routes file (benchRoutesYaml)', () => {
  it('parses, and a plain FLOW_ERROR event passes all five rules to the default route', async () => {
    const { benchRoutesYaml } = await import('./testing.js');
    const policy = parse(benchRoutesYaml(Q, 'sip:fallback@pbx.example.com'), { apiKeys: [KEY], webhookSecrets: [] });
    expect(policy.routing.rules).toHaveLength(5);
    const decision = tableRouter(policy.routing).resolve({ conversationId: Q, failureType: 'FLOW_ERROR', source: 'cognigy' }, new Date('2026-11-30T12:00:00Z'));
    expect(decision).toMatchObject({ route: 'default', target: { kind: 'queue', queueId: Q }, referTo: 'sip:fallback@pbx.example.com' });
  });
});
