import { DEFAULT_PARTITION_COUNT, partitionOf } from '@wagate/contracts';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { type AccountRow, type AccountSettings, accounts } from '../schema';

/** An account with this id exists already. */
export class AccountExistsError extends Error {
  override readonly name = 'AccountExistsError';
  constructor(readonly accountId: string) {
    super(`account "${accountId}" already exists`);
  }
}

export interface CreateAccountInput {
  id: string;
  kind: AccountRow['kind'];
  name?: string | null;
  phoneNumber?: string | null;
  disabled?: boolean;
  settings?: AccountSettings;
}

/** Live facts of a web session, written by its owner. */
export interface SessionStatePatch {
  sessionStatus?: string;
  status?: AccountRow['status'];
  statusReason?: string | null;
  phoneNumber?: string | null;
  pushName?: string | null;
  lid?: string | null;
  deviceId?: number | null;
  lastConnectedAt?: Date;
}

/**
 * Accounts: creation (with their partition), lookup, listing, session state and admin changes.
 *
 * @example
 * const repo = new AccountsRepository(database.db, topology.partitions);
 * await repo.create({ id: 'demo', kind: 'web', name: 'Demo' });
 */
export class AccountsRepository {
  constructor(
    private readonly db: Database,
    private readonly partitions: number = DEFAULT_PARTITION_COUNT,
  ) {}

  /** Creates an account; `AccountExistsError` when the id is taken. */
  async create(input: CreateAccountInput): Promise<AccountRow> {
    const [row] = await this.db
      .insert(accounts)
      .values({
        id: input.id,
        kind: input.kind,
        name: input.name ?? null,
        phoneNumber: input.phoneNumber ?? null,
        disabled: input.disabled ?? false,
        settings: input.settings ?? {},
        partition: partitionOf(input.id, this.partitions),
      })
      .onConflictDoNothing({ target: accounts.id })
      .returning();
    if (!row) throw new AccountExistsError(input.id);
    return row;
  }

  async get(id: string): Promise<AccountRow | undefined> {
    const [row] = await this.db.select().from(accounts).where(eq(accounts.id, id));
    return row;
  }

  /** Accounts in id order, optionally of one kind or only those in `ids`. */
  list(
    options: { kind?: AccountRow['kind']; ids?: string[]; limit?: number; offset?: number } = {},
  ): Promise<AccountRow[]> {
    const conditions = [
      options.kind ? eq(accounts.kind, options.kind) : undefined,
      options.ids ? inArray(accounts.id, options.ids) : undefined,
    ].filter(Boolean);
    return this.db
      .select()
      .from(accounts)
      .where(and(...conditions))
      .orderBy(asc(accounts.id))
      .limit(options.limit ?? 1_000)
      .offset(options.offset ?? 0);
  }

  async count(kind?: AccountRow['kind']): Promise<number> {
    const [row] = await this.db
      .select({ count: sql<number>`count(*)::int` })
      .from(accounts)
      .where(kind ? eq(accounts.kind, kind) : undefined);
    return row?.count ?? 0;
  }

  /** Enabled web accounts of the given partitions: what a worker runs after acquiring them. */
  listRunnable(partitions: number[]): Promise<AccountRow[]> {
    if (partitions.length === 0) return Promise.resolve([]);
    return this.db
      .select()
      .from(accounts)
      .where(
        and(eq(accounts.kind, 'web'), eq(accounts.disabled, false), inArray(accounts.partition, partitions)),
      )
      .orderBy(asc(accounts.id));
  }

  /** Records live session facts; returns false when the account no longer exists. */
  async updateSessionState(id: string, patch: SessionStatePatch): Promise<boolean> {
    const rows = await this.db
      .update(accounts)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(accounts.id, id))
      .returning({ id: accounts.id });
    return rows.length > 0;
  }

  /** Changes name, phone number, settings or the disabled flag; returns the new row. */
  async update(
    id: string,
    patch: Partial<Pick<AccountRow, 'name' | 'phoneNumber' | 'disabled' | 'settings' | 'status'>>,
  ): Promise<AccountRow | undefined> {
    const [row] = await this.db
      .update(accounts)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(accounts.id, id))
      .returning();
    return row;
  }

  async delete(id: string): Promise<boolean> {
    const rows = await this.db.delete(accounts).where(eq(accounts.id, id)).returning({ id: accounts.id });
    return rows.length > 0;
  }
}
