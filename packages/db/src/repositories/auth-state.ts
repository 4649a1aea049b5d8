import { and, eq, inArray, sql } from 'drizzle-orm';
import { type Database, queryRows } from '../client';
import { authCreds, authKeys, partitionFences } from '../schema';

/** A newer owner holds the partition: this worker must stop writing (and stop the session). */
export class FencedOutError extends Error {
  override readonly name = 'FencedOutError';
  constructor(
    readonly partition: number,
    readonly epoch: number,
    readonly currentEpoch: number | undefined,
  ) {
    super(`partition ${partition} belongs to epoch ${currentEpoch ?? 'none'}, not ${epoch}`);
  }
}

/**
 * Raises the fence of a partition to `epoch` (the lease revision at acquisition). Returns false
 * when a newer epoch already holds it, i.e. this claim is stale.
 *
 * @example
 * if (!(await claimPartitionFence(db, 7, lease.revision, workerId))) releaseLease();
 */
export async function claimPartitionFence(
  db: Database,
  partition: number,
  epoch: number,
  owner: string,
): Promise<boolean> {
  const rows = await db
    .insert(partitionFences)
    .values({ partition, epoch, owner })
    .onConflictDoUpdate({
      target: partitionFences.partition,
      set: { epoch, owner, updatedAt: new Date() },
      setWhere: sql`${partitionFences.epoch} <= ${epoch}`,
    })
    .returning({ epoch: partitionFences.epoch });
  return rows.length > 0;
}

/**
 * A value its owner already serialized to JSON: written as that text, not serialized again (a
 * Signal session record is several kilobytes, and the worker writes one or two per message).
 */
export class JsonText {
  constructor(readonly text: string) {}
}

/** JSON of `value`, or its text when it is `JsonText`. */
export const jsonOf = (value: unknown): string =>
  value instanceof JsonText ? value.text : JSON.stringify(value);

/** A key write; `value: null` deletes the key. */
export interface KeyWrite {
  category: string;
  keyId: string;
  value: unknown | null;
}

/**
 * Baileys auth state of one account (credentials and signal keys, already `BufferJSON`-encoded),
 * where every write is fenced: it happens only while the partition's fence still carries this
 * writer's epoch, else `FencedOutError`. The fence row is share-locked for the write, so a new
 * owner's claim waits for a write in progress and every later write of the old owner fails.
 *
 * @example
 * const store = new FencedAuthState(db, 'demo', 54, lease.epoch);
 * await store.writeCreds(JSON.parse(JSON.stringify(creds, BufferJSON.replacer)));
 */
export class FencedAuthState {
  constructor(
    private readonly db: Database,
    readonly accountId: string,
    readonly partition: number,
    readonly epoch: number,
  ) {}

  async readCreds(): Promise<unknown | undefined> {
    const [row] = await this.db
      .select({ creds: authCreds.creds })
      .from(authCreds)
      .where(eq(authCreds.accountId, this.accountId));
    return row?.creds;
  }

  async writeCreds(creds: unknown): Promise<void> {
    await this.fenced((tx) => upsertAuthCreds(tx, this.accountId, creds, this.epoch));
  }

  /** Values of the given keys of one category; missing keys are absent from the result. */
  async readKeys(category: string, keyIds: string[]): Promise<Record<string, unknown>> {
    if (keyIds.length === 0) return {};
    const rows = await this.db
      .select({ keyId: authKeys.keyId, value: authKeys.value })
      .from(authKeys)
      .where(
        and(
          eq(authKeys.accountId, this.accountId),
          eq(authKeys.category, category),
          inArray(authKeys.keyId, keyIds),
        ),
      );
    return Object.fromEntries(rows.map((row) => [row.keyId, row.value]));
  }

  async writeKeys(writes: KeyWrite[]): Promise<void> {
    if (writes.length === 0) return;
    await this.fenced((tx) => applyAuthKeyWrites(tx, this.accountId, writes, this.epoch));
  }

  /** Removes credentials and keys (logout), fenced like every write. */
  async clear(): Promise<void> {
    await this.fenced((tx) => deleteAuthStateIn(tx, this.accountId));
  }

  private fenced(write: (tx: Database) => Promise<void>): Promise<void> {
    return withPartitionFence(this.db, this.partition, this.epoch, write);
  }
}

/**
 * Runs `work` in a transaction that holds the partition's fence row share-locked and only while it
 * still carries `epoch`, else throws `FencedOutError`: every write of a partition's owner goes
 * through here, so a worker that lost its lease can never overwrite its successor's state.
 *
 * @example
 * await withPartitionFence(db, 7, lease.epoch, (tx) => upsertAuthCreds(tx, 'demo', creds, lease.epoch));
 */
export async function withPartitionFence<T>(
  db: Database,
  partition: number,
  epoch: number,
  work: (tx: Database) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    const [fence] = await queryRows<{ epoch: number }>(
      tx as unknown as Database,
      sql`select epoch::float8 as epoch from partition_fences where partition = ${partition} for share`,
    );
    if (fence?.epoch !== epoch) throw new FencedOutError(partition, epoch, fence?.epoch);
    return work(tx as unknown as Database);
  });
}

/**
 * Runs `work` in one transaction that holds the fence rows of several partitions share-locked:
 * `epochOf(p)` says which epoch holds partition `p` now (undefined if none), and the caller runs
 * only the writes whose partition still carries its epoch. Owners with writes on many partitions
 * at once share one transaction this way instead of paying one each.
 *
 * @example
 * await withPartitionFences(db, [3, 7], async (tx, epochOf) => {
 *   if (epochOf(3) === epoch3) await upsertAuthCreds(tx, 'demo', creds, epoch3);
 * });
 */
export async function withPartitionFences<T>(
  db: Database,
  partitions: readonly number[],
  work: (tx: Database, epochOf: (partition: number) => number | undefined) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    const fences = await queryRows<{ partition: number; epoch: number }>(
      tx as unknown as Database,
      sql`select partition, epoch::float8 as epoch from partition_fences
        where partition in (select jsonb_array_elements_text(${JSON.stringify([...new Set(partitions)])}::jsonb)::int)
        for share`,
    );
    const epochs = new Map(fences.map((fence) => [fence.partition, fence.epoch]));
    return work(tx as unknown as Database, (partition) => epochs.get(partition));
  });
}

/** Stores an account's credentials (already `BufferJSON`-encoded), inside a fenced transaction. */
export async function upsertAuthCreds(tx: Database, accountId: string, creds: unknown, epoch: number) {
  await tx
    .insert(authCreds)
    .values({ accountId, creds, epoch })
    .onConflictDoUpdate({ target: authCreds.accountId, set: { creds, epoch, updatedAt: new Date() } });
}

/**
 * Applies key writes (`value: null` deletes), inside a fenced transaction: one statement for the
 * upserts and one for the deletions, whatever their number (a JSON parameter each).
 */
export async function applyAuthKeyWrites(tx: Database, accountId: string, writes: KeyWrite[], epoch: number) {
  const upserts = writes.filter((write) => write.value !== null && write.value !== undefined);
  const deletions = writes.filter((write) => write.value === null || write.value === undefined);
  if (upserts.length > 0) {
    const input = `[${upserts
      .map(
        (write) =>
          `{"category":${JSON.stringify(write.category)},"key_id":${JSON.stringify(write.keyId)},"value":${jsonOf(write.value)}}`,
      )
      .join(',')}]`;
    await queryRows(
      tx,
      sql`insert into auth_keys (account_id, category, key_id, value, epoch)
      select ${accountId}::text, input.category, input.key_id, input.value, ${epoch}::bigint
      from jsonb_to_recordset(${input}::jsonb) as input(category text, key_id text, value jsonb)
      on conflict (account_id, category, key_id) do update set value = excluded.value, epoch = excluded.epoch`,
    );
  }
  if (deletions.length > 0) {
    const input = JSON.stringify(
      deletions.map((write) => ({ category: write.category, key_id: write.keyId })),
    );
    await queryRows(
      tx,
      sql`delete from auth_keys
      where account_id = ${accountId}
        and (category, key_id) in (
          select input.category, input.key_id from jsonb_to_recordset(${input}::jsonb) as input(category text, key_id text)
        )`,
    );
  }
}

/** Removes an account's credentials and keys, inside a fenced transaction (logout). */
export async function deleteAuthStateIn(tx: Database, accountId: string) {
  await tx.delete(authKeys).where(eq(authKeys.accountId, accountId));
  await tx.delete(authCreds).where(eq(authCreds.accountId, accountId));
}

/**
 * Removes an account's auth state without fencing: for admin deletion when no session runs.
 *
 * @example
 * await deleteAuthState(db, 'demo');
 */
export async function deleteAuthState(db: Database, accountId: string): Promise<void> {
  await db.transaction((tx) => deleteAuthStateIn(tx as unknown as Database, accountId));
}
