import { describe, expect, it } from 'vitest';
import type { Target } from '@fallback/core';
import type { IngressPolicy } from './routes-file.js';
import { strategyCannotReach, strategyProblems } from './strategy.js';

const Q = '6f4c2a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b';
const byName: Target = { kind: 'queue', queueName: 'DE Billing' };
const byId: Target = { kind: 'queue', queueId: Q };
const both: Target = { kind: 'queue', queueId: Q, queueName: 'DE Billing' };
const number: Target = { kind: 'number', address: '+4930123456' };

const policy = (fallback: Target, rules: { target: Target; allow?: Target[] }[] = []): IngressPolicy => ({
  sources: [],
  routing: { rules: rules.map((r, i) => ({ name: `r${i}`, match: { languages: ['de'] }, target: r.target, allow: r.allow ?? [] })), fallback: { name: 'default', target: fallback, allow: [] } },
  defaultFrom: 'file',
  warnings: [],
});

describe('strategyCannotReach', () => {
  it('lets replace reach every target', () => {
    for (const t of [byName, byId, both, number, { kind: 'agent', userId: Q } as Target]) expect(strategyCannotReach('replace', t)).toBeUndefined();
  });
  it('refuses a queue by name only for calls-replace, and anything but a queue id for interactions', () => {
    expect(strategyCannotReach('calls-replace', byName)).toMatch(/takes a queueId/);
    expect(strategyCannotReach('calls-replace', both)).toBeUndefined();
    expect(strategyCannotReach('calls-replace', number)).toBeUndefined();
    expect(strategyCannotReach('interactions', number)).toMatch(/queue id/);
    expect(strategyCannotReach('interactions', byId)).toBeUndefined();
  });
});

describe('strategyProblems (startup refusal of TRANSFER_STRATEGY=calls-replace with a queueName target)', () => {
  it('names each rule target, allowed target and default it cannot reach, with the fix', () => {
    const found = strategyProblems(policy(byName, [{ target: byId }, { target: both, allow: [byName] }]), 'calls-replace');
    expect(found).toEqual([
      expect.stringMatching(/^TRANSFER_STRATEGY=calls-replace cannot reach routes\[1\] "r1" allow\[0\] \(queue-name:DE Billing\): .*add the queue's queueId.*or use TRANSFER_STRATEGY=replace$/),
      expect.stringMatching(/^TRANSFER_STRATEGY=calls-replace cannot reach the default target \(queue-name:DE Billing\)/),
    ]);
    expect(strategyProblems(policy(byName, [{ target: byName }]), 'replace')).toEqual([]);
    expect(strategyProblems(policy(byId, [{ target: number }]), 'calls-replace')).toEqual([]);
  });
});
