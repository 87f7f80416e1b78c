import { describe, expect, it } from 'vitest';
import { loopDelayMs, shedsRoute } from './overload.js';

const route = (url: string | undefined) => ({ routeOptions: { url } }) as Parameters<typeof shedsRoute>[0];

describe('loopDelayMs', () => {
  it('is the histogram mean less its resolution when the timer came on time', () => {
    expect(loopDelayMs(45e6, 251, 250)).toBeCloseTo(35);
    expect(loopDelayMs(5e6, 250, 250)).toBe(0);
  });
  it('is how late the sample came when that is more (one long turn among short ones)', () => {
    expect(loopDelayMs(30e6, 700, 250)).toBe(450);
  });
  it('reads a loop blocked the whole interval (no samples: NaN) as the timer lateness, not Infinity', () => {
    expect(loopDelayMs(Number.NaN, 550, 250)).toBe(300);
    expect(loopDelayMs(Number.NaN, 250, 250)).toBe(0);
  });
});

describe('shedsRoute', () => {
  it('sheds the sender routes only, never health, readiness, metrics or unknown routes', () => {
    expect(shedsRoute(route('/v1/fallbacks'))).toBe(true);
    expect(shedsRoute(route('/v1/fallbacks/:id'))).toBe(true);
    for (const url of ['/healthz', '/readyz', '/metrics', undefined]) expect(shedsRoute(route(url))).toBe(false);
  });
});
