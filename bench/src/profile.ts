/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: self time per function and per module
 * group (a dependency under node_modules, one of our packages, or Node's internals). Used on the ingress and
 * worker of a `pnpm bench -- --profile` run to name the costly function instead of guessing.
 */

/** The parts of a .cpuprofile this reads. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }>;
  startTime: number;
  endTime: number;
  samples?: number[];
}

/** One line of a summary. */
export interface ProfileLine {
  name: string;
  selfMs: number;
  percent: number;
}

/** Module group of a script URL: `bullmq`, `packages/processor`, `node:internal`, `(program)`. */
export function moduleGroup(url: string, functionName = ''): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const ours = /\/((?:apps|packages|bench)\/[^/]+)\//.exec(url);
  if (ours) return ours[1]!;
  if (url.startsWith('node:')) return url.split('/')[0]!.replace(/^node:internal.*/, 'node:internal');
  return url;
}

/** Busy time (idle samples left out): self time per function and per module group, total time per function. */
export function summarizeProfile(p: CpuProfile, top = 25): { totalMs: number; functions: ProfileLine[]; groups: ProfileLine[]; inclusive: ProfileLine[] } {
  const hits = new Map<number, number>();
  if (p.samples?.length) for (const id of p.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  else for (const n of p.nodes) hits.set(n.id, n.hitCount ?? 0);
  // Percentages are of busy time: an idle process (waiting for I/O or for the next request) is not a cost.
  const idleIds = new Set(p.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  for (const id of idleIds) hits.delete(id);
  const totalHits = [...hits.values()].reduce((a, b) => a + b, 0);
  const sampled = p.samples?.length ?? p.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0);
  const msPerHit = sampled > 0 ? (p.endTime - p.startTime) / 1000 / sampled : 0;
  const totalMs = totalHits * msPerHit;
  const fn = new Map<string, number>();
  const group = new Map<string, number>();
  const keyOf = new Map<number, string>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    const { functionName, url, lineNumber } = n.callFrame;
    keyOf.set(n.id, `${functionName || '(anonymous)'} ${moduleGroup(url, functionName)}${url ? `:${lineNumber + 1}` : ''}`);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const inclusive = new Map<string, number>();
  for (const n of p.nodes) {
    const h = hits.get(n.id) ?? 0;
    if (!h) continue;
    const g = moduleGroup(n.callFrame.url, n.callFrame.functionName);
    fn.set(keyOf.get(n.id)!, (fn.get(keyOf.get(n.id)!) ?? 0) + h);
    group.set(g, (group.get(g) ?? 0) + h);
    // Every distinct function on this node's stack spent these samples (recursion counted once).
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) seen.add(keyOf.get(id)!);
    for (const k of seen) inclusive.set(k, (inclusive.get(k) ?? 0) + h);
  }
  const lines = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, h]) => ({ name, selfMs: h * msPerHit, percent: totalHits ? (h / totalHits) * 100 : 0 }));
  return { totalMs, functions: lines(fn), groups: lines(group), inclusive: lines(inclusive) };
}
