import { claimPartitionFence, type Database, FencedOutError } from '@wagate/db';
import { describe, expect, test } from '@wagate/testing';
import { sql } from 'drizzle-orm';
import { FencedTransactions } from './fenced-transactions';

const EPOCH = 5;

/** The id of the transaction a work runs in. */
const transactionOf = async (tx: Database) => {
  const rows = await tx.execute(sql`select txid_current()::text as id`);
  return (rows as unknown as Array<{ id: string }>)[0]!.id;
};

describe('FencedTransactions', () => {
  test('writes of partitions that wait for a busy transaction share the next one; each still checks its own fence', async ({
    database,
  }) => {
    const { db } = database;
    for (const partition of [0, 1, 2, 3]) await claimPartitionFence(db, partition, EPOCH, 'worker-a');
    await claimPartitionFence(db, 3, EPOCH + 1, 'worker-b');
    const transactions = new FencedTransactions(db, 1);

    const busy = transactions.run(0, EPOCH, async (tx) => {
      await tx.execute(sql`select pg_sleep(0.1)`);
      return transactionOf(tx);
    });
    const waiting = [1, 2].map((partition) => transactions.run(partition, EPOCH, transactionOf));
    const fencedOut = transactions.run(3, EPOCH, transactionOf);

    const first = await busy;
    const [second, third] = await Promise.all(waiting);
    expect(second).toBe(third);
    expect(second).not.toBe(first);
    await expect(fencedOut).rejects.toBeInstanceOf(FencedOutError);
  });

  test('the writes sharing a transaction run side by side, their statements pipelined', async ({
    database,
  }) => {
    const { db } = database;
    for (const partition of [0, 1, 2]) await claimPartitionFence(db, partition, EPOCH, 'worker-a');
    await db.execute(sql`create table pipelined_probe (seq serial, partition int, step int)`);
    const transactions = new FencedTransactions(db, 1);

    const busy = transactions.run(0, EPOCH, (tx) => tx.execute(sql`select pg_sleep(0.1)`));
    const twoSteps = [1, 2].map((partition) =>
      transactions.run(partition, EPOCH, async (tx) => {
        await tx.execute(sql`insert into pipelined_probe (partition, step) values (${partition}, 1)`);
        await tx.execute(sql`insert into pipelined_probe (partition, step) values (${partition}, 2)`);
      }),
    );
    await busy;
    await Promise.all(twoSteps);
    const rows = await db.execute(sql`select partition, step from pipelined_probe order by seq`);
    expect(
      (rows as unknown as Array<{ partition: number; step: number }>).map(
        (row) => `${row.partition}.${row.step}`,
      ),
    ).toEqual(['1.1', '2.1', '1.2', '2.2']);
  });

  test('a write that fails fails alone: the others of its transaction are committed', async ({
    database,
  }) => {
    const { db } = database;
    for (const partition of [0, 1, 2]) await claimPartitionFence(db, partition, EPOCH, 'worker-a');
    await db.execute(sql`create table fenced_probe (partition int primary key)`);
    const transactions = new FencedTransactions(db, 1);

    const busy = transactions.run(0, EPOCH, (tx) => tx.execute(sql`select pg_sleep(0.1)`));
    const good = [0, 2].map((partition) =>
      transactions.run(partition, EPOCH, (tx) =>
        tx.execute(sql`insert into fenced_probe values (${partition})`),
      ),
    );
    const bad = transactions.run(1, EPOCH, (tx) => tx.execute(sql`insert into no_such_table values (1)`));

    await busy;
    await Promise.all(good);
    await expect(bad).rejects.toThrow(/no_such_table/);
    const rows = await db.execute(sql`select partition from fenced_probe order by 1`);
    expect((rows as unknown as Array<{ partition: number }>).map((row) => row.partition)).toEqual([0, 2]);
  });
});
