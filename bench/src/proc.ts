import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** One reading of a process from /proc. */
export interface ProcReading {
  at: number;
  /** user + system CPU time (clock ticks). */
  cpuTicks: number;
  rssBytes: number;
  /** Peak RSS of the process's life (VmHWM). */
  hwmBytes: number;
}

/** Parses /proc/<pid>/stat: utime + stime (fields 14 and 15; the command name may hold spaces and parentheses). */
export function parseStatTicks(stat: string): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state): utime is field 14 → rest[11], stime field 15 → rest[12].
  return Number(rest[11]) + Number(rest[12]);
}

/** Parses a `Name:   123 kB` line of /proc/<pid>/status into bytes (0 when absent). */
export function parseStatusKb(status: string, name: string): number {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Reads a process now, or undefined once it is gone. */
export function readProc(pid: number): ProcReading | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { at: Date.now(), cpuTicks: parseStatTicks(stat), rssBytes: parseStatusKb(status, 'VmRSS'), hwmBytes: parseStatusKb(status, 'VmHWM') };
  } catch {
    return undefined;
  }
}

/** Busy CPU ticks of the whole machine (all cores, all processes) from the first line of /proc/stat. */
export function parseMachineBusyTicks(procStat: string): number {
  const f = procStat.split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy = everything but idle and iowait (guest is inside user).
  return f.slice(0, 8).reduce((a, b) => a + b, 0) - (f[3] ?? 0) - (f[4] ?? 0);
}

/** A reading of the whole machine, shaped like a process reading (no RSS). */
export function readMachine(): ProcReading | undefined {
  try {
    return { at: Date.now(), cpuTicks: parseMachineBusyTicks(readFileSync('/proc/stat', 'utf8')), rssBytes: 0, hwmBytes: 0 };
  } catch {
    return undefined;
  }
}

/** Name of the whole-machine entry of a sample: CPU of every process on the box, % of one core (2 cores = 200). */
export const MACHINE = 'machine (all processes)';

let clockTicks: number | undefined;
/** USER_HZ (almost always 100 on Linux). */
export function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** What a sampled process used over a window. */
export interface ResourceUse {
  name: string;
  /** Average CPU over the window, % of one core. */
  cpuPercent: number;
  /** Highest CPU of one sampling interval, % of one core. */
  cpuPeakPercent: number;
  /** RSS at the first reading (before the load). */
  rssStartMb: number;
  rssMaxMb: number;
  rssEndMb: number;
  samples: number;
}

/** CPU and RSS from consecutive readings of one process. */
export function resourceUse(name: string, readings: readonly ProcReading[], hz: number): ResourceUse {
  const mb = (b: number) => b / 1024 / 1024;
  const start = readings[0] ? mb(readings[0].rssBytes) : Number.NaN;
  if (readings.length < 2) return { name, cpuPercent: Number.NaN, cpuPeakPercent: Number.NaN, rssStartMb: start, rssMaxMb: start, rssEndMb: start, samples: readings.length };
  const first = readings[0]!;
  const last = readings[readings.length - 1]!;
  let peak = 0;
  for (let i = 1; i < readings.length; i += 1) {
    const a = readings[i - 1]!;
    const b = readings[i]!;
    if (b.at > a.at) peak = Math.max(peak, ((b.cpuTicks - a.cpuTicks) / hz / ((b.at - a.at) / 1000)) * 100);
  }
  return {
    name,
    cpuPercent: ((last.cpuTicks - first.cpuTicks) / hz / ((last.at - first.at) / 1000)) * 100,
    cpuPeakPercent: peak,
    rssStartMb: start,
    rssMaxMb: mb(readings.reduce((m, r) => Math.max(m, r.rssBytes), 0)),
    rssEndMb: mb(last.rssBytes),
    samples: readings.length,
  };
}

/**
 * Samples processes every `intervalMs` until stopped, plus the bench process itself (the load generator) and the
 * whole machine, so a report can tell how much CPU other work on a shared machine took during the run.
 */
export function sampleProcesses(pids: Record<string, number>, intervalMs = 250) {
  const all: Record<string, number> = { ...pids, 'bench (load generator)': process.pid };
  const readings = new Map<string, ProcReading[]>([...Object.keys(all), MACHINE].map((k) => [k, []]));
  const take = () => {
    for (const [name, pid] of Object.entries(all)) {
      const r = readProc(pid);
      if (r) readings.get(name)!.push(r);
    }
    const m = readMachine();
    if (m) readings.get(MACHINE)!.push(m);
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop(): ResourceUse[] {
      clearInterval(timer);
      take();
      const hz = ticksPerSecond();
      return [...readings].map(([name, rs]) => resourceUse(name, rs, hz));
    },
  };
}
