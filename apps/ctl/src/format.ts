/** Small pure helpers for what fallbackctl reads and prints. */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `10m`, `2h`, `7d`, `500ms` → ms; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  return match ? Math.round(Number(match[1]) * UNITS[match[2]!]!) : undefined;
}

/** An age or span for people: `45s`, `3m 20s`, `2h 5m`, `4d 3h`. */
export function formatSpan(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m}m ${s % 60}s` : `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

/** A deadline relative to now: `in 1m 20s` or `passed 3m ago`. */
export function formatDeadline(deadline: number, now: number): string {
  return deadline > now ? `in ${formatSpan(deadline - now)}` : `passed ${formatSpan(now - deadline)} ago`;
}

/** A target in one line: `queue 6f4c… (Billing)`, `number +4930…`, `agent 0b1c…`. */
export function formatTarget(target: { kind: string; queueId?: string; queueName?: string; address?: string; userId?: string }): string {
  switch (target.kind) {
    case 'queue':
      return `queue ${[target.queueId, target.queueName && (target.queueId ? `(${target.queueName})` : target.queueName)].filter(Boolean).join(' ')}`;
    case 'number':
      return `number ${target.address}`;
    case 'agent':
      return `agent ${target.userId}`;
    default:
      return target.kind;
  }
}

/** Left-aligned columns, two spaces apart. */
export function table(rows: string[][]): string {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}
