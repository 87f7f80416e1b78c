import { isGenesysApiError, type ConversationView, type RequestContext } from '@fallback/genesys';

/** The Genesys reads the reader uses (GenesysClient satisfies it). */
export interface ReadPort {
  getConversation(conversationId: string, ctx: RequestContext): Promise<ConversationView>;
  getConversationDetails(conversationIds: readonly string[], ctx: RequestContext): Promise<ConversationView[]>;
}

/** The logging surface the reader needs. */
export interface ReaderLog {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
}

/** Options of ConversationReader. */
export interface ReaderOptions {
  genesys: ReadPort;
  /** Use the analytics batch read (off when the OAuth client lacks `analytics:conversationDetail:view`). */
  analytics: boolean;
  /** Most ids in one analytics request (Genesys does not document a limit: keep it ≤ 100). */
  batchLimit: number;
  /** Batch requests under way at once in this process (one per OAuth client is plenty: the gate serialises). */
  concurrency: number;
  /**
   * How long a low-priority read (a confirmation) waits for company before it goes (ms). Confirmations come back
   * one by one from the delayed set; without a window each would leave alone. A caller's read never waits.
   */
  lowPriorityWindowMs?: number;
  log: ReaderLog;
  now?: () => number;
}

interface Pending {
  conversationId: string;
  ctx: RequestContext;
  since: number;
  resolve: (v: ConversationView) => void;
  reject: (e: unknown) => void;
}

/**
 * Reads conversations for many jobs at once (issue scenario S17: a bot outage, hundreds of calls, one budget).
 *
 * `batched` queues a read; whatever queues up while a batch request is under way (or waiting for its slot) goes
 * out together in the next one, up to `batchLimit` ids in one `GET /api/v2/analytics/conversations/details` — no
 * timer, so a lone read at low load leaves at once and costs what a direct read costs (a batch of one IS a direct
 * read: exact, and no lag). A call the analytics answer does not show (unknown, or newer than its lag) falls back
 * to a direct read. A 403 on analytics (the permission is missing) turns analytics off for good, with a log line,
 * and every later read is direct. `live` always reads the call directly: after a refusal, or to see
 * `recentTransfers`, which analytics does not have.
 */
export class ConversationReader {
  private readonly queue: Pending[] = [];
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private analytics: boolean;
  private readonly now: () => number;

  constructor(private readonly opts: ReaderOptions) {
    this.analytics = opts.analytics;
    this.now = opts.now ?? Date.now;
  }

  /** True while the analytics batch read is in use. */
  get usesAnalytics(): boolean {
    return this.analytics;
  }

  /** A direct read of the call's state now. */
  live(conversationId: string, ctx: RequestContext): Promise<ConversationView> {
    return this.opts.genesys.getConversation(conversationId, ctx);
  }

  /** A read that may share one request with other jobs' reads (and then trail the live state by seconds). */
  batched(conversationId: string, ctx: RequestContext): Promise<ConversationView> {
    if (!this.analytics) return this.live(conversationId, ctx);
    return new Promise((resolve, reject) => {
      this.queue.push({ conversationId, ctx, since: this.now(), resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.running < Math.max(1, this.opts.concurrency)) {
      // High-priority reads first (a caller waits for a first transfer), then by age.
      this.queue.sort((a, b) => (a.ctx.priority === b.ctx.priority ? a.since - b.since : a.ctx.priority === 'high' ? -1 : 1));
      const priority = this.queue[0]!.ctx.priority;
      const limit = Math.max(1, this.opts.batchLimit);
      const candidates = this.queue.filter((p) => p.ctx.priority === priority);
      if (priority === 'low' && candidates.length < limit) {
        const ripeAt = candidates[0]!.since + (this.opts.lowPriorityWindowMs ?? 0);
        if (ripeAt > this.now()) {
          this.timer ??= setTimeout(() => {
            this.timer = undefined;
            this.pump();
          }, ripeAt - this.now());
          return;
        }
      }
      const take = candidates.slice(0, limit);
      for (const p of take) this.queue.splice(this.queue.indexOf(p), 1);
      this.running += 1;
      void this.send(take).finally(() => {
        this.running -= 1;
        this.pump();
      });
    }
  }

  private async send(batch: Pending[]): Promise<void> {
    if (batch.length === 1 || !this.analytics) {
      await Promise.all(batch.map((p) => this.live(p.conversationId, p.ctx).then(p.resolve, p.reject)));
      return;
    }
    const now = this.now();
    // The batch waits for its slot no longer than its most impatient member may.
    const ctx: RequestContext = {
      priority: batch[0]!.ctx.priority,
      maxWaitMs: Math.max(0, Math.min(...batch.map((p) => p.ctx.maxWaitMs - (now - p.since)))),
    };
    let views: ConversationView[];
    try {
      views = await this.opts.genesys.getConversationDetails(
        batch.map((p) => p.conversationId),
        ctx,
      );
    } catch (err) {
      if (isGenesysApiError(err) && (err.kind === 'forbidden' || (err.kind === 'permanent' && err.status === 404))) {
        // The permission is missing, or the endpoint is not there (a proxy, an older simulator): for good.
        this.analytics = false;
        this.opts.log.warn(
          { status: err.status, code: err.code, missingPermissions: err.missingPermissions, correlationId: err.correlationId },
          err.kind === 'forbidden'
            ? 'the OAuth client may not read analytics (analytics:conversationDetail:view): reading each call directly from now on'
            : 'the analytics batch read is not available: reading each call directly from now on',
        );
      }
      if (isGenesysApiError(err) && (err.kind === 'forbidden' || err.kind === 'permanent')) {
        // Refused for this batch (its size, say): each call is read on its own; the callers do not pay for it.
        await Promise.all(batch.map((p) => this.live(p.conversationId, p.ctx).then(p.resolve, p.reject)));
        return;
      }
      for (const p of batch) p.reject(err);
      return;
    }
    const byId = new Map(views.map((v) => [v.id.toLowerCase(), v]));
    const missing: Pending[] = [];
    for (const p of batch) {
      const view = byId.get(p.conversationId.toLowerCase());
      if (view) p.resolve(view);
      else missing.push(p);
    }
    // Analytics trails the live state: a call it does not show yet is read directly.
    await Promise.all(missing.map((p) => this.live(p.conversationId, p.ctx).then(p.resolve, p.reject)));
  }
}
