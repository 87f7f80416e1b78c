/**
 * fallbackctl without the process: argv, env and streams in, an exit code out. main.ts is the only caller that
 * touches process.*; tests run the real binary as a child process.
 */
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { ConfigError, loadCtlConfig, type CtlConfig } from '@fallback/config';
import type { FallbackResult } from '@fallback/core';
import { RedisUnavailableError, assertRedisReachable, createRedis, openFallbackQueue, redactRedisUrl, waitUntilReady, type ReplayedJobData } from '@fallback/queue';
import { EXIT, UsageError, type Command, type CommandResult } from './command.js';
import { COMMANDS } from './commands/index.js';

/** Options every command takes. */
const GLOBAL_OPTIONS = {
  json: { type: 'boolean' },
  'redis-url': { type: 'string' },
  prefix: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const GLOBAL_USAGE = `Global options:
  --json               machine-readable output on stdout (errors too, as {"error":{code,message}})
  --redis-url <url>    Redis of the service (default: REDIS_URL, else redis://127.0.0.1:6379)
  --prefix <prefix>    its key prefix (default: QUEUE_PREFIX, else {fallback})
  -h, --help           this text, or a command's
Exit codes: 0 done, 1 not found / nothing to do, 2 bad command line or configuration, 3 Redis unreachable.`;

/** `fallbackctl --help`. */
export function mainUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'fallbackctl <command> [options]: look at and act on the fallback queue',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    GLOBAL_USAGE,
  ].join('\n');
}

/** Streams the CLI writes to. */
export interface Io {
  out: Writable;
  err: Writable;
}

/** Runs one command line; resolves with the exit code. */
export async function runCli(argv: string[], env: Record<string, string | undefined>, io: Io, now: () => number = Date.now): Promise<number> {
  const say = (stream: Writable, text: string) => stream.write(text.endsWith('\n') ? text : `${text}\n`);
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    say(name === undefined ? io.err : io.out, mainUsage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    say(io.err, `fallbackctl: unknown command "${name}"\n\n${mainUsage()}`);
    return EXIT.usage;
  }

  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  let input: unknown;
  try {
    const parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
    values = parsed.values;
    if (values['help']) {
      say(io.out, `${command.usage}\n\n${GLOBAL_USAGE}`);
      return EXIT.ok;
    }
    input = command.parse(values, parsed.positionals);
  } catch (err) {
    // parseArgs' own errors (unknown option, missing value) are usage errors too.
    say(io.err, `fallbackctl ${name}: ${(err as Error).message}\n\nUsage: ${command.usage}`);
    return EXIT.usage;
  }
  const json = values['json'] === true;
  const fail = (code: string, message: string, exit: number) => {
    if (json) say(io.out, JSON.stringify({ error: { code, message } }, null, 2));
    say(io.err, `fallbackctl ${name}: ${message}`);
    return exit;
  };

  let config: CtlConfig;
  try {
    config = loadCtlConfig({
      ...env,
      ...(typeof values['redis-url'] === 'string' ? { REDIS_URL: values['redis-url'] } : {}),
      ...(typeof values['prefix'] === 'string' ? { QUEUE_PREFIX: values['prefix'] } : {}),
    });
  } catch (err) {
    if (err instanceof ConfigError) return fail('invalid_configuration', err.problems.join('; '), EXIT.usage);
    throw err;
  }
  try {
    await assertRedisReachable(config.redisUrl, 3000);
  } catch (err) {
    if (err instanceof RedisUnavailableError || (err as Error).name === 'RedisUnavailableError') return fail('redis_unreachable', (err as Error).message, EXIT.redis);
    throw err;
  }

  // Producer settings: no offline queue, so a Redis that goes away fails the command at once instead of hanging it.
  const redis = createRedis(config.redisUrl, { role: 'producer', name: 'fallbackctl' });
  redis.on('error', () => undefined); // reported below, through the command's failure
  const queue = openFallbackQueue<ReplayedJobData, FallbackResult>(redis, config.queuePrefix);
  try {
    // Without an offline queue, a command sent before the connection is up fails: BullMQ waits by itself, a
    // command reading Redis directly (breaker) would not.
    await waitUntilReady(redis, 3000);
    const result: CommandResult = await (command as Command<unknown>).run({ queue, redis, prefix: config.queuePrefix, now }, input);
    say(io.out, json ? JSON.stringify(result.json, null, 2) : result.text);
    return result.exit;
  } catch (err) {
    if (redis.status !== 'ready') return fail('redis_unreachable', `Redis at ${redactRedisUrl(config.redisUrl)} stopped answering: ${(err as Error).message}`, EXIT.redis);
    return fail('failed', (err as Error).message, EXIT.nothing);
  } finally {
    await queue.close().catch(() => undefined);
    await redis.quit().catch(() => redis.disconnect());
  }
}
