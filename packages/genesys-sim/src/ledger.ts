import type { Models } from 'purecloud-platform-client-v2';

/** One API or token request the simulator saw. Tokens themselves are never kept: only their non-secret id. */
export interface LedgerRequest {
  /** Arrival time (epoch ms, simulator clock). */
  at: number;
  method: string;
  /**
   * Endpoint label: oauth/token, conversations/read, calls/read, replace/queue, replace/agent, transfer,
   * calls/replace, interactions, analytics/details, emergencygroups/read, emergencygroups/list,
   * emergencygroups/update, datatables/rows/read, datatables/rows/update, calls/attributes, callbacks,
   * queues/estimatedwaittime.
   */
  endpoint: string;
  /** Path without query string. */
  path: string;
  /** The OAuth client the request authenticated as (token's client, or the Basic-auth id at the token endpoint). */
  clientId?: string;
  /** Non-secret id of the bearer token (`tok-N`). */
  tokenId?: string;
  /** HTTP status sent; 0 when no answer was sent (timeout fault, dropped reply). */
  status: number;
  /** True when it arrived before the Retry-After last given to its token had elapsed. */
  early: boolean;
  /** The fault applied to it, as `id:type` (e.g. `3:timeout`). */
  fault?: string;
}

/** How a transfer the simulator accepted ended (mirrors `recentTransfers[].state`). */
export type LedgerTransferState = 'Pending' | 'Complete' | 'Failed' | 'Canceled' | 'Timeout';

/** One transfer the simulator accepted and applied (or, with a fail-transfer fault, accepted and failed). */
export interface LedgerTransfer {
  /** Same id as the conversation's `recentTransfers[]` entry. */
  id: string;
  /** When it was applied (shows in `recentTransfers`): later than `requestedAt` under a slow-apply fault. */
  at: number;
  /** When its request arrived. */
  requestedAt: number;
  conversationId: string;
  participantId: string;
  endpoint: string;
  target: { queueId?: string; queueName?: string; userId?: string; address?: string };
  clientId?: string;
  tokenId?: string;
  state: LedgerTransferState;
  /** True when the 202 never reached the client (accept-drop fault): the client cannot know it happened. */
  replyDropped: boolean;
}

/** Who made a change: an API client (`api`, with its client and token ids) or the control API (`control`, a person in the UI). */
export interface ChangeAuthor {
  by: 'api' | 'control';
  clientId?: string;
  tokenId?: string;
}

/** One change of an emergency group or a data-table row (`GET /__sim/flips`). */
export interface LedgerFlip extends ChangeAuthor {
  at: number;
  kind: 'emergencyGroup' | 'datatableRow';
  /** The emergency group's id, or the row's key. */
  id: string;
  /** The group's name, or the data table's name. */
  name: string;
  /** Rows only: the data table. */
  datatableId?: string;
  /** Writable fields (group: name, description, division, enabled, emergencyCallFlows; row: every field) before and after. */
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  /** Fields whose value changed. */
  changed: string[];
  /** Groups only: the version before and after. */
  versionBefore?: number;
  version?: number;
}

/** One callback created on a conversation (`GET /__sim/callbacks`), with the body as Genesys took it. */
export interface LedgerCallback {
  at: number;
  conversationId: string;
  participantId: string;
  body: Models.CreateCallbackOnConversationCommand;
  clientId?: string;
  tokenId?: string;
}

/** One participant-attributes PATCH (`GET /__sim/attributes`): what was sent, and the participant's attributes after it. */
export interface LedgerAttributePatch {
  at: number;
  conversationId: string;
  participantId: string;
  attributes: Record<string, string>;
  after: Record<string, string>;
  clientId?: string;
  tokenId?: string;
}

/** Counters the control API reports (`GET /__sim/stats`). Field names are read by tests and benchmarks: keep them. */
export interface SimStats {
  /** API and token requests seen (all time since the last reset, not only those kept in the ledger). */
  requests: number;
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
  /** Transfers accepted (202, or a 200 batch item). */
  transfers: number;
  transfersByState: Record<LedgerTransferState, number>;
  /**
   * Conversations where a transfer was accepted while an earlier accepted transfer of it had not failed:
   * the call was (or would have been) moved twice. Must stay 0.
   */
  duplicateTransfers: number;
  /** Requests that arrived before the Retry-After last given to their token had elapsed. Must stay 0. */
  earlyRequests: number;
  /** 429 answers sent. */
  rateLimited: number;
  /** Requests answered with nothing (timeout faults, dropped replies). */
  unanswered: number;
  /** Requests a fault was applied to. */
  faulted: number;
  tokensIssued: number;
  conversations: number;
  /** Requests currently kept in the ledger (older ones are dropped past the ledger limit; counters stay exact). */
  ledgerRequests: number;
  /** Emergency-group changes (API PUTs and control-API edits). */
  emergencyGroupFlips: number;
  /** Data-table row changes. */
  datatableRowFlips: number;
  /** Callbacks created. */
  callbacks: number;
  /** Participant-attribute PATCHes applied. */
  attributePatches: number;
}

/** Filter of `requests()`. */
export interface RequestQuery {
  /** Only requests that arrived at or after this epoch ms. */
  since?: number;
  tokenId?: string;
  endpoint?: string;
  status?: number;
  /** The most recent N matching (default all). */
  limit?: number;
}

/**
 * The simulator's record of requests and transfers. Every request updates counters in O(1): stats never scan
 * the ledger, and the request list is bounded (oldest dropped in batches) so a long benchmark cannot exhaust memory.
 */
export class Ledger {
  private reqs: LedgerRequest[] = [];
  private readonly xfers: LedgerTransfer[] = [];
  private readonly xfersByConversation = new Map<string, LedgerTransfer[]>();
  private readonly duplicated = new Set<string>();
  private total = 0;
  private early = 0;
  private rateLimited = 0;
  private unanswered = 0;
  private faulted = 0;
  private byEndpoint: Record<string, number> = {};
  private byStatus: Record<string, number> = {};
  private byState: Record<LedgerTransferState, number> = emptyByState();
  private flipList: LedgerFlip[] = [];
  private flipCounts = { emergencyGroup: 0, datatableRow: 0 };
  private callbackList: LedgerCallback[] = [];
  private attributeList: LedgerAttributePatch[] = [];

  constructor(private readonly requestLimit = 100_000) {}

  /** Records one request (call once, when its status is known). */
  record(r: LedgerRequest): void {
    this.total += 1;
    if (r.early) this.early += 1;
    if (r.status === 429) this.rateLimited += 1;
    if (r.status === 0) this.unanswered += 1;
    if (r.fault) this.faulted += 1;
    this.byEndpoint[r.endpoint] = (this.byEndpoint[r.endpoint] ?? 0) + 1;
    this.byStatus[r.status] = (this.byStatus[r.status] ?? 0) + 1;
    if (this.requestLimit <= 0) return;
    this.reqs.push(r);
    // Trim in batches of a tenth of the limit: amortized O(1), never a shift per request.
    if (this.reqs.length > this.requestLimit + Math.max(100, this.requestLimit / 10)) this.reqs = this.reqs.slice(-this.requestLimit);
  }

  /** Kept requests matching `q`, oldest first. */
  requests(q: RequestQuery = {}): LedgerRequest[] {
    const out = this.reqs.filter(
      (r) =>
        (q.since === undefined || r.at >= q.since) &&
        (q.tokenId === undefined || r.tokenId === q.tokenId) &&
        (q.endpoint === undefined || r.endpoint === q.endpoint) &&
        (q.status === undefined || r.status === q.status),
    );
    return q.limit !== undefined ? out.slice(-q.limit) : out;
  }

  /** Records an accepted transfer; flags the conversation when an earlier one of it had not failed. */
  addTransfer(t: LedgerTransfer): void {
    const earlier = this.xfersByConversation.get(t.conversationId);
    if (earlier?.some((e) => e.state === 'Pending' || e.state === 'Complete')) this.duplicated.add(t.conversationId);
    if (earlier) earlier.push(t);
    else this.xfersByConversation.set(t.conversationId, [t]);
    this.xfers.push(t);
    this.byState[t.state] += 1;
  }

  /** Moves an accepted transfer to its final state. */
  settleTransfer(t: LedgerTransfer, state: LedgerTransferState): void {
    this.byState[t.state] -= 1;
    t.state = state;
    this.byState[state] += 1;
  }

  /** Accepted transfers (of one conversation if given), oldest first. The live list: do not mutate. */
  transfers(conversationId?: string): LedgerTransfer[] {
    return conversationId === undefined ? this.xfers : this.xfersByConversation.get(conversationId) ?? [];
  }

  /** Records a change of an emergency group or a row. */
  addFlip(f: LedgerFlip): void {
    this.flipList.push(f);
    this.flipCounts[f.kind] += 1;
  }

  /** Changes of emergency groups and rows, oldest first (of one kind if given). */
  flips(kind?: LedgerFlip['kind']): LedgerFlip[] {
    return kind === undefined ? this.flipList : this.flipList.filter((f) => f.kind === kind);
  }

  addCallback(c: LedgerCallback): void {
    this.callbackList.push(c);
  }

  /** Callbacks created (on one conversation if given), oldest first. */
  callbacks(conversationId?: string): LedgerCallback[] {
    return conversationId === undefined ? this.callbackList : this.callbackList.filter((c) => c.conversationId === conversationId);
  }

  addAttributePatch(p: LedgerAttributePatch): void {
    this.attributeList.push(p);
  }

  /** Attribute PATCHes applied (on one conversation if given), oldest first. */
  attributePatches(conversationId?: string): LedgerAttributePatch[] {
    return conversationId === undefined ? this.attributeList : this.attributeList.filter((p) => p.conversationId === conversationId);
  }

  stats(extra: { tokensIssued: number; conversations: number }): SimStats {
    return {
      requests: this.total,
      byEndpoint: { ...this.byEndpoint },
      byStatus: { ...this.byStatus },
      transfers: this.xfers.length,
      transfersByState: { ...this.byState },
      duplicateTransfers: this.duplicated.size,
      earlyRequests: this.early,
      rateLimited: this.rateLimited,
      unanswered: this.unanswered,
      faulted: this.faulted,
      tokensIssued: extra.tokensIssued,
      conversations: extra.conversations,
      ledgerRequests: this.reqs.length,
      emergencyGroupFlips: this.flipCounts.emergencyGroup,
      datatableRowFlips: this.flipCounts.datatableRow,
      callbacks: this.callbackList.length,
      attributePatches: this.attributeList.length,
    };
  }

  /** Forgets everything recorded (conversations and tokens are not the ledger's). */
  reset(): void {
    this.reqs = [];
    this.xfers.length = 0;
    this.xfersByConversation.clear();
    this.duplicated.clear();
    this.total = this.early = this.rateLimited = this.unanswered = this.faulted = 0;
    this.byEndpoint = {};
    this.byStatus = {};
    this.byState = emptyByState();
    this.flipList = [];
    this.flipCounts = { emergencyGroup: 0, datatableRow: 0 };
    this.callbackList = [];
    this.attributeList = [];
  }
}

const emptyByState = (): Record<LedgerTransferState, number> => ({ Pending: 0, Complete: 0, Failed: 0, Canceled: 0, Timeout: 0 });
