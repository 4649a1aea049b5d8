import type { KV } from '@wagate/bus';

/** Value of a lease key `p.<p>` in `WA_LEASES`. */
export interface LeaseValue {
  owner: string;
  /** The revision at acquisition: the fencing token of every write of this tenure. */
  epoch: number;
  acquiredAt: string;
}

/** What a lease key holds now. */
export type LeaseState =
  | { kind: 'free'; previously: 'released' | 'absent' }
  | { kind: 'held'; owner: string; revision: number };

/**
 * Reads a lease key. A key deleted by a clean release is `released`; a key that expired (TTL) or
 * never existed is `absent` (NATS 2.9 does not tell expiry apart).
 */
export async function readLease(kv: KV, key: string): Promise<LeaseState> {
  const entry = await kv.get(key);
  if (!entry) return { kind: 'free', previously: 'absent' };
  if (entry.operation !== 'PUT') return { kind: 'free', previously: 'released' };
  try {
    const value = JSON.parse(entry.string()) as LeaseValue;
    return { kind: 'held', owner: value.owner, revision: entry.revision };
  } catch {
    return { kind: 'held', owner: 'unknown', revision: entry.revision };
  }
}

/**
 * A lease this worker holds on one partition: created with KV `create` (fails if anyone holds
 * it), renewed with `update(key, value, lastRevision)` (a revision conflict means someone else
 * took it), released with a conditional delete so the next owner can take over at once.
 *
 * @example
 * const lease = await PartitionLease.acquire(kv, 'p.3', 3, 'worker-a', 10_000);
 * if (lease && !(await lease.renew())) stopPartition(3);
 */
export class PartitionLease {
  private revision: number;
  private renewedAt: number;

  private constructor(
    private readonly kv: KV,
    readonly key: string,
    readonly partition: number,
    readonly owner: string,
    readonly epoch: number,
    private readonly ttlMs: number,
  ) {
    this.revision = epoch;
    this.renewedAt = performance.now();
  }

  /** Takes a free lease; undefined when someone holds it. */
  static async acquire(
    kv: KV,
    key: string,
    partition: number,
    owner: string,
    ttlMs: number,
  ): Promise<PartitionLease | undefined> {
    const value: LeaseValue = { owner, epoch: 0, acquiredAt: new Date().toISOString() };
    let revision: number;
    try {
      revision = await kv.create(key, JSON.stringify(value));
    } catch {
      return undefined;
    }
    const lease = new PartitionLease(kv, key, partition, owner, revision, ttlMs);
    // Record the epoch in the value for operators; a failure here means the lease is already lost.
    return (await lease.renew()) ? lease : undefined;
  }

  /**
   * Extends the lease. False when it is lost: another owner's revision is there, or no renewal
   * succeeded for 0.7 × TTL (by the monotonic clock), after which the server may have let it expire.
   */
  async renew(): Promise<boolean> {
    if (this.expiredLocally()) return false;
    const value: LeaseValue = { owner: this.owner, epoch: this.epoch, acquiredAt: new Date().toISOString() };
    try {
      this.revision = await this.kv.update(this.key, JSON.stringify(value), this.revision);
      this.renewedAt = performance.now();
      return true;
    } catch (error) {
      if (isRevisionConflict(error)) return false;
      return !this.expiredLocally();
    }
  }

  /** No renewal for 0.7 × TTL: stop using the partition even before knowing who has it. */
  expiredLocally(): boolean {
    return performance.now() - this.renewedAt > 0.7 * this.ttlMs;
  }

  /** Deletes the key if it is still ours, so the next owner need not wait for the TTL. */
  async release(): Promise<void> {
    await this.kv.delete(this.key, { previousSeq: this.revision }).catch(() => {});
  }
}

function isRevisionConflict(error: unknown): boolean {
  return error instanceof Error && /wrong last sequence/i.test(error.message);
}
