import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BreakerDefaults } from '@fallback/breaker';
import { RoutesFileError, parseRoutesFile, policyFromEnv, readBreakers } from './routes-file.js';

const EXAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../apps/ingress/routes.example.yaml');
const GROUP = '9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4';
const defaults: BreakerDefaults = { switch: { kind: 'emergencyGroup', groupId: GROUP }, threshold: 20, windowMs: 60_000, recoverMs: 300_000 };
const env = { COGNIGY_API_KEYS: 'cognigy-key-0123456789', ORCHESTRATOR_WEBHOOK_SECRETS: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' };
const policyDefaults = { apiKeys: ['env-key-0123456789ab'], webhookSecrets: [], defaultQueueId: '6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b', breaker: defaults };

const problems = (run: () => unknown): string[] => {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(RoutesFileError);
    return (err as RoutesFileError).problems;
  }
  throw new Error('accepted');
};

describe('breakers in ROUTES_FILE', () => {
  it('the example file: the environment breaker first, then the file\'s, inheriting what they do not set', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const policy = parseRoutesFile(text, { fileName: 'routes.example.yaml', env, defaults: { apiKeys: [], webhookSecrets: [], breaker: defaults } });
    expect(policy.breakers).toEqual([
      { name: 'default', switch: defaults.switch, threshold: 20, windowMs: 60_000, recoverMs: 300_000 },
      {
        name: 'billing-bot',
        switch: { kind: 'emergencyGroup', groupId: '2c9d1e7a-3b4f-4a5e-9c6d-7e8f9a0b1c2d' },
        threshold: 10,
        windowMs: 60_000,
        recoverMs: 300_000,
        probeUrl: 'https://billing-bot.example.com/health',
        match: { flows: ['billing', 'invoices'] },
      },
      {
        name: 'eu-voice-gateway',
        switch: { kind: 'datatableRow', datatableId: '5d4c3b2a-1908-4f7e-8d6c-5b4a39281706', rowId: 'vg-eu-1-outage', field: 'enabled' },
        threshold: 20,
        windowMs: 60_000,
        recoverMs: 300_000,
        match: { endpoints: ['vg-eu-1'] },
      },
    ]);
    // The worker reads the same breakers from the same file, without the sources' secrets in its environment.
    expect(readBreakers(text, { fileName: 'routes.example.yaml', defaults })).toEqual(policy.breakers);
  });

  it('without a file: the environment breaker alone, or none', () => {
    expect(policyFromEnv(policyDefaults).breakers?.map((b) => b.name)).toEqual(['default']);
    expect(readBreakers(undefined, { fileName: '-', defaults: { threshold: 1, windowMs: 1000, recoverMs: 1000 } })).toEqual([]);
  });

  it('refuses bad breakers, one line per problem naming the breaker', () => {
    const text = `
default: { target: { queueId: 6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b } }
breakers:
  - { name: default, match: { flowName: a }, emergencyGroupId: ${GROUP} }
  - { name: two, match: {}, emergencyGroupId: ${GROUP}, datatable: { id: ${GROUP}, row: r, field: on } }
  - { name: bad, match: { flowName: b }, emergencyGroupId: not-a-uuid, threshold: 0, probeUrl: "file:///x" }
`;
    const expected = [
      'breakers[1] "two": match: needs flowName, endpoint or source: a breaker for every failure is BREAKER_* (the default)',
      'breakers[1] "two": needs exactly one switch: emergencyGroupId, or datatable {id, row, field}',
      'breakers[2] "bad": emergencyGroupId: must be a UUID',
      'breakers[2] "bad": threshold: Too small: expected number to be >=1',
      'breakers[2] "bad": probeUrl: must be an http(s) URL that answers 2xx while the bot is healthy',
    ];
    expect(problems(() => parseRoutesFile(text, { fileName: 'routes.yaml', env, defaults: policyDefaults }))).toEqual(expected);
    expect(problems(() => readBreakers(text, { fileName: 'routes.yaml', defaults }))).toEqual(expected);
    const dup = `breakers:\n  - { name: default, match: { flowName: a }, emergencyGroupId: ${GROUP} }\n  - { name: x, match: { source: s }, emergencyGroupId: ${GROUP} }\n  - { name: x, match: { flowName: c }, emergencyGroupId: ${GROUP} }\n`;
    expect(problems(() => readBreakers(dup, { fileName: 'routes.yaml', defaults }))).toEqual([
      'breakers[0] "default": name "default" is reserved for the breaker of BREAKER_*',
      'breakers[2] "x": name is used twice',
    ]);
  });

  it('with declared sources, a breaker may only name one of them', () => {
    const text = `
sources: [{ name: cognigy, apiKeys: ["\${COGNIGY_API_KEYS}"] }]
default: { target: { queueId: 6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b } }
breakers: [{ name: partner-bot, match: { source: partner }, emergencyGroupId: ${GROUP} }]
`;
    expect(problems(() => parseRoutesFile(text, { fileName: 'routes.yaml', env, defaults: { apiKeys: [], webhookSecrets: [] } }))).toEqual([
      'breakers[0] "partner-bot": match.source names "partner", which is not a declared source',
    ]);
  });
});
