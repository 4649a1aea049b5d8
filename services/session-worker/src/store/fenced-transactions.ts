import { type Database, FencedOutError, withPartitionFences } from '@wagate/db';

/** Runs `work` in a transaction fenced for `partition` at `epoch`; see `FencedTransactions`. */
export type FencedRunner = <T>(
  partition: number,
  epoch: number,
  work: (tx: Database) => Promise<T>,
) => Promise<T>;

interface Unit {
  partition: number;
  epoch: number;
  work: (tx: Database) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { value: unknown } | { fenced: FencedOutError };

/** Units (partition batches) sharing one transaction at most. */
const MAX_UNITS = 64;

/**
 * The fenced transactions of every partition a worker owns. A transaction costs a BEGIN, a fence
 * read and a COMMIT (round trips, and CPU in this process and in PostgreSQL) whatever it writes,
 * so when more partitions have writes than `concurrency` transactions can take at once, the
 * waiting ones go together into the next transaction, side by side: each unit runs only if its
 * partition's fence still carries its epoch (else it fails alone with `FencedOutError`). A unit
 * that fails aborts its transaction; the others are then retried one transaction each, so it
 * fails alone. When idle, a unit starts its transaction at once.
 *
 * @example
 * const transactions = new FencedTransactions(db, 2);
 * await transactions.run(3, epoch, (tx) => WebSessionStore.insertMessages(tx, rows));
 */
export class FencedTransactions {
  private waiting: Unit[] = [];
  private running = 0;

  constructor(
    private readonly db: Database,
    private readonly concurrency: number,
  ) {}

  readonly run: FencedRunner = (partition, epoch, work) =>
    new Promise((resolve, reject) => {
      this.waiting.push({
        partition,
        epoch,
        work,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.startNext();
    });

  private startNext(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const units = this.waiting.splice(0, MAX_UNITS);
      this.running += 1;
      void this.commit(units).finally(() => {
        this.running -= 1;
        this.startNext();
      });
    }
  }

  private async commit(units: Unit[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await withPartitionFences(
        this.db,
        units.map((unit) => unit.partition),
        async (tx, epochOf) => {
          // Started together, the units' statements reach PostgreSQL pipelined: one round trip
          // per step of the longest unit instead of one per statement. They may interleave, since
          // each unit is another partition's (its writer keeps one in flight) and writes only the
          // rows of that partition's accounts.
          const settled = await Promise.allSettled(
            units.map(async (unit): Promise<Outcome> => {
              const current = epochOf(unit.partition);
              if (current !== unit.epoch)
                return { fenced: new FencedOutError(unit.partition, unit.epoch, current) };
              return { value: await unit.work(tx) };
            }),
          );
          const failure = settled.find((outcome) => outcome.status === 'rejected');
          if (failure) throw failure.reason;
          return settled.map((outcome) => (outcome as PromiseFulfilledResult<Outcome>).value);
        },
      );
    } catch (error) {
      if (units.length === 1) {
        units[0]!.reject(error);
        return;
      }
      for (const unit of units) await this.commit([unit]);
      return;
    }
    for (const [index, unit] of units.entries()) {
      const outcome = outcomes[index]!;
      if ('fenced' in outcome) unit.reject(outcome.fenced);
      else unit.resolve(outcome.value);
    }
  }
}
