import { describe, expect, expectTypeOf, it } from 'vitest';
import { FAILURE_TYPES, failureEventSchema, normalizeEvent, type CognigyContext, type FailureEvent, type FailureEventBody, type FailureType, type RoutingHint } from './index.js';

const CID = '2b80f5c9-cb7b-430b-8607-1862b7380c1f';
const PID = 'abcdef01-0000-4000-8000-000000000000';

describe('normalizeEvent: generic and Cognigy-shaped bodies', () => {
  it('keeps a generic body as it is', () => {
    expect(normalizeEvent({ conversationId: CID, eventId: 'e' })).toEqual({ event: { conversationId: CID, eventId: 'e' } });
  });

  it('takes the ids from context.genesys when the top level has none, and drops the rest of context', () => {
    const body: FailureEventBody = {
      eventId: 'e',
      cognigy: { sessionId: 's' },
      context: { genesys: { conversationId: CID, participantId: PID, ani: '+14155550123' }, customer: { name: 'Jane' } },
    };
    expect(normalizeEvent(body)).toEqual({ event: { eventId: 'e', cognigy: { sessionId: 's' }, conversationId: CID, participantId: PID } });
  });

  it('accepts both places when they agree (ids are case-insensitive)', () => {
    expect(normalizeEvent({ conversationId: CID.toUpperCase(), context: { genesys: { conversationId: CID } } })).toEqual({
      event: { conversationId: CID.toUpperCase() },
    });
  });

  it.each([
    [{}, '/conversationId'],
    [{ context: { genesys: {} } }, '/conversationId'],
    [{ conversationId: CID, context: { genesys: { conversationId: PID } } }, '/context/genesys/conversationId'],
    [{ conversationId: CID, participantId: PID, context: { genesys: { participantId: CID } } }, '/context/genesys/participantId'],
  ] as [FailureEventBody, string][])('refuses %j naming %s', (body, field) => {
    const result = normalizeEvent(body);
    expect('problem' in result && result.problem.field).toBe(field);
  });
});

// Checked by `pnpm typecheck` (expectTypeOf and @ts-expect-error are compile-time): the types come from the schema.
describe('the event types are the schema', () => {
  it('a FailureEvent has every field of the schema but context, the conversation id required', () => {
    expectTypeOf<keyof FailureEvent>().toEqualTypeOf<Exclude<keyof typeof failureEventSchema.properties, 'context'>>();
    expectTypeOf<FailureEvent['conversationId']>().toEqualTypeOf<string>();
    expectTypeOf<FailureEvent['failureType']>().toEqualTypeOf<FailureType | undefined>();
    expectTypeOf<keyof RoutingHint>().toEqualTypeOf<'queueId' | 'queueName' | 'address' | 'userId'>();
    expectTypeOf<NonNullable<CognigyContext['genesys']>['conversationId']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<FailureEvent['attributes']>().toEqualTypeOf<{ [name: string]: string } | undefined>();
    expect(FAILURE_TYPES).toEqual(failureEventSchema.properties.failureType.enum);
  });

  it('a body must carry the conversation id in one of the schema\'s two places', () => {
    // @ts-expect-error neither conversationId nor context.genesys.conversationId
    const none: FailureEventBody = { eventId: 'e' };
    // @ts-expect-error context.genesys without its conversationId does not count
    const halfCognigy: FailureEventBody = { context: { genesys: { participantId: PID } } };
    const generic: FailureEventBody = { conversationId: CID };
    const cognigy: FailureEventBody = { context: { genesys: { conversationId: CID }, anything: 1 } };
    // @ts-expect-error additionalProperties: false
    const unknownField: FailureEventBody = { conversationId: CID, conversationID: CID };
    expect([none, halfCognigy, generic, cognigy, unknownField]).toHaveLength(5);
  });
});
