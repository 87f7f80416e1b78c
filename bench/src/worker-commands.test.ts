import { describe, expect, it } from 'vitest';
import { countCommands } from './worker-commands.js';

describe('countCommands (MONITOR lines of one worker)', () => {
  it("gives a script's commands to the EVALSHA shown just before them, and leaves other clients out", () => {
    const worker = '127.0.0.1:5001';
    const other = '127.0.0.1:6001';
    const names = new Map([['aaa', 'moveToActive']]);
    const counted = countCommands(
      [
        { source: worker, args: ['evalsha', 'aaa', '1', 'k'] },
        { source: 'lua', args: ['rpoplpush', 'w', 'a'] },
        { source: 'lua', args: ['hset', 'j', 'f', 'v'] },
        { source: other, args: ['evalsha', 'bbb', '0'] },
        { source: 'lua', args: ['incr', 'x'] },
        { source: worker, args: ['bzpopmin', 'm', '5'] },
        { source: worker, args: ['EVALSHA', 'ccc', '0'] },
        { source: 'lua', args: ['time'] },
      ],
      new Set([worker]),
      names,
    );
    expect(counted.topLevel).toEqual({ evalsha: 2, bzpopmin: 1 });
    expect(counted.inScripts).toEqual({ rpoplpush: 1, hset: 1, time: 1 });
    expect(counted.scripts).toEqual({
      moveToActive: { calls: 1, commands: 2, byCommand: { rpoplpush: 1, hset: 1 } },
      ccc: { calls: 1, commands: 1, byCommand: { time: 1 } },
    });
  });
});
