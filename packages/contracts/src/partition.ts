const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const utf8 = new TextEncoder();

/** Partitions of a deployment unless configured otherwise; fixed for the life of a deployment. */
export const DEFAULT_PARTITION_COUNT = 128;

/**
 * FNV-1a 32-bit hash of the UTF-8 bytes of `input`: the hash NATS' `partition()` subject mapping
 * uses, so server-side mappings and this function place an account in the same partition.
 *
 * @example
 * fnv1a32(''); // 0x811c9dc5
 */
export function fnv1a32(input: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (const byte of utf8.encode(input)) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash >>> 0;
}

/**
 * The partition that owns an account: `fnv1a32(accountId) % partitionCount`.
 *
 * @example
 * partitionOf('demo', 128); // a number in [0, 128)
 */
export function partitionOf(accountId: string, partitionCount: number = DEFAULT_PARTITION_COUNT): number {
  if (!Number.isInteger(partitionCount) || partitionCount < 1) {
    throw new RangeError(`partition count must be a positive integer, got ${partitionCount}`);
  }
  return fnv1a32(accountId) % partitionCount;
}
