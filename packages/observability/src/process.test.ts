import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { installShutdown, type ProcessEvents } from './process.js';

/**
 * The coordinator with an EventEmitter standing in for `process` (signals and crashes are emitted on it) and
 * exit codes recorded instead of exiting. The real thing, as processes, is in tests/src/crash-signals.int.test.ts.
 */
function rig(steps: { name: string; run: () => Promise<unknown> | unknown }[] = [], context?: () => Record<string, unknown>) {
  const proc = new EventEmitter();
  const exits: number[] = [];
  const out = new PassThrough();
  const lines: any[] = [];
  out.on('data', (c: Buffer) => lines.push(...c.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))));
  const logger = createLogger({ name: 'test', level: 'debug', destination: out });
  const shutdown = installShutdown({ logger, timeoutMs: 60_000, steps: () => steps, exit: (code) => exits.push(code), proc: proc as unknown as ProcessEvents, ...(context ? { context } : {}) });
  return { proc, exits, lines, shutdown };
}

describe('installShutdown', () => {
  it('runs every step once, in order, whatever fails, however often it is asked', async () => {
    const ran: string[] = [];
    const r = rig([
      { name: 'http', run: () => ran.push('http') },
      { name: 'queue', run: () => Promise.reject(new Error('queue close failed')) },
      { name: 'redis', run: () => ran.push('redis') },
    ]);
    await Promise.all([r.shutdown(), r.shutdown()]);
    await r.shutdown();
    expect(ran).toEqual(['http', 'redis']);
    expect(r.exits).toEqual([1]);
    expect(r.lines.find((l) => l.msg === 'shutdown step failed')).toMatchObject({ step: 'queue', err: { message: 'queue close failed' } });
  });

  it('a second SIGTERM or SIGINT during the shutdown exits at once, non-zero', async () => {
    let release!: () => void;
    const r = rig([{ name: 'worker', run: () => new Promise<void>((resolve) => (release = resolve)) }]);
    r.proc.emit('SIGTERM');
    expect(r.exits).toEqual([]);
    r.proc.emit('SIGINT');
    expect(r.exits).toEqual([1]);
    expect(r.lines.map((l) => l.msg)).toEqual(['shutting down', expect.stringMatching(/^second signal during shutdown; exiting now/)]);
    release();
  });

  it('an unhandled rejection is logged fatal with the process context, and exits 1 without draining', async () => {
    const ran: string[] = [];
    const r = rig([{ name: 'worker', run: () => ran.push('worker') }], () => ({ queuePrefix: '{fallback}', concurrency: 200 }));
    r.proc.emit('unhandledRejection', new Error('nobody awaited me'), Promise.resolve());
    expect(r.exits).toEqual([1]);
    expect(ran).toEqual([]);
    expect(r.lines).toEqual([
      expect.objectContaining({
        level: 'fatal',
        kind: 'unhandledRejection',
        err: expect.objectContaining({ message: 'nobody awaited me', stack: expect.stringContaining('process.test.ts') }),
        queuePrefix: '{fallback}',
        concurrency: 200,
        pid: process.pid,
        uptimeSec: expect.any(Number),
        rssBytes: expect.any(Number),
        msg: 'unhandledRejection: exiting so the process is restarted and its jobs re-run',
      }),
    ]);
  });

  it('an uncaught exception, or a rejection with a non-Error, likewise; a context that throws does not stop the exit', () => {
    const r = rig([], () => {
      throw new Error('context broken');
    });
    r.proc.emit('uncaughtException', new TypeError('x is not a function'), 'uncaughtException');
    expect(r.exits).toEqual([1]);
    expect(r.lines[0]).toMatchObject({ level: 'fatal', kind: 'uncaughtException', err: { type: 'TypeError', message: 'x is not a function' } });

    const s = rig();
    s.proc.emit('unhandledRejection', 'a bare string', Promise.resolve());
    expect(s.exits).toEqual([1]);
    expect(s.lines[0].err.message).toBe('non-Error unhandledRejection: a bare string');
  });
});
