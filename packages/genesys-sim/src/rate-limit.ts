/**
 * A sliding-window request counter (Genesys counts requests per token per minute). Amortized O(1) per request:
 * timestamps sit in an array with a moving head, compacted once the dead prefix outweighs the live part, so
 * thousands of requests per second never trigger an O(n) shift.
 */
export class SlidingWindow {
  private times: number[] = [];
  private head = 0;

  constructor(private readonly windowMs = 60_000) {}

  /** Requests counted in the window ending at `now`. */
  count(now: number): number {
    this.prune(now);
    return this.times.length - this.head;
  }

  /** Milliseconds until one more request fits under `limit` at `now` (0: it fits now). `limit` 0 means no limit. */
  waitMs(limit: number, now: number): number {
    if (limit <= 0) return 0;
    const live = this.count(now);
    if (live < limit) return 0;
    // The request fits once all but limit-1 of the live ones have left: wait for the (live-limit+1)-th oldest.
    const leaving = this.times[this.head + live - limit]!;
    return Math.max(1, leaving + this.windowMs - now);
  }

  /** Counts one admitted request at `now`. */
  add(now: number): void {
    this.times.push(now);
  }

  clear(): void {
    this.times = [];
    this.head = 0;
  }

  private prune(now: number): void {
    const cutoff = now - this.windowMs;
    const times = this.times;
    let head = this.head;
    while (head < times.length && times[head]! <= cutoff) head += 1;
    if (head > 1024 && head * 2 > times.length) {
      this.times = times.slice(head);
      head = 0;
    }
    this.head = head;
  }
}
