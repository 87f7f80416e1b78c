/**
 * The tutorial's fallback (its `ExecuteBotFallback`, the approach this service replaces), transcribed decision by
 * decision so the baseline runner behaves exactly like it: POST /api/v2/interactions inline in the webhook
 * handler, up to 3 retries (4 requests) on 429 or 5xx at 500 ms doubling, Retry-After ignored, a network error
 * or any other status fails at once, and success means HTTP 200 with `results[0].status == 200`.
 */

/** The tutorial's constants. */
export const TUTORIAL = { maxRetries: 3, baseDelayMs: 500 } as const;

/** What the tutorial does after one answer. */
export type TutorialStep = { action: 'done' } | { action: 'fail'; why: string } | { action: 'retry'; delayMs: number };

/**
 * One turn of the tutorial's loop. `status` is the HTTP status, or `network` when `client.Do` failed; `itemStatus`
 * is `results[0].status` of a 200 answer (undefined when the array was empty or unparseable).
 */
export function tutorialStep(status: number | 'network', attempt: number, itemStatus?: number): TutorialStep {
  if (status === 'network') return { action: 'fail', why: 'HTTP request failed' };
  const retry = (why: string): TutorialStep =>
    attempt === TUTORIAL.maxRetries ? { action: 'fail', why } : { action: 'retry', delayMs: TUTORIAL.baseDelayMs * 2 ** attempt };
  if (status === 429) return retry(`rate limit exceeded after ${TUTORIAL.maxRetries} retries`);
  if (status === 401 || status === 403) return { action: 'fail', why: `authentication failed with status ${status}` };
  if (status >= 500) return retry(`server error ${status}`);
  if (status !== 200) return { action: 'fail', why: `unexpected status code ${status}` };
  if (itemStatus === undefined) return { action: 'fail', why: 'empty response array from Interaction API' };
  if (itemStatus !== 200) return { action: 'fail', why: `interaction update failed with status ${itemStatus}` };
  return { action: 'done' };
}

/** The tutorial's request body (`BuildFallbackPayload`): a one-item batch update targeting a queue. */
export function tutorialPayload(interactionId: string, queueId: string): string {
  return JSON.stringify([{ id: interactionId, action: 'update', details: { target: { id: queueId, type: 'routing/queues' } } }]);
}
