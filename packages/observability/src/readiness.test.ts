import { describe, expect, it } from 'vitest';
import { assertReady, readinessProbe } from './readiness.js';

describe('readinessProbe', () => {
  it('is ready only when every check passes, naming the failed ones', async () => {
    const probe = readinessProbe({ redis: async () => 'PONG', worker: () => { throw new Error('worker is closing'); } });
    expect(await probe()).toEqual({ ready: false, checks: { redis: 'ok', worker: 'worker is closing' } });
    await expect(assertReady(probe)).rejects.toThrow('worker: worker is closing');
    await expect(assertReady(readinessProbe({ redis: async () => 'PONG' }))).resolves.toBeUndefined();
  });
  it('bounds a check that never answers', async () => {
    const started = Date.now();
    const report = await readinessProbe({ redis: () => new Promise(() => undefined) }, 50)();
    expect(report).toEqual({ ready: false, checks: { redis: 'no answer within 50 ms' } });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
