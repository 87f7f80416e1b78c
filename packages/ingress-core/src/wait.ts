import type { EventProblem } from '@fallback/core';

/** Longest `?wait=` (s): Cognigy's HTTP Request node gives up after 8 s, an answer after that reaches nobody. */
export const MAX_WAIT_SECONDS = 8;

/** Reads `?wait=<seconds>` (0 … 8, decimals allowed); absent is 0. Anything else is a 400 naming `/wait`. */
export function parseWait(raw: unknown): { ms: number } | { problem: EventProblem } {
  if (raw === undefined) return { ms: 0 };
  if (typeof raw === 'string' && /^\d{1,2}(?:\.\d{1,3})?$/.test(raw)) {
    const seconds = Number(raw);
    if (seconds <= MAX_WAIT_SECONDS) return { ms: Math.round(seconds * 1000) };
  }
  return { problem: { field: '/wait', message: `wait must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}, given once` } };
}
