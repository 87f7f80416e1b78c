import { isJobId } from '@fallback/core';
import { listDeadLetters, replayDeadLetter, type ReplayOutcome } from '@fallback/queue';
import { EXIT, UsageError, defineCommand } from '../command.js';
import { table } from '../format.js';
import { FILTER_OPTIONS, FILTER_USAGE, filterOf } from './filter.js';

/**
 * `fallbackctl replay`: puts dead letters back in the queue, the dashboard's retry made safe — attempts reset,
 * `retried` recorded so the worker reads the call before posting, and never a job past its deadline. Ids, or
 * `--all` with a filter; never everything by accident.
 */
export const replay = defineCommand({
  name: 'replay',
  summary: 'replay dead letters whose callers may still be waiting (by id, or --all matching a filter)',
  usage: [`fallbackctl replay <fallback id>... [--dry-run] [--json]`, `fallbackctl replay --all ${FILTER_USAGE} [--dry-run] [--json]`].join('\n'),
  options: { ...FILTER_OPTIONS, all: { type: 'boolean' }, 'dry-run': { type: 'boolean' } },
  parse(values, positionals) {
    const all = values['all'] === true;
    const filtered = ['reason', 'older-than', 'newer-than'].some((k) => values[k] !== undefined);
    if (all && positionals.length) throw new UsageError('give fallback ids or --all, not both');
    if (!all && positionals.length === 0) throw new UsageError('which dead letters? give their ids, or --all (with --reason/--older-than/--newer-than to narrow it)');
    if (!all && filtered) throw new UsageError('--reason, --older-than and --newer-than select with --all');
    const bad = positionals.filter((id) => !isJobId(id));
    if (bad.length) throw new UsageError(`not a fallback id: ${bad.join(', ')} (fb- and 32 hex digits)`);
    return { ids: [...new Set(positionals)], all, filter: filterOf(values), dryRun: values['dry-run'] === true };
  },
  async run({ queue, redis, now }, { ids, all, filter, dryRun }) {
    const chosen = all ? (await listDeadLetters(queue, filter, now())).matched.map((dl) => dl.id) : ids;
    const outcomes: ReplayOutcome[] = [];
    for (const id of chosen) outcomes.push(await replayDeadLetter(queue, redis, id, now(), dryRun));
    const replayed = outcomes.filter((o) => o.replayed).length;
    const verb = dryRun ? 'would replay' : 'replayed';
    const text =
      outcomes.length === 0
        ? 'no dead letters match'
        : [
            `${verb} ${replayed} of ${outcomes.length}`,
            table(outcomes.map((o) => [`  ${o.id}`, o.replayed ? `${verb} (replay #${o.retried})` : `skipped: ${o.message}`])),
          ].join('\n');
    return { exit: replayed > 0 ? EXIT.ok : EXIT.nothing, json: { dryRun, replayed, outcomes }, text };
  },
});
