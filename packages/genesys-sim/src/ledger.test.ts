import { describe, expect, it } from 'vitest';
import { Ledger, type LedgerRequest, type LedgerTransfer } from './ledger.js';

const req = (over: Partial<LedgerRequest> = {}): LedgerRequest => ({ at: 0, method: 'GET', endpoint: 'conversations/read', path: '/x', status: 200, early: false, ...over });
const xfer = (conversationId: string, id: string): LedgerTransfer => ({
  id,
  at: 0,
  requestedAt: 0,
  conversationId,
  participantId: 'p',
  endpoint: 'replace/queue',
  target: { queueId: 'q' },
  state: 'Pending',
  replyDropped: false,
});
const extra = { tokensIssued: 0, conversations: 0 };

describe('Ledger', () => {
  it('counts every request by endpoint and status, early, 429 and unanswered ones', () => {
    const l = new Ledger();
    l.record(req());
    l.record(req({ status: 429 }));
    l.record(req({ status: 429, early: true }));
    l.record(req({ endpoint: 'replace/queue', status: 0, fault: '1:timeout' }));
    expect(l.stats(extra)).toMatchObject({
      requests: 4,
      byEndpoint: { 'conversations/read': 3, 'replace/queue': 1 },
      byStatus: { 200: 1, 429: 2, 0: 1 },
      earlyRequests: 1,
      rateLimited: 2,
      unanswered: 1,
      faulted: 1,
    });
  });
  it('keeps a bounded list of requests while counters stay exact', () => {
    const l = new Ledger(1000);
    for (let i = 0; i < 5000; i += 1) l.record(req({ at: i }));
    const s = l.stats(extra);
    expect(s.requests).toBe(5000);
    expect(s.ledgerRequests).toBeLessThanOrEqual(1100);
    expect(l.requests().at(-1)!.at).toBe(4999);
    expect(l.requests({ since: 4990 })).toHaveLength(10);
    expect(l.requests({ limit: 3 }).map((r) => r.at)).toEqual([4997, 4998, 4999]);
    expect(new Ledger(0).requests()).toEqual([]);
  });
  it('filters requests by token, endpoint and status', () => {
    const l = new Ledger();
    l.record(req({ tokenId: 'tok-1' }));
    l.record(req({ tokenId: 'tok-2', status: 429 }));
    l.record(req({ tokenId: 'tok-2', endpoint: 'transfer' }));
    expect(l.requests({ tokenId: 'tok-2' })).toHaveLength(2);
    expect(l.requests({ tokenId: 'tok-2', status: 200 })).toHaveLength(1);
    expect(l.requests({ endpoint: 'transfer' })).toHaveLength(1);
  });
  it('flags a conversation transferred while an earlier transfer had not failed', () => {
    const l = new Ledger();
    const a = xfer('c1', 'a');
    l.addTransfer(a);
    l.settleTransfer(a, 'Failed');
    l.addTransfer(xfer('c1', 'b')); // after a failure: a legitimate second attempt
    expect(l.stats(extra).duplicateTransfers).toBe(0);
    l.addTransfer(xfer('c1', 'c')); // while 'b' is pending: twice
    l.addTransfer(xfer('c1', 'd'));
    l.addTransfer(xfer('c2', 'e'));
    expect(l.stats(extra)).toMatchObject({ transfers: 5, duplicateTransfers: 1, transfersByState: { Pending: 4, Failed: 1, Complete: 0 } });
    expect(l.transfers('c1').map((t) => t.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(l.transfers('nope')).toEqual([]);
  });
  it('reset forgets everything', () => {
    const l = new Ledger();
    l.record(req({ early: true }));
    l.addTransfer(xfer('c', 'a'));
    l.addTransfer(xfer('c', 'b'));
    l.reset();
    expect(l.stats(extra)).toMatchObject({ requests: 0, earlyRequests: 0, transfers: 0, duplicateTransfers: 0, byEndpoint: {} });
  });
});
