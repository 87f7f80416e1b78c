/**
 * `pnpm --filter @fallback/bench report <dir>`: renders report.md and the charts again from <dir>/results.json
 * (after a change to the report's layout, without running the scenarios again). Targets and findings are judged
 * again from the figures.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeReport } from './report.js';
import type { BenchResults } from './results.js';
import { evaluateTargets, findings } from './targets.js';

for (const dir of process.argv.slice(2).filter((a) => a !== '--').map((a) => path.resolve(process.env['INIT_CWD'] ?? process.cwd(), a))) {
  const results = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as BenchResults;
  writeReport(dir, results, evaluateTargets(results), findings(results));
  console.log(`rendered ${path.join(dir, 'report.md')}`);
}
