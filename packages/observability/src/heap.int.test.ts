/**
 * boundHeapGrowth (what runMain applies to every service): the same allocation pattern, in two child processes,
 * keeps a far smaller old generation with the bound than with V8's own growth factor.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('../test/heap-growth-child.ts', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx');

const maxOldBytes = (mode: 'bounded' | 'default') =>
  (JSON.parse(execFileSync(process.execPath, ['--import', tsx, child, mode], { encoding: 'utf8' })) as { maxOldBytes: number }).maxOldBytes;

describe('boundHeapGrowth', () => {
  it('collects the old generation long before V8 would on its own (same allocations, same live set)', () => {
    const unbounded = maxOldBytes('default');
    const bounded = maxOldBytes('bounded');
    expect(bounded).toBeLessThan(unbounded * 0.6);
  });
});
