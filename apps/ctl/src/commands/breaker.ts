import { BreakerStore, readBreakers, type BreakerView, type FlipEntry } from '@fallback/breaker';
import { EXIT, UsageError, defineCommand } from '../command.js';
import { formatSpan, table } from '../format.js';

/** One breaker in a few lines for people. Pure. */
export function breakerText(b: BreakerView, now: number): string {
  const ago = (iso: string | undefined) => (iso ? `${formatSpan(now - Date.parse(iso))} ago` : undefined);
  const state = `${b.state.toUpperCase()}${b.mode === 'auto' ? '' : ` (held ${b.mode} by ${b.forced?.by}${b.forced?.reason ? `: ${b.forced.reason}` : ''})`}`;
  const g = b.genesys;
  const rows: [string, string][] = [
    ['switch', b.switch.description],
    ['failures', `${b.failures.inWindow} of ${b.failures.threshold} in ${b.failures.windowSeconds}s (total ${b.failures.total}${b.failures.lastAt ? `, last ${ago(b.failures.lastAt)}` : ''})`],
    ['quiet time', `${b.quietSeconds}s (configured ${b.recoverSeconds}s${b.level ? `, doubled ${b.level}× after relapses` : ''})`],
  ];
  if (b.state === 'open' && b.openedAt) rows.push(['opened', `${ago(b.openedAt)}${b.recoveryDueAt ? `; may close ${Date.parse(b.recoveryDueAt) > now ? `in ${formatSpan(Date.parse(b.recoveryDueAt) - now)}` : 'now'} if quiet` : ''}`]);
  if (b.state === 'closed' && b.closedAt) rows.push(['closed', ago(b.closedAt)!]);
  if (b.lastDecision?.why) rows.push(['why', `${b.lastDecision.why} (${b.lastDecision.by})`]);
  rows.push(['in Genesys', g.pending ? `being set ${b.state === 'open' ? 'on' : 'off'}${g.attempts ? `: ${g.attempts} failed attempts, last error: ${g.lastError}` : ''}` : g.applied ? `${g.applied === 'open' ? 'on' : 'off'} since ${ago(g.appliedAt)}` : 'never set by the breaker']);
  if (b.probe) rows.push(['probe', `${b.probe.url}${b.probe.state ? ` (${b.probe.state} ${ago(b.probe.at)})` : ''}`]);
  if (b.match) rows.push(['counts', Object.entries(b.match).map(([k, v]) => `${k} ${(v as string[]).join('|')}`).join(', ')]);
  rows.push(['evaluated', b.evaluatedAt ? `${ago(b.evaluatedAt)} by ${b.evaluator}` : 'never (is a worker running with this breaker?)']);
  return `${b.name}: ${state}\n${table(rows.map(([k, v]) => [`  ${k}`, v]))}`;
}

/** One line per history entry. Pure. */
export function historyLine(e: FlipEntry, now: number): string {
  const when = `${formatSpan(now - Number(e['at']))} ago`;
  if (e['event'] === 'forced') return `${when}  ${e['breaker']}  held ${e['mode']} by ${e['by']}${e['why'] ? `: ${e['why']}` : ''}`;
  const what = `${e['to'] === 'open' ? 'on' : 'off'} ${e['result']}${e['result'] === 'failed' ? ` (attempt ${e['attempt']}: ${e['error']})` : ''}`;
  return `${when}  ${e['breaker']}  ${e['to']} by ${e['by']}: switch ${what}; ${e['why']}`;
}

/** `fallbackctl breaker`: each outage breaker's state (as every process registered them) and its recent flips. */
export const breaker = defineCommand({
  name: 'breaker',
  summary: 'show the outage breakers: state, counts, the switch in Genesys, recent flips',
  usage: 'fallbackctl breaker [<name>] [--history <n>] [--json]',
  options: { history: { type: 'string' } },
  parse(values, positionals) {
    if (positionals.length > 1) throw new UsageError('breaker takes at most one breaker name');
    const history = values['history'] === undefined ? 10 : Number(values['history']);
    if (!Number.isInteger(history) || history < 0 || history > 1000) throw new UsageError('--history must be a whole number from 0 to 1000');
    return { name: positionals[0], history };
  },
  async run({ redis, prefix, now }, { name, history }) {
    const store = new BreakerStore(redis, prefix);
    const specs = (await store.registered()).filter((s) => name === undefined || s.name === name);
    if (specs.length === 0) {
      const message = name ? `no breaker ${name}` : 'no outage breaker is configured (no ingress or worker registered one under this prefix)';
      return { exit: EXIT.nothing, json: { breakers: [], history: [] }, text: message };
    }
    const view = await readBreakers(store, specs, history);
    const entries = name ? view.history.filter((e) => e['breaker'] === name) : view.history;
    const t = now();
    const blocks = view.breakers.map((b) => breakerText(b, t));
    if (entries.length) blocks.push(['recent:', ...entries.map((e) => `  ${historyLine(e, t)}`)].join('\n'));
    return { exit: EXIT.ok, json: { ...view, history: entries }, text: blocks.join('\n\n') };
  },
});
