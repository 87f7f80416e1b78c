/** `pnpm --filter @fallback/bench profile <file.cpuprofile>…`: prints where each profile's time went. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { summarizeProfile, type CpuProfile } from './profile.js';

for (const file of process.argv.slice(2).filter((a) => a !== '--').map((a) => path.resolve(process.env['INIT_CWD'] ?? process.cwd(), a))) {
  const s = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, 30);
  console.log(`\n${file}: ${(s.totalMs / 1000).toFixed(1)} s busy (idle left out; percentages are of busy time)`);
  console.log('  by module group (self time):');
  for (const l of s.groups.slice(0, 15)) console.log(`    ${l.percent.toFixed(1).padStart(5)} %  ${l.selfMs.toFixed(0).padStart(7)} ms  ${l.name}`);
  console.log('  by function (total time, callees included):');
  for (const l of s.inclusive.slice(0, 40)) console.log(`    ${l.percent.toFixed(1).padStart(5)} %  ${l.selfMs.toFixed(0).padStart(7)} ms  ${l.name}`);
  console.log('  by function (self time):');
  for (const l of s.functions) console.log(`    ${l.percent.toFixed(1).padStart(5)} %  ${l.selfMs.toFixed(0).padStart(7)} ms  ${l.name}`);
}
