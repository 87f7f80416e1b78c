import { describe, expect, it } from 'vitest';
import { callerFigures, checkLedger, cumulative, duplicateConversations, tallyRequests, timesToTransfer } from './ledger.js';

describe('checkLedger', () => {
  it('balances when every acknowledged failure ended once and nothing moved twice', () => {
    const l = checkLedger({ accepted: 10, transferred: 6, failed: 3, expired: 1, pending: 0, duplicates: 0 });
    expect(l.balanced).toBe(true);
    expect(l.lost).toBe(0);
    expect(l.problems).toEqual([]);
  });

  it('names lost, pending and duplicate outcomes', () => {
    const l = checkLedger({ accepted: 10, transferred: 5, failed: 1, expired: 0, pending: 2, duplicates: 1 });
    expect(l.balanced).toBe(false);
    expect(l.lost).toBe(2);
    expect(l.problems).toEqual(['2 lost', '2 still pending', '1 duplicate transfers']);
  });

  it('flags more outcomes than acknowledgements instead of reporting negative loss', () => {
    const l = checkLedger({ accepted: 3, transferred: 4, failed: 0, expired: 0, pending: 0, duplicates: 0 });
    expect(l.lost).toBe(0);
    expect(l.problems).toEqual(['1 more outcomes than acknowledged events']);
  });
});

describe('simulator ledger helpers', () => {
  const transfers = [
    { conversationId: 'a', at: 1010 },
    { conversationId: 'b', at: 1100 },
    { conversationId: 'a', at: 1005 },
  ];

  it('finds conversations transferred more than once', () => {
    expect(duplicateConversations(transfers)).toEqual(['a']);
    expect(duplicateConversations([{ conversationId: 'x', at: 1 }])).toEqual([]);
  });

  it('measures time to transfer from the send to the FIRST transfer, skipping calls never transferred', () => {
    const sent = new Map([
      ['a', 1000],
      ['b', 1090],
      ['c', 1000],
    ]);
    expect(timesToTransfer(sent, transfers)).toEqual([5, 10]);
  });

  it('tallies API requests without the token endpoint: admitted, 429s, early, window', () => {
    const t = tallyRequests([
      { at: 5, endpoint: 'oauth/token', status: 200 },
      { at: 10, endpoint: 'conversations/read', status: 200 },
      { at: 30, endpoint: 'replace/queue', status: 429 },
      { at: 20, endpoint: 'replace/queue', status: 429, early: true },
    ]);
    expect(t).toEqual({ api: 3, rateLimited: 2, early: 1, admitted: 1, firstAt: 10, lastAt: 30 });
  });

  it('builds a cumulative series in seconds from an origin', () => {
    expect(cumulative([3000, 1000, 2000], 1000)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
  });
});

describe('callerFigures', () => {
  const plan = (id: string, hangupAt?: number) => ({ conversationId: id, sentAt: 0, deadline: 10_000, ...(hangupAt !== undefined ? { hangupAt } : {}) });
  it('tells moved before the deadline, moved late, hung up waiting and left on the bot apart', () => {
    const f = callerFigures(
      [plan('a'), plan('b'), plan('c', 5000), plan('d', 20_000), plan('e', 3000)],
      [
        { conversationId: 'a', at: 2000, state: 'Complete' },
        { conversationId: 'b', at: 12_000, state: 'Complete' },
        // Applied after e hung up: Canceled, nobody moved.
        { conversationId: 'e', at: 4000, state: 'Canceled' },
      ],
      6,
    );
    expect(f).toEqual({ callers: 5, movedBeforeDeadline: 1, movedLate: 1, hungUp: 2, leftOnBot: 1, requestsPerMoved: 3 });
  });
  it('takes the first Complete transfer of a call, and a transfer without a state as applied', () => {
    const f = callerFigures([plan('a')], [{ conversationId: 'a', at: 11_000, state: 'Failed' }, { conversationId: 'a', at: 9000 }], 2);
    expect(f).toMatchObject({ movedBeforeDeadline: 1, requestsPerMoved: 2 });
  });
});
