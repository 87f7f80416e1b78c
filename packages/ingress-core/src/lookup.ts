import { UUID_PATTERN, type EventProblem } from '@fallback/core';

const UUID = new RegExp(UUID_PATTERN);

/**
 * Reads `?conversationId=` of GET /v1/fallbacks: one Genesys conversation id (a UUID), lower-cased as job data
 * stores it. Missing, repeated or malformed is a 400 naming `/conversationId`. Pure.
 */
export function parseConversationQuery(raw: unknown): { conversationId: string } | { problem: EventProblem } {
  if (raw === undefined) return { problem: { field: '/conversationId', message: 'conversationId is required: GET /v1/fallbacks?conversationId=<Genesys conversation id>' } };
  if (typeof raw !== 'string' || !UUID.test(raw))
    return { problem: { field: '/conversationId', message: 'conversationId must be one Genesys conversation id (a UUID), given once' } };
  return { conversationId: raw.toLowerCase() };
}
