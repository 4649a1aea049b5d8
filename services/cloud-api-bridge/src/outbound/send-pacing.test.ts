import { describe, expect, test } from 'vitest';
import { RecipientBackoff, ThroughputPacer } from './send-pacing';

describe('ThroughputPacer', () => {
  test('lets `limit` sends through, then each next one a full window after a slot’s send ended', async () => {
    const windowMs = 200;
    const pacer = new ThroughputPacer({ firstMs: 100, maxMs: 1_000 }, windowMs);
    const started = Date.now();
    const releases = await Promise.all([pacer.acquire('n', 2), pacer.acquire('n', 2)]);
    expect(Date.now() - started).toBeLessThan(windowMs);
    const ended = Date.now();
    for (const release of releases) release();
    await pacer.acquire('n', 2);
    expect(Date.now() - ended).toBeGreaterThanOrEqual(windowMs - 5);
    // Another number has its own slots.
    const other = Date.now();
    await pacer.acquire('m', 1);
    expect(Date.now() - other).toBeLessThan(windowMs);
  });

  test('a 130429 pauses the number, doubling while it repeats and starting over after a success', async () => {
    const pacer = new ThroughputPacer({ firstMs: 100, maxMs: 250 });
    const now = Date.now();
    expect(pacer.throttled('n') - now).toBeGreaterThanOrEqual(100);
    expect(pacer.throttled('n') - now).toBeGreaterThanOrEqual(200);
    expect(pacer.throttled('n') - now).toBeLessThanOrEqual(250 + 20);
    const waited = Date.now();
    (await pacer.acquire('n', 10))();
    expect(Date.now() - waited).toBeGreaterThanOrEqual(200);
    pacer.succeeded('n');
    expect(pacer.throttled('n') - Date.now()).toBeLessThanOrEqual(100 + 20);
  });
});

describe('RecipientBackoff', () => {
  test('waits unit × 4^X after the X-th 131056 in a row, per user, and starts over once a send goes through', () => {
    const backoff = new RecipientBackoff(1_000);
    expect([backoff.refused('n:a'), backoff.refused('n:a'), backoff.refused('n:a')]).toEqual([
      1_000, 4_000, 16_000,
    ]);
    expect(backoff.remainingMs('n:a')).toBeGreaterThan(15_000);
    expect(backoff.remainingMs('n:b')).toBe(0);
    backoff.accepted('n:a');
    expect(backoff.remainingMs('n:a')).toBe(0);
    expect(backoff.refused('n:a')).toBe(1_000);
  });
});
