import { describe, expect, it } from 'vitest';
import { resolveHosts, GENESYS_REGIONS } from './regions.js';
import { buildTransferRequest, interactionsFailure } from './transfer.js';

describe('buildTransferRequest', () => {
  it('uses replace/queue, replace/agent and /transfer for the replace strategy', () => {
    expect(buildTransferRequest('replace', 'c', 'p', { kind: 'queue', queueId: 'q' })).toMatchObject({
      path: '/api/v2/conversations/c/participants/p/replace/queue',
      body: { queueId: 'q' },
    });
    expect(buildTransferRequest('replace', 'c', 'p', { kind: 'queue', queueName: 'Fallback IVR' }).body).toEqual({ queueName: 'Fallback IVR' });
    expect(buildTransferRequest('replace', 'c', 'p', { kind: 'agent', userId: 'u' }).path).toBe('/api/v2/conversations/c/participants/p/replace/agent');
    expect(buildTransferRequest('replace', 'c', 'p', { kind: 'number', address: '+18005550100' })).toMatchObject({
      path: '/api/v2/conversations/c/participants/p/transfer',
      body: { address: '+18005550100' },
    });
  });
  it('uses the calls form for calls-replace, and refuses a queue name there', () => {
    expect(buildTransferRequest('calls-replace', 'c', 'p', { kind: 'queue', queueId: 'q' }).path).toBe('/api/v2/conversations/calls/c/participants/p/replace');
    expect(() => buildTransferRequest('calls-replace', 'c', 'p', { kind: 'queue', queueName: 'x' })).toThrow(/queue id/);
  });
  it('encodes ids into the path', () => {
    expect(buildTransferRequest('replace', 'c/../x', 'p?', { kind: 'agent', userId: 'u' }).path).toBe('/api/v2/conversations/c%2F..%2Fx/participants/p%3F/replace/agent');
  });
});

describe('resolveHosts', () => {
  it('has all 18 regions and builds regional api and login hosts', () => {
    expect(Object.keys(GENESYS_REGIONS)).toHaveLength(18);
    expect(resolveHosts({ region: 'mypurecloud.ie' })).toEqual({ apiBaseUrl: 'https://api.mypurecloud.ie', loginBaseUrl: 'https://login.mypurecloud.ie' });
  });
  it('takes overrides and rejects an unknown region with the list', () => {
    expect(resolveHosts({ region: 'x', apiUrl: 'http://127.0.0.1:1/', loginUrl: 'http://127.0.0.1:2' })).toEqual({ apiBaseUrl: 'http://127.0.0.1:1', loginBaseUrl: 'http://127.0.0.1:2' });
    expect(() => resolveHosts({ region: 'mypurecloud.fr' })).toThrow(/mypurecloud\.ie/);
  });
  it('lists every domain of the facts file, accepts case and spaces, and names all 18 when refusing', () => {
    const facts = 'mypurecloud.com mypurecloud.ie mypurecloud.com.au mypurecloud.jp mypurecloud.de usw2.pure.cloud cac1.pure.cloud apne2.pure.cloud euw2.pure.cloud aps1.pure.cloud sae1.pure.cloud mec1.pure.cloud apne3.pure.cloud euc2.pure.cloud mxc1.pure.cloud apse1.pure.cloud use2.us-gov-pure.cloud edee1.eusc-pure.cloud';
    expect(Object.keys(GENESYS_REGIONS).sort()).toEqual(facts.split(' ').sort());
    expect(resolveHosts({ region: ' MyPureCloud.DE ' }).apiBaseUrl).toBe('https://api.mypurecloud.de');
    let message = '';
    try {
      resolveHosts({ region: 'us-east-1' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('Unknown Genesys Cloud region "us-east-1"');
    for (const domain of facts.split(' ')) expect(message).toContain(domain);
  });
});

describe('interactions strategy', () => {
  it('builds the tutorial batch for a queue id only', () => {
    expect(buildTransferRequest('interactions', 'c', 'p', { kind: 'queue', queueId: 'q' })).toEqual({
      method: 'POST',
      path: '/api/v2/interactions',
      body: [{ id: 'c', action: 'update', details: { target: { id: 'q', type: 'routing/queues' } } }],
      endpoint: 'interactions',
    });
    expect(() => buildTransferRequest('interactions', 'c', 'p', { kind: 'agent', userId: 'u' })).toThrow(/queue id/);
  });
  it('reads the per-item status of the 200 answer', () => {
    expect(interactionsFailure([{ id: 'c', action: 'update', status: 200 }], 'c')).toBeUndefined();
    expect(interactionsFailure([{ id: 'x', status: 200 }, { id: 'c', status: 404 }], 'c')).toMatchObject({ status: 404 });
    expect(interactionsFailure([{ id: 'c', status: 409 }], 'c')).toMatchObject({ status: 409 });
    expect(interactionsFailure([], 'c')).toMatchObject({ status: 502, body: { code: 'interactions.unreadable' } });
    expect(interactionsFailure('', 'c')).toMatchObject({ status: 502 });
    expect(interactionsFailure([null, { id: 'c' }], 'c')).toMatchObject({ status: 502 });
  });
});

describe('transfer bodies by target', () => {
  it('sends agent and number through calls-replace with the documented fields', () => {
    expect(buildTransferRequest('calls-replace', 'c', 'p', { kind: 'agent', userId: 'u' }).body).toEqual({ userId: 'u' });
    expect(buildTransferRequest('calls-replace', 'c', 'p', { kind: 'number', address: '+1' }).body).toEqual({ address: '+1' });
  });
  it('refuses an unknown strategy', () => {
    expect(() => buildTransferRequest('nope' as never, 'c', 'p', { kind: 'agent', userId: 'u' })).toThrow(/unknown transfer strategy/);
  });
});
