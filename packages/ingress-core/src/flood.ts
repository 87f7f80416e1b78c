/**
 * Senders known to be over their flood limit, and until when: the window their counter in Redis refused them in.
 * Until it ends, this process refuses them again without a Redis call and before reading their body (a flood
 * costs the ingress as little as possible). Other processes learn it from their own first refusal. Bounded: one
 * entry per source, and sources are configured.
 */
export class FloodMemory {
  private readonly until = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** `source` was refused by its counter, whose window ends in `ttlMs`. */
  remember(source: string, ttlMs: number): void {
    this.until.set(source, this.now() + Math.max(0, ttlMs));
  }

  /** Time left (ms) of the window `source` is known to be over its limit in; 0 when it is not known to be. */
  msLeft(source: string): number {
    const until = this.until.get(source);
    if (until === undefined) return 0;
    const left = until - this.now();
    if (left > 0) return left;
    this.until.delete(source);
    return 0;
  }
}

/** Retry-After (whole seconds, at least 1) of a flood refusal with `ttlMs` left of its window. Pure. */
export function floodRetryAfterSeconds(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs / 1000));
}
