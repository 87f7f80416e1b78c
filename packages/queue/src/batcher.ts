/** Options of MicroBatcher. */
export interface MicroBatcherOptions {
  /** A batch is sent as soon as it holds this many items, without waiting for the end of the loop turn. */
  maxItems: number;
}

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (reason: unknown) => void;
}

/**
 * Groups work that arrives close together into one call of `run`, so requests share one Redis round trip.
 *
 * The window is one turn of the event loop: items added while Node handles the sockets that were ready together
 * (one poll phase) go in one batch, sent by setImmediate right after that phase. An idle process adds no delay (a
 * lone request is sent in the same turn it arrived), and a loaded one batches more because more arrives per turn.
 * `maxItems` bounds a batch (and the Redis script that runs it).
 *
 * `run` answers one result per item, in order. When it fails, every item of that batch fails with its error: a
 * batch is all or nothing to its callers, and the caller of `run` must make it so in Redis too.
 */
export class MicroBatcher<I, O> {
  private pending: Array<Pending<I, O>> = [];
  private scheduled: NodeJS.Immediate | undefined;

  constructor(
    private readonly run: (items: readonly I[]) => Promise<readonly O[]>,
    private readonly opts: MicroBatcherOptions,
  ) {
    if (!Number.isInteger(opts.maxItems) || opts.maxItems < 1) throw new RangeError(`maxItems must be a positive integer, got ${opts.maxItems}`);
  }

  /** Adds an item to the batch being gathered; resolves with its own result once its batch has run. */
  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.opts.maxItems) this.flush();
      else this.scheduled ??= setImmediate(this.flush);
    });
  }

  /** Items gathered and not yet sent. */
  get size(): number {
    return this.pending.length;
  }

  private readonly flush = (): void => {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    let running: Promise<readonly O[]>;
    try {
      running = this.run(batch.map((p) => p.item));
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(
      (results) => {
        if (results.length !== batch.length) {
          const err = new Error(`batch of ${batch.length} answered ${results.length} results`);
          for (const p of batch) p.reject(err);
          return;
        }
        for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i]!);
      },
      (err: unknown) => {
        for (const p of batch) p.reject(err);
      },
    );
  };
}
