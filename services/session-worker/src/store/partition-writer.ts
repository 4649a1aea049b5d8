import { type Database, FencedOutError, withPartitionFence } from '@wagate/db';
import type { Logger } from '@wagate/observability';
import { describeError } from '@wagate/runtime';
import type { FencedRunner } from './fenced-transactions';

interface QueuedWork {
  work: (tx: Database) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Works batched into one transaction at most. */
const MAX_BATCH = 200;

/**
 * Every database write of one owned partition, batched: the works queued while a transaction runs
 * go together into the next one, which holds the partition's fence (`withPartitionFence`, or a
 * transaction shared with other partitions through `FencedTransactions`), so a worker that lost
 * the partition writes nothing. A fenced-out write stops the partition
 * (`onFencedOut`); a batch that fails otherwise is retried work by work, so one bad write fails
 * alone.
 *
 * @example
 * const writer = new PartitionWriter(db, 3, epoch, log, () => stopPartition(3));
 * await writer.run((tx) => WebSessionStore.insertMessages(tx, rows));
 */
export class PartitionWriter {
  private queue: QueuedWork[] = [];
  private running: Promise<void> | undefined;
  private fencedOut = false;

  constructor(
    db: Database,
    readonly partition: number,
    readonly epoch: number,
    private readonly log: Logger,
    private readonly onFencedOut: (error: FencedOutError) => void,
    /** Where the fenced transactions run: the worker's shared `FencedTransactions` in service. */
    private readonly runFenced: FencedRunner = (partition, epoch, work) =>
      withPartitionFence(db, partition, epoch, work),
  ) {}

  /** Runs `work` in the partition's next fenced transaction; resolves after the commit. */
  run<T>(work: (tx: Database) => Promise<T>): Promise<T> {
    if (this.fencedOut) return Promise.reject(new FencedOutError(this.partition, this.epoch, undefined));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.running) this.running = this.drain();
    });
  }

  /** Resolves when everything queued so far is written (or failed). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        await this.write(batch);
      }
    } finally {
      this.running = undefined;
    }
  }

  private async write(batch: QueuedWork[]): Promise<void> {
    try {
      const results = await this.runFenced(this.partition, this.epoch, async (tx) => {
        const values: unknown[] = [];
        for (const item of batch) values.push(await item.work(tx));
        return values;
      });
      for (const [index, item] of batch.entries()) item.resolve(results[index]);
    } catch (error) {
      if (error instanceof FencedOutError) return this.fenced(batch, error);
      if (batch.length === 1) {
        this.log.error({ partition: this.partition, err: describeError(error) }, 'database write failed');
        batch[0]!.reject(error);
        return;
      }
      for (const item of batch) await this.write([item]);
    }
  }

  private fenced(batch: QueuedWork[], error: FencedOutError): void {
    for (const item of [...batch, ...this.queue.splice(0)]) item.reject(error);
    if (this.fencedOut) return;
    this.fencedOut = true;
    this.log.warn({ partition: this.partition, epoch: this.epoch }, 'a newer owner holds the partition');
    this.onFencedOut(error);
  }
}
