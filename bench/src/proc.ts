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
  rssMaxMb: number;
  rssEndMb: number;
  samples: number;
}

/** CPU and RSS from consecutive readings of one process. */
export function resourceUse(name: string, readings: readonly ProcReading[], hz: number): ResourceUse {
  const mb = (b: number) => b / 1024 / 1024;
  if (readings.length < 2) return { name, cpuPercent: Number.NaN, cpuPeakPercent: Number.NaN, rssMaxMb: readings[0] ? mb(readings[0].rssBytes) : Number.NaN, rssEndMb: Number.NaN, samples: readings.length };
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
    rssMaxMb: mb(Math.max(...readings.map((r) => r.rssBytes))),
    rssEndMb: mb(last.rssBytes),
    samples: readings.length,
  };
}

/** Samples processes every `intervalMs` until stopped. */
export function sampleProcesses(pids: Record<string, number>, intervalMs = 250) {
  const readings = new Map<string, ProcReading[]>(Object.keys(pids).map((k) => [k, []]));
  const take = () => {
    for (const [name, pid] of Object.entries(pids)) {
      const r = readProc(pid);
      if (r) readings.get(name)!.push(r);
    }
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
