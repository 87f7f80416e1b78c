import { describe, expect, it } from 'vitest';
import { FaultBook, FaultRuleError, appliesTo, parseFaultRules, seededRandom, type FaultRule } from './faults.js';

const parseError = (raw: unknown) => {
  try {
    parseFaultRules(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(FaultRuleError);
    return (err as Error).message;
  }
  throw new Error('expected a FaultRuleError');
};

describe('parseFaultRules', () => {
  it('accepts every documented action and fills the default endpoint', () => {
    const rules = parseFaultRules([
      { action: { type: 'status', status: 429, retryAfterSec: 10 }, durationMs: 5000 },
      { endpoint: 'transfer', action: { type: 'status', status: 403, permission: ['a:b:c', 'd:e:f'], anyOf: true } },
      { endpoint: 'read', action: { type: 'status', status: 503 }, probability: 0.25 },
      { endpoint: 'read', action: { type: 'latency', ms: 300 }, count: 2, skip: 1, startAfterMs: 100 },
      { endpoint: 'any', action: { type: 'timeout' }, conversationId: 'c1', label: 'stuck' },
      { endpoint: 'transfer', action: { type: 'accept-drop', mode: 'hang' } },
      { endpoint: 'interactions', action: { type: 'fail-transfer' } },
      { endpoint: 'read', action: { type: 'revoke-token' } },
      { endpoint: 'any', action: { type: 'expire-token' } },
      { endpoint: 'token', action: { type: 'status', status: 401 } },
      { endpoint: 'transfer', action: { type: 'fail-transfer', state: 'Timeout', pendingMs: 4000 } },
      { endpoint: 'transfer', action: { type: 'slow-apply', answerAfterMs: 3000, applyAfterMs: 1500 } },
      { endpoint: 'any', action: { type: 'slow-apply', answerAfterMs: 0 } },
      { endpoint: 'analytics', action: { type: 'status', status: 403, permission: 'analytics:conversationDetail:view' } },
      { endpoint: 'architect', action: { type: 'status', status: 409 } },
      { endpoint: 'routing', action: { type: 'status', status: 404 } },
      { endpoint: 'attributes', action: { type: 'status', status: 503 } },
      { endpoint: 'callbacks', action: { type: 'latency', ms: 5 } },
      { endpoint: 'read', action: { type: 'status', status: 429, code: 'too.many.requests' } },
    ]);
    expect(rules).toHaveLength(19);
    expect(rules[10]!.action).toEqual({ type: 'fail-transfer', state: 'Timeout', pendingMs: 4000 });
    expect(rules[12]!.action).toEqual({ type: 'slow-apply', answerAfterMs: 0 });
    expect(rules[0]).toEqual({ endpoint: 'any', action: { type: 'status', status: 429, retryAfterSec: 10 }, durationMs: 5000 });
  });
  it.each([
    [{}, 'rules: must be an array'],
    [[null], 'rules[0]: must be an object'],
    [[{ action: { type: 'status', status: 429 }, when: 'now' }], 'rules[0].when: unknown field'],
    [[{ endpoint: 'everything', action: { type: 'timeout' } }], 'rules[0].endpoint: must be one of'],
    [[{ action: { type: 'explode' } }], 'rules[0].action.type: must be one of'],
    [[{}], 'rules[0].action: must be an object'],
    [[{ action: { type: 'status' } }], 'rules[0].action.status: required'],
    [[{ action: { type: 'status', status: 200 } }], 'rules[0].action.status: must be ≥ 400'],
    [[{ action: { type: 'status', status: '503' } }], 'rules[0].action.status: must be a number'],
    [[{ action: { type: 'status', status: 503, retryAfterSec: 5 } }], 'rules[0].action.retryAfterSec: only for status 429'],
    [[{ action: { type: 'status', status: 429, retryAfterSec: -1 } }], 'rules[0].action.retryAfterSec: must be ≥ 0'],
    [[{ action: { type: 'status', status: 500, permission: 'a:b:c' } }], 'rules[0].action.permission: only for status 403'],
    [[{ action: { type: 'status', status: 403, permission: [] } }], 'rules[0].action.permission: must be a permission name'],
    [[{ action: { type: 'latency' } }], 'rules[0].action.ms: required'],
    [[{ action: { type: 'timeout', ms: 5 } }], 'rules[0].action.ms: unknown field for timeout'],
    [[{ action: { type: 'accept-drop', mode: 'later' } }], 'rules[0].action.mode: must be reset or hang'],
    [[{ endpoint: 'read', action: { type: 'accept-drop' } }], 'rules[0].action.type: accept-drop applies to transfer or interactions requests only'],
    [[{ endpoint: 'interactions', action: { type: 'slow-apply', answerAfterMs: 1 } }], 'rules[0].action.type: slow-apply applies to transfer requests only'],
    [[{ endpoint: 'analytics', action: { type: 'fail-transfer' } }], 'rules[0].action.type: fail-transfer applies to transfer'],
    [[{ action: { type: 'fail-transfer', state: 'Complete' } }], 'rules[0].action.state: must be one of Failed, Canceled, Timeout'],
    [[{ action: { type: 'fail-transfer', pendingMs: -5 } }], 'rules[0].action.pendingMs: must be ≥ 0'],
    [[{ action: { type: 'fail-transfer', after: 5 } }], 'rules[0].action.after: unknown field for fail-transfer'],
    [[{ action: { type: 'slow-apply' } }], 'rules[0].action.answerAfterMs: required'],
    [[{ action: { type: 'slow-apply', answerAfterMs: 1, applyAfterMs: 'later' } }], 'rules[0].action.applyAfterMs: must be a number'],
    [[{ endpoint: 'queues', action: { type: 'timeout' } }], 'rules[0].endpoint: must be one of token, read, transfer, interactions, analytics, architect, routing, attributes, callbacks, any'],
    [[{ endpoint: 'token', action: { type: 'revoke-token' } }], 'rules[0].action.type: revoke-token applies to API requests'],
    [[{ endpoint: 'token', action: { type: 'timeout' }, conversationId: 'c' }], 'rules[0].conversationId: token requests'],
    [[{ action: { type: 'timeout' }, probability: 1.5 }], 'rules[0].probability: must be ≤ 1'],
    [[{ action: { type: 'timeout' }, count: 0 }], 'rules[0].count: must be ≥ 1'],
    [[{ action: { type: 'timeout' }, count: 1.5 }], 'rules[0].count: must be an integer'],
    [[{ action: { type: 'timeout' } }, { action: { type: 'timeout' }, durationMs: -1 }], 'rules[1].durationMs: must be ≥ 0'],
  ])('refuses %j naming the field', (raw, message) => {
    expect(parseError(raw)).toContain(message);
  });
});

describe('appliesTo', () => {
  it('keeps transfer-only and bearer-only actions where they make sense', () => {
    expect(appliesTo({ type: 'accept-drop' }, 'read')).toBe(false);
    expect(appliesTo({ type: 'accept-drop' }, 'interactions')).toBe(true);
    expect(appliesTo({ type: 'revoke-token' }, 'token')).toBe(false);
    expect(appliesTo({ type: 'timeout' }, 'token')).toBe(true);
    expect(appliesTo({ type: 'slow-apply', answerAfterMs: 1 }, 'transfer')).toBe(true);
    expect(appliesTo({ type: 'slow-apply', answerAfterMs: 1 }, 'interactions')).toBe(false);
    expect(appliesTo({ type: 'fail-transfer' }, 'analytics')).toBe(false);
  });
});

describe('FaultBook', () => {
  const book = (rules: FaultRule[], seed = 1) => {
    const b = new FaultBook(seed);
    b.install(rules, 1000);
    return b;
  };
  it('matches by endpoint; any means every API endpoint but not the token endpoint', () => {
    const b = book([{ endpoint: 'any', action: { type: 'status', status: 503 } }]);
    expect(b.take('read', undefined, 1000)).toBeDefined();
    expect(b.take('transfer', undefined, 1000)).toBeDefined();
    expect(b.take('token', undefined, 1000)).toBeUndefined();
  });
  it('takes the first matching rule, skips dead ones and counts uses', () => {
    const b = book([
      { endpoint: 'read', action: { type: 'status', status: 500 }, count: 1 },
      { endpoint: 'read', action: { type: 'status', status: 502 }, count: 2 },
    ]);
    const statuses = Array.from({ length: 4 }, () => (b.take('read', undefined, 1000)?.action as { status?: number } | undefined)?.status);
    expect(statuses).toEqual([500, 502, 502, undefined]);
    expect(b.list().map((f) => [f.hits, f.remaining])).toEqual([
      [1, 0],
      [2, 0],
    ]);
  });
  it('lets `skip` requests through first', () => {
    const b = book([{ endpoint: 'read', action: { type: 'timeout' }, skip: 2, count: 1 }]);
    expect([1, 2, 3, 4].map(() => b.take('read', undefined, 1000)?.action.type)).toEqual([undefined, undefined, 'timeout', undefined]);
  });
  it('applies inside its window only (startAfterMs, durationMs)', () => {
    const b = book([{ endpoint: 'read', action: { type: 'timeout' }, startAfterMs: 500, durationMs: 1000 }]);
    expect(b.take('read', undefined, 1499)).toBeUndefined();
    expect(b.take('read', undefined, 1500)).toBeDefined();
    expect(b.take('read', undefined, 2499)).toBeDefined();
    expect(b.take('read', undefined, 2500)).toBeUndefined();
  });
  it('matches one conversation when asked (for an analytics batch: one that names it)', () => {
    const b = book([{ endpoint: 'any', action: { type: 'timeout' }, conversationId: 'c1' }]);
    expect(b.take('read', 'c2', 1000)).toBeUndefined();
    expect(b.take('read', 'c1', 1000)).toBeDefined();
    expect(b.take('analytics', ['c2', 'c3'], 1000)).toBeUndefined();
    expect(b.take('analytics', ['c2', 'c1'], 1000)).toBeDefined();
    expect(b.take('analytics', undefined, 1000)).toBeUndefined();
  });
  it('any covers the new endpoint groups too', () => {
    const b = book([{ endpoint: 'any', action: { type: 'status', status: 503 } }]);
    for (const e of ['analytics', 'architect', 'routing', 'attributes', 'callbacks'] as const) expect(b.take(e, undefined, 1000), e).toBeDefined();
  });
  it('draws probabilities from the seeded RNG: the same seed replays the same faults', () => {
    const run = (seed: number) => {
      const b = book([{ endpoint: 'read', action: { type: 'status', status: 503 }, probability: 0.3 }], seed);
      return Array.from({ length: 200 }, () => (b.take('read', undefined, 1000) ? 1 : 0)).join('');
    };
    expect(run(42)).toBe(run(42));
    expect(run(42)).not.toBe(run(43));
    const hits = [...run(42)].filter((c) => c === '1').length;
    expect(hits).toBeGreaterThan(35);
    expect(hits).toBeLessThan(85);
  });
  it('removes one rule or all', () => {
    const b = book([{ endpoint: 'read', action: { type: 'timeout' } }, { endpoint: 'transfer', action: { type: 'timeout' } }]);
    expect(b.remove(b.list()[0]!.id)).toBe(true);
    expect(b.remove(999)).toBe(false);
    expect(b.take('read', undefined, 1000)).toBeUndefined();
    b.clear();
    expect(b.take('transfer', undefined, 1000)).toBeUndefined();
  });
  it('installs nothing when one rule is bad', () => {
    const b = new FaultBook();
    expect(() => b.install([{ endpoint: 'read', action: { type: 'timeout' } }, { action: { type: 'nope' } }], 0)).toThrow(FaultRuleError);
    expect(b.list()).toEqual([]);
  });
});

describe('seededRandom', () => {
  it('is deterministic and in [0, 1)', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    for (let i = 0; i < 1000; i += 1) {
      const x = a();
      expect(x).toBe(b());
      expect(x >= 0 && x < 1).toBe(true);
    }
  });
});
