import type { FailureEvent } from '@fallback/core';
import { breakersFor, type BreakerSpec } from './spec.js';
import type { BreakerStore } from './store.js';

/**
 * Counts failures at ingest (the ingress sees every failure first). One Redis command per new failure, issued at
 * once and never awaited by the request: the answer to the sender does not wait for it, and a count that fails
 * (Redis gone) costs the breaker one failure, never the caller his fallback. Only new failures are counted: a
 * repeat of an event is the same failure.
 *
 * Where it plugs in: the ingress app calls `count(event)` after the producer answered `created`. A producer that
 * batches its enqueues can call it in the same tick as a batch's flush, so the command rides the same write.
 */
export class BreakerCounter {
  constructor(
    private readonly store: BreakerStore,
    private readonly specs: readonly BreakerSpec[],
    private readonly onError: (err: Error) => void = () => undefined,
  ) {}

  /** True when some breaker is configured (else `count` does nothing). */
  get active(): boolean {
    return this.specs.length > 0;
  }

  /** Counts one new failure toward the breakers it matches. */
  count(event: FailureEvent): void {
    const matched = breakersFor(this.specs, event);
    if (matched.length > 0) this.store.count(matched).catch((err: Error) => this.onError(err));
  }
}
