/** Bounds on how long a fallback may stay pending; a caller on hold rarely waits longer than this. */
export interface DeadlinePolicy {
  /** Used when the event names no deadline (ms). */
  defaultTtlMs: number;
  /** No event can push its deadline past receivedAt + this (ms). */
  maxTtlMs: number;
}

/**
 * The epoch-ms deadline of an event: its `deadline`, else its `ttlSeconds` counted from when it occurred,
 * else the default TTL counted from when it occurred. `occurredAt` is the sender's clock: it is clamped into
 * [receivedAt - maxTtl, receivedAt] so a skewed clock can neither extend a deadline nor expire it at once.
 */
export function computeDeadline(
  event: { deadline?: string; ttlSeconds?: number; occurredAt?: string },
  receivedAt: number,
  policy: DeadlinePolicy,
): number {
  const ceiling = receivedAt + policy.maxTtlMs;
  if (event.deadline !== undefined) {
    const explicit = Date.parse(event.deadline);
    if (Number.isFinite(explicit)) return Math.min(explicit, ceiling);
  }
  const occurred = event.occurredAt !== undefined ? Date.parse(event.occurredAt) : Number.NaN;
  const start = Number.isFinite(occurred)
    ? Math.min(Math.max(occurred, receivedAt - policy.maxTtlMs), receivedAt)
    : receivedAt;
  const ttlMs = event.ttlSeconds !== undefined ? event.ttlSeconds * 1000 : policy.defaultTtlMs;
  return Math.min(start + ttlMs, ceiling);
}
