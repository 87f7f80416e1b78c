import { describe, expect, it } from 'vitest';
import { parseConversationQuery } from './lookup.js';

const CID = '2B80F5C9-CB7B-430B-8607-1862B7380C1F';

describe('parseConversationQuery', () => {
  it('reads one conversation id, lower-cased', () => {
    expect(parseConversationQuery(CID)).toEqual({ conversationId: CID.toLowerCase() });
  });
  it.each([undefined, '', '{{context.genesys.conversationId}}', [CID, CID], `${CID} `])('refuses %j naming /conversationId', (raw) => {
    const parsed = parseConversationQuery(raw);
    expect('problem' in parsed && parsed.problem.field).toBe('/conversationId');
  });
});
