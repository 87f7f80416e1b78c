import { describe, expect, it } from 'vitest';
import { tutorialPayload, tutorialStep } from './baseline.js';

describe("the tutorial's retry loop, transcribed", () => {
  it('retries 429 and 5xx three times at 500 ms doubling, then gives up (4 requests)', () => {
    expect([0, 1, 2].map((a) => tutorialStep(429, a))).toEqual([
      { action: 'retry', delayMs: 500 },
      { action: 'retry', delayMs: 1000 },
      { action: 'retry', delayMs: 2000 },
    ]);
    expect(tutorialStep(429, 3)).toEqual({ action: 'fail', why: 'rate limit exceeded after 3 retries' });
    expect(tutorialStep(503, 1)).toEqual({ action: 'retry', delayMs: 1000 });
    expect(tutorialStep(500, 3).action).toBe('fail');
  });

  it('fails at once on a network error, 401/403 or any other status, and needs item status 200', () => {
    expect(tutorialStep('network', 0).action).toBe('fail');
    expect(tutorialStep(401, 0).action).toBe('fail');
    expect(tutorialStep(404, 0).action).toBe('fail');
    expect(tutorialStep(200, 0, 409)).toEqual({ action: 'fail', why: 'interaction update failed with status 409' });
    expect(tutorialStep(200, 0, undefined).action).toBe('fail');
    expect(tutorialStep(200, 2, 200)).toEqual({ action: 'done' });
  });

  it("builds the tutorial's one-item batch body", () => {
    expect(JSON.parse(tutorialPayload('c1', 'q1'))).toEqual([{ id: 'c1', action: 'update', details: { target: { id: 'q1', type: 'routing/queues' } } }]);
  });
});
