import { describe, expect, test } from 'vitest';
import { KeyedSerialQueue } from './keyed-serial-queue';
import { MicroBatch } from './micro-batch';

describe('MicroBatch', () => {
  test('answers the calls of one event-loop turn with one batch call, each with its own result', async () => {
    const batches: number[][] = [];
    const doubles = new MicroBatch(async (items: number[]) => {
      batches.push(items);
      return items.map((item) => item * 2);
    });
    expect(await Promise.all([doubles.submit(1), doubles.submit(2), doubles.submit(3)])).toEqual([2, 4, 6]);
    expect(await doubles.submit(4)).toBe(8);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  test('a full batch goes at once, and a failed batch fails each of its calls', async () => {
    const sizes: number[] = [];
    const failing = new MicroBatch(async (items: number[]) => {
      sizes.push(items.length);
      throw new Error('database unavailable');
    }, 2);
    const results = await Promise.allSettled([failing.submit(1), failing.submit(2), failing.submit(3)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(sizes).toEqual([2, 1]);
  });
});

describe('KeyedSerialQueue', () => {
  test('runs one key’s tasks in order, other keys alongside, and a failure does not stop the key', async () => {
    const queue = new KeyedSerialQueue();
    const log: string[] = [];
    const task =
      (name: string, ms: number, fail = false) =>
      async () => {
        log.push(`${name} start`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        log.push(`${name} end`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      queue.run('a', task('a1', 30, true)),
      queue.run('a', task('a2', 1)),
      queue.run('b', task('b1', 1)),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(log.indexOf('a1 end')).toBeLessThan(log.indexOf('a2 start'));
    expect(log.indexOf('b1 end')).toBeLessThan(log.indexOf('a1 end'));
  });
});
