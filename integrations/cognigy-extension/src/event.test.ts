import { describe, expect, it } from 'vitest';
import { FAILURE_TYPES as SERVICE_FAILURE_TYPES, failureEventSchema } from '@fallback/core';
import { FAILURE_TYPES, ROUTING_HINT_KINDS, attributesOf, buildFailureEvent, eventIdOf, failureTypeOf, textOf } from './event.js';

const CID = '2b80f5c9-cb7b-430b-8607-1862b7380c1f';
const PID = 'abcdef01-0000-4000-8000-000000000000';
const NOW = Date.parse('2026-11-24T12:00:00Z');
const input = { sessionId: 's-1', userId: 'u-1', inputId: 'i-1', flowName: 'Billing', endpointType: 'voiceGateway2' };

const build = (fields: Record<string, unknown>, inp: Record<string, unknown> = input) => {
  const built = buildFailureEvent({ conversationId: CID, ...fields }, inp, { now: NOW, nodeId: 'n-1' });
  if ('problem' in built) throw new Error(built.problem.message);
  return built;
};

describe('the event the node sends', () => {
  it('names the same failure types and hint kinds as the service (the extension ships a copy)', () => {
    expect([...FAILURE_TYPES]).toEqual([...SERVICE_FAILURE_TYPES]);
    expect(Object.keys(failureEventSchema.properties.routingHint.properties).sort()).toEqual([...ROUTING_HINT_KINDS].sort());
  });

  it('carries the ids, the flow and the session from Cognigy', () => {
    const { body, warnings } = build({ failureType: 'LLM_ERROR', participantId: PID, language: 'de-DE', attributes: { tier: 'gold' } });
    expect(body).toEqual({
      eventId: expect.stringMatching(/^cognigy-[0-9a-f]{32}$/),
      occurredAt: '2026-11-24T12:00:00.000Z',
      failureType: 'LLM_ERROR',
      conversationId: CID,
      participantId: PID,
      language: 'de-DE',
      bot: { flowName: 'Billing', endpoint: 'voiceGateway2', nodeId: 'n-1' },
      attributes: { tier: 'gold' },
      cognigy: { sessionId: 's-1', userId: 'u-1', inputId: 'i-1' },
    });
    expect(warnings).toEqual([]);
  });

  it('keeps one event id per failure: same session, input and call give the same id; another turn another', () => {
    const a = eventIdOf('', input, CID);
    expect(eventIdOf(undefined, { ...input }, CID.toUpperCase())).toBe(a);
    expect(eventIdOf('', { ...input, inputId: 'i-2' }, CID)).not.toBe(a);
    expect(eventIdOf('', { ...input, sessionId: 's-2' }, CID)).not.toBe(a);
    expect(eventIdOf('my-own-id', input, CID)).toBe('my-own-id');
    // Without an inputId (a test chat, an old runtime) the execution counter stands in for the turn.
    expect(eventIdOf('', { sessionId: 's-1', execution: 3 }, CID)).not.toBe(eventIdOf('', { sessionId: 's-1', execution: 4 }, CID));
  });

  it('refuses only an empty conversation id (unrendered CognigyScript counts as empty); a malformed one is for the service to name', () => {
    for (const conversationId of ['', '   ', undefined, '{{context.genesys.conversationId}}', 'undefined'])
      expect(buildFailureEvent({ conversationId }, input, { now: NOW })).toEqual({ problem: { code: 'missing_conversation_id', message: expect.stringContaining('context.genesys.conversationId') } });
    expect(build({ conversationId: 'not-a-uuid' }).body.conversationId).toBe('not-a-uuid');
  });

  it('drops a bad optional value with a warning instead of having the whole fallback refused', () => {
    const { body, warnings } = build({
      participantId: 'bot-leg-7',
      language: 'Deutsch (Deutschland)',
      source: 'cognigy prod',
      routingHintType: 'queueId',
      routingHintValue: 'Billing',
    });
    expect(body).not.toHaveProperty('participantId');
    expect(body).not.toHaveProperty('language');
    expect(body).not.toHaveProperty('source');
    expect(body).not.toHaveProperty('routingHint');
    expect(warnings).toHaveLength(4);
  });

  it('sends an unknown failure type as UNKNOWN, keeping what was given as the error code', () => {
    expect(failureTypeOf('flow error')).toEqual({ type: 'FLOW_ERROR' });
    expect(failureTypeOf('')).toEqual({ type: 'FLOW_ERROR' });
    expect(failureTypeOf('TIMEOUT')).toEqual({ type: 'UNKNOWN', unknown: 'TIMEOUT' });
    const { body, warnings } = build({ failureType: 'TIMEOUT' });
    expect(body.failureType).toBe('UNKNOWN');
    expect(body.error).toEqual({ code: 'TIMEOUT' });
    expect(warnings[0]).toMatch(/TIMEOUT/);
  });

  it('sends one routing hint of the chosen kind, none for "none"', () => {
    expect(build({ routingHintType: 'queueName', routingHintValue: 'DE Billing Tier 2' }).body.routingHint).toEqual({ queueName: 'DE Billing Tier 2' });
    expect(build({ routingHintType: 'address', routingHintValue: '+4930123456' }).body.routingHint).toEqual({ address: '+4930123456' });
    expect(build({ routingHintType: 'none', routingHintValue: 'x' }).body).not.toHaveProperty('routingHint');
  });

  it('turns attributes into the string map the service takes', () => {
    const warnings: string[] = [];
    expect(attributesOf('{"tier":"gold","vip":true,"score":3,"cart":{"n":2},"gone":null,"bad key":"x"}', warnings)).toEqual({
      tier: 'gold',
      vip: 'true',
      score: '3',
      cart: '{"n":2}',
    });
    expect(warnings).toEqual([expect.stringContaining('bad key')]);
    expect(attributesOf('{}', [])).toBeUndefined();
    expect(attributesOf('not json', warnings)).toBeUndefined();
    const many = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, 'v'.repeat(2000)]));
    const capped = attributesOf(many, [])!;
    expect(Object.keys(capped)).toHaveLength(50);
    expect(capped['k0']).toHaveLength(1024);
  });

  it('reads rendered CognigyScript values', () => {
    expect(textOf('  x ')).toBe('x');
    expect(textOf(42)).toBe('42');
    expect(textOf('null')).toBeUndefined();
    expect(textOf('abc', 2)).toBe('ab');
    expect(textOf({})).toBeUndefined();
  });
});
