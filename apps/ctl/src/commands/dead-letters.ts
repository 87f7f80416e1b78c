import { listDeadLetters } from '@fallback/queue';
import { EXIT, UsageError, defineCommand } from '../command.js';
import { formatSpan, table } from '../format.js';
import { FILTER_OPTIONS, FILTER_USAGE, filterOf } from './filter.js';

/** `fallbackctl dead-letters`: the failed fallbacks, counted by reason, newest first. */
export const deadLetters = defineCommand({
  name: 'dead-letters',
  summary: 'list dead letters (failed fallbacks) by reason and age',
  usage: `fallbackctl dead-letters ${FILTER_USAGE} [--limit <n>] [--json]`,
  options: { ...FILTER_OPTIONS, limit: { type: 'string' } },
  parse(values, positionals) {
    if (positionals.length) throw new UsageError(`dead-letters takes no arguments (got ${positionals.join(' ')})`);
    const limit = values['limit'] === undefined ? 50 : Number(values['limit']);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a whole number ≥ 1');
    return { filter: filterOf(values), limit };
  },
  async run({ queue, now }, { filter, limit }) {
    const t = now();
    const { total, matched } = await listDeadLetters(queue, filter, t);
    const byReason: Record<string, number> = {};
    for (const dl of matched) byReason[dl.reason] = (byReason[dl.reason] ?? 0) + 1;
    const shown = matched.slice(0, limit);
    const json = { total, matched: matched.length, byReason, deadLetters: shown };
    if (matched.length === 0)
      return { exit: EXIT.nothing, json, text: `no dead letters${total ? ` match (${total} in all)` : ''}` };
    const reasons = Object.entries(byReason).sort((a, b) => b[1] - a[1]);
    const text = [
      `${matched.length} dead letter${matched.length === 1 ? '' : 's'}${matched.length < total ? ` of ${total}` : ''}`,
      table(reasons.map(([r, n]) => [`  ${r}`, String(n)])),
      '',
      table([
        ['AGE', 'REASON', 'ID', 'CONVERSATION', 'DEADLINE', 'REPLAYED'],
        ...shown.map((dl) => [formatSpan(t - dl.failedAt), dl.reason, dl.id, dl.conversationId, dl.deadline > t ? `in ${formatSpan(dl.deadline - t)}` : 'passed', String(dl.retried)]),
      ]),
      ...(shown.length < matched.length ? [`… ${matched.length - shown.length} more (--limit)`] : []),
    ].join('\n');
    return { exit: EXIT.ok, json, text };
  },
});
