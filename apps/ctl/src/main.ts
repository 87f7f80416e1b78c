#!/usr/bin/env -S node --conditions=fallback-dist
/** fallbackctl: `pnpm fallbackctl <command>` in a checkout, `node --conditions=fallback-dist apps/ctl/dist/main.js` in the image. */
import { runCli } from './cli.js';

process.exitCode = await runCli(process.argv.slice(2), process.env, { out: process.stdout, err: process.stderr });
