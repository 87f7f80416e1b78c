/**
 * The ledger every scenario keeps (after Outpost's load test): what the system acknowledged must equal what
 * ended — transferred, failed (dead-lettered with a reason) or expired — and the simulator must have moved no
 * call twice. A run whose ledger does not balance says so in the report instead of printing a throughput.
 */

/** Final and non-final counts of one run. */
export interface LedgerCounts {
  /** Failures the system acknowledged (ours: 202 from the ingress; the baseline: every request it received). */
  accepted: number;
  transferred: number;
  failed: number;
  expired: number;
  /** Still waiting, active or delayed when the run stopped looking. */
  pending: number;
  /** Conversations the simulator saw transferred more than once. */
  duplicates: number;
}

/** A balanced (or not) ledger. */
export interface LedgerCheck extends LedgerCounts {
  /** Acknowledged, yet neither final nor pending: gone. */
  lost: number;
  /** accepted = transferred + failed + expired, nothing lost, nothing pending, no duplicate. */
  balanced: boolean;
  /** Human-readable problems ("3 lost", "2 duplicates", …); empty when balanced. */
  problems: string[];
}

/** Checks accepted = transferred + failed + expired (+ pending), and duplicates = 0. */
export function checkLedger(c: LedgerCounts): LedgerCheck {
  const lost = c.accepted - c.transferred - c.failed - c.expired - c.pending;
  const problems: string[] = [];
  if (lost > 0) problems.push(`${lost} lost`);
  if (lost < 0) problems.push(`${-lost} more outcomes than acknowledged events`);
  if (c.pending > 0) problems.push(`${c.pending} still pending`);
  if (c.duplicates > 0) problems.push(`${c.duplicates} duplicate transfers`);
  return { ...c, lost: Math.max(0, lost), balanced: problems.length === 0, problems };
}

/** A transfer as the simulator's ledger records it. */
export interface TransferRecord {
  conversationId: string;
  at: number;
  /** Pending, Complete, Failed, Canceled, Timeout (only Complete moved the caller). */
  state?: string;
}

/** One caller of a run: when the failure was sent, its deadline, when the caller hangs up (if ever). */
export interface CallerPlan {
  conversationId: string;
  sentAt: number;
  deadline: number;
  hangupAt?: number;
}

/**
 * What the callers felt: moved before their deadline, moved after it, hung up before anyone moved them, or left on
 * the dead bot past their deadline. From the simulator's ledger alone (the same for ours and the baseline): a
 * caller is moved by the first Complete transfer of the call (a transfer the simulator applied after the caller
 * hung up is Canceled, not Complete).
 */
export interface CallerFigures {
  callers: number;
  movedBeforeDeadline: number;
  movedLate: number;
  hungUp: number;
  leftOnBot: number;
  /** Genesys API requests ÷ callers moved (before or after the deadline). */
  requestsPerMoved: number;
}

/** Tallies CallerFigures. */
export function callerFigures(plans: readonly CallerPlan[], transfers: readonly TransferRecord[], apiRequests: number): CallerFigures {
  const moved = new Map<string, number>();
  for (const t of transfers) {
    if ((t.state ?? 'Complete') !== 'Complete') continue;
    const seen = moved.get(t.conversationId);
    if (seen === undefined || t.at < seen) moved.set(t.conversationId, t.at);
  }
  const f: CallerFigures = { callers: plans.length, movedBeforeDeadline: 0, movedLate: 0, hungUp: 0, leftOnBot: 0, requestsPerMoved: Number.NaN };
  for (const p of plans) {
    const at = moved.get(p.conversationId);
    if (at !== undefined) {
      if (at <= p.deadline) f.movedBeforeDeadline += 1;
      else f.movedLate += 1;
    } else if (p.hangupAt !== undefined && p.hangupAt <= p.deadline) f.hungUp += 1;
    else f.leftOnBot += 1;
  }
  const movedAll = f.movedBeforeDeadline + f.movedLate;
  f.requestsPerMoved = movedAll > 0 ? apiRequests / movedAll : Number.NaN;
  return f;
}

/** Conversations with more than one transfer. */
export function duplicateConversations(transfers: readonly TransferRecord[]): string[] {
  const seen = new Map<string, number>();
  for (const t of transfers) seen.set(t.conversationId, (seen.get(t.conversationId) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
}

/**
 * Time to transfer per conversation: the simulator's first transfer of it minus when the bench sent its failure.
 * Conversations the simulator never transferred are left out (they show in the ledger, not here).
 */
export function timesToTransfer(sentAt: ReadonlyMap<string, number>, transfers: readonly TransferRecord[]): number[] {
  const first = new Map<string, number>();
  for (const t of transfers) {
    const seen = first.get(t.conversationId);
    if (seen === undefined || t.at < seen) first.set(t.conversationId, t.at);
  }
  const out: number[] = [];
  for (const [id, sent] of sentAt) {
    const at = first.get(id);
    if (at !== undefined) out.push(at - sent);
  }
  return out;
}

/** How one request the simulator saw counts. */
export interface RequestRecord {
  at: number;
  endpoint: string;
  status: number;
  early?: boolean;
}

/** Genesys API requests (the token endpoint excluded), split by how they were answered. */
export interface RequestTally {
  api: number;
  rateLimited: number;
  early: number;
  /** API requests Genesys let through (not 429). */
  admitted: number;
  firstAt: number;
  lastAt: number;
}

/** Tallies API requests (not `oauth/token`). */
export function tallyRequests(requests: readonly RequestRecord[]): RequestTally {
  const t: RequestTally = { api: 0, rateLimited: 0, early: 0, admitted: 0, firstAt: Number.NaN, lastAt: Number.NaN };
  for (const r of requests) {
    if (r.endpoint === 'oauth/token') continue;
    t.api += 1;
    if (r.status === 429) t.rateLimited += 1;
    else t.admitted += 1;
    if (r.early) t.early += 1;
    if (!(r.at >= t.firstAt)) t.firstAt = r.at;
    if (!(r.at <= t.lastAt)) t.lastAt = r.at;
  }
  return t;
}

/** Cumulative count over time (for charts): one point per event, x in seconds from `origin`. */
export function cumulative(times: readonly number[], origin: number): Array<[number, number]> {
  return [...times].sort((a, b) => a - b).map((t, i) => [(t - origin) / 1000, i + 1]);
}
