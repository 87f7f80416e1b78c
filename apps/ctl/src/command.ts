import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ParseArgsConfig } from 'node:util';
import type { FallbackResult } from '@fallback/core';
import type { ReplayedJobData } from '@fallback/queue';

/** Exit codes: scripts branch on them. */
export const EXIT = {
  ok: 0,
  /** Not found, or nothing to do (no dead letter matched, nothing replayed), or the command failed. */
  nothing: 1,
  /** Bad command line or configuration. */
  usage: 2,
  /** Redis did not answer. */
  redis: 3,
} as const;

/** A command line that cannot be run; the message says what is wrong. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** What a command runs against. */
export interface CommandContext {
  queue: Queue<ReplayedJobData, FallbackResult>;
  /** The queue's connection (atomic scripts of the replay, the conversation index). */
  redis: Redis;
  /** QUEUE_PREFIX: where the queue's and the breakers' keys live. */
  prefix: string;
  now: () => number;
}

/** What a command gives back: an exit code, the `--json` document and the text for people. */
export interface CommandResult {
  exit: (typeof EXIT)['ok'] | (typeof EXIT)['nothing'];
  json: unknown;
  text: string;
}

/** Parsed options of a command line (node:util parseArgs). */
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/**
 * One fallbackctl command. Adding a command is one module exporting one of these, listed in commands/index.ts:
 * `parse` turns the command line into the command's input (pure; throws UsageError), `run` does the work.
 */
export interface Command<Input = unknown> {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The usage lines shown by `fallbackctl <name> --help` and after a usage error. */
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  parse(values: OptionValues, positionals: string[]): Input;
  run(ctx: CommandContext, input: Input): Promise<CommandResult>;
}

/** Declares a command with its input type checked between parse and run. */
export const defineCommand = <Input>(command: Command<Input>): Command<Input> => command;
