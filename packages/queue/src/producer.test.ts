import { describe, expect, it } from 'vitest';
import { customJobIdProblem } from './producer.js';
import { storedOpts } from './enqueue-script.js';

describe('customJobIdProblem (what BullMQ refuses of a custom job id)', () => {
  it.each([
    ['fb-0123456789abcdef0123456789abcdef', undefined],
    ['4242', 'Custom Id cannot be integers'],
    ['0', 'Custom Id cannot be integers'],
    ['42a', undefined],
    ['a:b', 'Custom Id cannot contain :'],
    ['repeat:key:1', undefined],
  ])('%j → %j', (id, problem) => expect(customJobIdProblem(id)).toBe(problem));
});

describe('storedOpts (a job\'s options as BullMQ stores them)', () => {
  it('leaves undefined out and shortens the names BullMQ shortens', () => {
    expect(JSON.parse(storedOpts({ attempts: 3, delay: undefined, keepLogs: 5, deduplication: { id: 'x' } }))).toEqual({ attempts: 3, kl: 5, de: { id: 'x' } });
  });

  it('refuses telemetry options (BullMQ splits them up; the batch enqueue does not)', () => {
    expect(() => storedOpts({ telemetry: { metadata: 'm' } })).toThrow(/telemetry/);
  });
});
