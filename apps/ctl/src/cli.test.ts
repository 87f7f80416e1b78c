/** The command line without Redis: every refusal that happens before a connection, in-process. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { EXIT } from './command.js';
import { formatDeadline, formatSpan, parseDuration, table } from './format.js';

const run = async (argv: string[], env: Record<string, string> = {}) => {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) => new Writable({ write: (chunk, _e, cb) => (append(String(chunk)), cb()) });
  const code = await runCli(argv, env, { out: sink((s) => (out += s)), err: sink((s) => (err += s)) });
  return { code, out, err };
};

describe('fallbackctl command line', () => {
  it('lists its commands; no command is a usage error, --help is not', async () => {
    const none = await run([]);
    expect(none.code).toBe(EXIT.usage);
    expect(none.err).toMatch(/show .*\n.*dead-letters .*\n.*replay /);
    expect((await run(['--help'])).code).toBe(EXIT.ok);
    const help = await run(['replay', '--help']);
    expect(help.code).toBe(EXIT.ok);
    expect(help.out).toContain('fallbackctl replay --all');
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['show'], 'show takes exactly one fallback id'],
    [['show', 'fb-1', 'fb-2'], 'show takes exactly one fallback id'],
    [['show', 'not-an-id'], '"not-an-id" is not a fallback id'],
    [['show', '--conversation', '{{context.genesys.conversationId}}'], 'is not a Genesys conversation id'],
    [['show', 'fb-00000000000000000000000000000000', '--conversation', '2b80f5c9-cb7b-430b-8607-1862b7380c1f'], 'not both'],
    [['show', 'fb-00000000000000000000000000000000', '--source', 'cognigy'], '--source goes with --conversation'],
    [['show', '--conversation', '2b80f5c9-cb7b-430b-8607-1862b7380c1f', '--source', 'two words'], 'is not a source name'],
    [['dead-letters', '--older-than', 'soon'], '--older-than must be an age such as 90s'],
    [['dead-letters', '--limit', '0'], '--limit must be a whole number'],
    [['dead-letters', 'extra'], 'dead-letters takes no arguments'],
    [['replay'], 'which dead letters?'],
    [['replay', '--reason', 'call.ended'], 'which dead letters?'],
    [['replay', 'fb-00000000000000000000000000000000', '--reason', 'call.ended'], 'select with --all'],
    [['replay', '--all', 'fb-00000000000000000000000000000000'], 'not both'],
    [['replay', 'nope'], 'not a fallback id: nope'],
    [['replay', '--nope'], "Unknown option '--nope'"],
  ])('%j is refused with exit 2: %s', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain(message);
    expect(r.out).toBe('');
  });

  it('refuses bad configuration with exit 2, naming the variable, before connecting', async () => {
    const r = await run(['dead-letters', '--json'], { REDIS_URL: 'http://localhost:6379' });
    expect(r.code).toBe(EXIT.usage);
    expect(JSON.parse(r.out)).toEqual({ error: { code: 'invalid_configuration', message: expect.stringContaining('REDIS_URL') } });
  });
});

describe('fallbackctl formats', () => {
  it('reads ages and writes spans', () => {
    expect([parseDuration('90s'), parseDuration('10m'), parseDuration('2h'), parseDuration('7d'), parseDuration('500ms'), parseDuration('1.5h')]).toEqual([
      90_000, 600_000, 7_200_000, 604_800_000, 500, 5_400_000,
    ]);
    expect([parseDuration('10'), parseDuration('-1m'), parseDuration('soon')]).toEqual([undefined, undefined, undefined]);
    expect([formatSpan(45_000), formatSpan(200_000), formatSpan(7_500_000), formatSpan(97_200_000), formatSpan(-5)]).toEqual(['45s', '3m 20s', '2h 5m', '1d 3h', '0s']);
    expect(formatDeadline(10_000, 0)).toBe('in 10s');
    expect(formatDeadline(0, 180_000)).toBe('passed 3m ago');
    expect(table([['a', 'bbb', 'c'], ['dddd', 'e', 'f']])).toBe('a     bbb  c\ndddd  e    f');
  });
});
