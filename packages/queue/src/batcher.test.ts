import { describe, expect, it } from 'vitest';
import { MicroBatcher } from './batcher.js';

/** A batcher whose run records each batch and answers each item doubled (or fails when told to). */
function recording(maxItems: number, fail?: (items: readonly number[]) => Error | undefined) {
  const batches: number[][] = [];
  const batcher = new MicroBatcher<number, number>(
    async (items) => {
      batches.push([...items]);
      const err = fail?.(items);
      if (err) throw err;
      return items.map((i) => i * 2);
    },
    { maxItems },
  );
  return { batcher, batches };
}

describe('MicroBatcher', () => {
  it('sends what was added in one turn of the event loop as one batch, in order, each caller getting its own result', async () => {
    const { batcher, batches } = recording(100);
    const results = await Promise.all([1, 2, 3, 4].map((i) => batcher.add(i)));
    expect(results).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1, 2, 3, 4]]);
  });

  it('starts a new batch for what arrives after the previous one was sent', async () => {
    const { batcher, batches } = recording(100);
    const first = batcher.add(1);
    await new Promise((r) => setImmediate(r));
    const second = batcher.add(2);
    expect(await Promise.all([first, second])).toEqual([2, 4]);
    expect(batches).toEqual([[1], [2]]);
  });

  it('sends a full batch at once, without waiting for the turn to end', async () => {
    const { batcher, batches } = recording(3);
    const pending = [1, 2, 3, 4, 5].map((i) => batcher.add(i));
    // The first three went out synchronously with the third add; two wait for the end of the turn.
    expect(batches).toEqual([[1, 2, 3]]);
    expect(batcher.size).toBe(2);
    expect(await Promise.all(pending)).toEqual([2, 4, 6, 8, 10]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('fails every item of a failed batch with its error, and only that batch', async () => {
    const boom = new Error('Redis went away');
    const { batcher } = recording(2, (items) => (items.includes(1) ? boom : undefined));
    const settled = await Promise.allSettled([1, 2, 3].map((i) => batcher.add(i)));
    expect(settled).toEqual([
      { status: 'rejected', reason: boom },
      { status: 'rejected', reason: boom },
      { status: 'fulfilled', value: 6 },
    ]);
  });

  it('fails the batch when run throws synchronously', async () => {
    const batcher = new MicroBatcher<number, number>(
      () => {
        throw new Error('bad arguments');
      },
      { maxItems: 10 },
    );
    await expect(Promise.all([batcher.add(1), batcher.add(2)])).rejects.toThrow('bad arguments');
  });

  it('fails the batch when run answers a different number of results than items', async () => {
    const batcher = new MicroBatcher<number, number>(async () => [1], { maxItems: 10 });
    const settled = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect((settled[0] as PromiseRejectedResult).reason.message).toMatch(/batch of 2 answered 1 results/);
  });

  it('refuses a batch size that is not a positive integer', () => {
    for (const maxItems of [0, -1, 1.5, Number.NaN]) expect(() => new MicroBatcher(async () => [], { maxItems })).toThrow(RangeError);
  });
});
