import { describe, expect, it } from 'vitest';
import { SCENARIOS, parseArgs } from './cli.js';
import { parseMachineBusyTicks, parseStatTicks, parseStatusKb, resourceUse } from './proc.js';
import { moduleGroup, summarizeProfile } from './profile.js';

describe('bench command line', () => {
  it('defaults to every scenario in full mode and accepts pnpm\'s "--"', () => {
    expect(parseArgs([])).toEqual({ mode: 'full', scenarios: [...SCENARIOS], help: false, profile: false, connections: [10, 50] });
    expect(parseArgs(['--', '--quick']).mode).toBe('quick');
  });

  it('selects scenarios in run order with --only, either spelling', () => {
    expect(parseArgs(['--only', 'outage,ingest']).scenarios).toEqual(['ingest', 'outage']);
    expect(parseArgs(['--only=storm']).scenarios).toEqual(['storm']);
    expect(parseArgs(['--connections', '50']).connections).toEqual([50]);
    expect(parseArgs(['--connections=10,100']).connections).toEqual([10, 100]);
    expect(() => parseArgs(['--connections=0'])).toThrow(/integers 1-1000/);
    expect(() => parseArgs(['--connections', '10,x'])).toThrow(/integers 1-1000/);
  });

  it('names an unknown scenario or flag', () => {
    expect(() => parseArgs(['--only', 'ingest,nope'])).toThrow(/unknown scenario "nope"/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown argument "--fast"/);
    expect(() => parseArgs(['--only'])).toThrow(/needs a comma-separated list/);
  });
});

describe('/proc parsing', () => {
  it('reads utime + stime even when the command name holds spaces and parentheses', () => {
    const stat = '4242 (node (tsx) x) S 1 2 3 4 5 6 7 8 9 10 150 25 0 0 20 0 11 0 100 0';
    expect(parseStatTicks(stat)).toBe(175);
  });

  it('counts machine busy ticks as everything but idle and iowait', () => {
    expect(parseMachineBusyTicks('cpu  100 5 50 1000 40 3 2 1 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n')).toBe(161);
  });

  it('reads kB lines of /proc/<pid>/status as bytes', () => {
    const status = 'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n';
    expect(parseStatusKb(status, 'VmRSS')).toBe(100 * 1024 * 1024);
    expect(parseStatusKb(status, 'VmSwap')).toBe(0);
  });

  it('turns readings into average and peak CPU (% of a core) and peak RSS', () => {
    const mb = 1024 * 1024;
    const use = resourceUse(
      'worker',
      [
        { at: 0, cpuTicks: 0, rssBytes: 100 * mb, hwmBytes: 0 },
        { at: 1000, cpuTicks: 50, rssBytes: 120 * mb, hwmBytes: 0 },
        { at: 2000, cpuTicks: 150, rssBytes: 110 * mb, hwmBytes: 0 },
      ],
      100,
    );
    expect(use.cpuPercent).toBe(75);
    expect(use.cpuPeakPercent).toBe(100);
    expect(use.rssMaxMb).toBe(120);
  });
});

describe('CPU profile summary', () => {
  it('groups script URLs by dependency or workspace package', () => {
    expect(moduleGroup('file:///r/node_modules/.pnpm/bullmq@6.7.0_x/node_modules/bullmq/dist/esm/classes/worker.js')).toBe('bullmq');
    expect(moduleGroup('file:///r/node_modules/.pnpm/@fastify+ajv@1/node_modules/@fastify/ajv/index.js')).toBe('@fastify/ajv');
    expect(moduleGroup('file:///r/packages/processor/src/processor.ts')).toBe('packages/processor');
    expect(moduleGroup('node:internal/streams/writable')).toBe('node:internal');
    expect(moduleGroup('', '(garbage collector)')).toBe('(garbage collector)');
  });

  it('attributes samples as self time, and as total time to every distinct caller once', () => {
    const node = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url, lineNumber: 0 }, children });
    const s = summarizeProfile({
      startTime: 0,
      endTime: 4000,
      nodes: [node(1, '(root)', '', [2]), node(2, 'job', 'file:///r/packages/processor/src/p.ts', [3, 4]), node(3, 'post', 'file:///r/node_modules/axios/index.js'), node(4, 'job', 'file:///r/packages/processor/src/p.ts')],
      samples: [3, 3, 4, 2],
    });
    expect(s.groups[0]).toMatchObject({ name: 'packages/processor', percent: 50 });
    expect(s.functions.find((f) => f.name.startsWith('post'))).toMatchObject({ selfMs: 2, percent: 50 });
    expect(s.inclusive.find((f) => f.name.startsWith('job'))).toMatchObject({ percent: 100 });
  });
});
