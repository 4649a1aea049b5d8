import { describe, expect, it } from 'vitest';
import { fnv1a32, partitionOf } from './partition';

/**
 * Recorded from nats-server 2.9.10 with the mappings `probe.* → mapped.{{partition(128,1)}}.…`
 * and `partition(7,1)`; the bus tests re-check the function against a live server.
 */
const NATS_PARTITION_GOLDEN: ReadonlyArray<readonly [accountId: string, p128: number, p7: number]> = [
  ['demo', 54, 1],
  ['business-1', 25, 0],
  ['my-session', 30, 0],
  ['a', 44, 5],
  ['Z', 77, 1],
  ['0', 47, 0],
  ['account_42', 31, 2],
  ['acct-umlaut', 113, 1],
  ['5511999999999', 64, 1],
  ['x'.repeat(64), 69, 1],
  ['tenant-7_shop', 42, 0],
];

describe('partitionOf', () => {
  it.each(NATS_PARTITION_GOLDEN)('places %s where NATS partition() does', (accountId, p128, p7) => {
    expect(partitionOf(accountId, 128)).toBe(p128);
    expect(partitionOf(accountId, 7)).toBe(p7);
  });

  it('is FNV-1a 32 (published test vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => partitionOf('demo', 0)).toThrow(RangeError);
    expect(() => partitionOf('demo', 1.5)).toThrow(RangeError);
  });
});
