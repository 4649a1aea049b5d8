import { fnv1a32 } from '@wagate/contracts';

/**
 * Score of a worker for a partition in rendezvous (highest-random-weight) hashing: FNV-1a of
 * `<workerId>:<partition>`, then a murmur3 finalizer so that similar ids spread evenly.
 *
 * @example
 * rendezvousScore(3, 'worker-a'); // a number in [0, 2^32)
 */
export function rendezvousScore(partition: number, workerId: string): number {
  let hash = fnv1a32(`${workerId}:${partition}`);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35) >>> 0;
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/**
 * The worker that should own a partition: the one with the highest score (ties by id). Adding or
 * removing a worker moves only the partitions it wins or held, about P/N of them.
 *
 * @example
 * rendezvousOwner(3, ['worker-a', 'worker-b']); // 'worker-a' or 'worker-b'
 */
export function rendezvousOwner(partition: number, workers: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const worker of workers) {
    const score = rendezvousScore(partition, worker);
    if (score > bestScore || (score === bestScore && best !== undefined && worker < best)) {
      best = worker;
      bestScore = score;
    }
  }
  return best;
}
