import type { DeadLetterFilter } from '@fallback/queue';
import { UsageError, type OptionValues } from '../command.js';
import { parseDuration } from '../format.js';

/** The options that select dead letters, shared by `dead-letters` and `replay --all`. */
export const FILTER_OPTIONS = {
  reason: { type: 'string', multiple: true },
  'older-than': { type: 'string' },
  'newer-than': { type: 'string' },
} as const;

/** Usage text of FILTER_OPTIONS. */
export const FILTER_USAGE = '[--reason <code>]... [--older-than <age>] [--newer-than <age>]   (age: 90s, 10m, 2h, 7d; since it failed)';

/** Reads FILTER_OPTIONS into a filter; throws UsageError naming a bad age. */
export function filterOf(values: OptionValues): DeadLetterFilter {
  const age = (name: 'older-than' | 'newer-than') => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    const ms = typeof raw === 'string' ? parseDuration(raw) : undefined;
    if (ms === undefined) throw new UsageError(`--${name} must be an age such as 90s, 10m, 2h or 7d (got "${String(raw)}")`);
    return ms;
  };
  const reasons = ((values['reason'] as string[] | undefined) ?? []).flatMap((r) => r.split(',')).map((r) => r.trim()).filter(Boolean);
  const minAgeMs = age('older-than');
  const maxAgeMs = age('newer-than');
  return { ...(reasons.length ? { reasons } : {}), ...(minAgeMs !== undefined ? { minAgeMs } : {}), ...(maxAgeMs !== undefined ? { maxAgeMs } : {}) };
}
