import { describe, expect, it } from 'vitest';
import { normalizeEvent, type FailureEventBody } from './index.js';

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
