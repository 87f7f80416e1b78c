/**
 * Test child (not a test itself): churns objects that live long enough to reach V8's old generation, beside a fixed
 * live set, and prints the largest old space it saw. `bounded` as its argument: boundHeapGrowth() first.
 */
import v8 from 'node:v8';
import { boundHeapGrowth } from '../src/process.js';

if (process.argv[2] === 'bounded') boundHeapGrowth();
const live = Array.from({ length: 100_000 }, (_, i) => ({ i, s: `${'x'.repeat(100)}${i}` }));
// Each entry outlives a few scavenges (the ring is larger than the young generation), then dies in old space.
const ring = new Array<object>(50_000);
let maxOldBytes = 0;
for (let n = 0; n < 1_500_000; n++) {
  ring[n % ring.length] = { n, payload: `${'y'.repeat(200)}${n}` };
  if (n % 10_000 === 0) maxOldBytes = Math.max(maxOldBytes, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!.space_size);
}
process.stdout.write(`${JSON.stringify({ maxOldBytes, live: live.length })}\n`);
