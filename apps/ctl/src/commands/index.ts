import type { Command } from '../command.js';
import { breaker } from './breaker.js';
import { deadLetters } from './dead-letters.js';
import { replay } from './replay.js';
import { show } from './show.js';

/** Every command, in the order `fallbackctl --help` lists them. A new command is a module plus a line here. */
// Each command checks its own input type (defineCommand); the list only needs names and entry points.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const COMMANDS: readonly Command<any>[] = [show, deadLetters, replay, breaker];
