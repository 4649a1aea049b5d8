import { and, asc, count, desc, eq, ilike, inArray, or, type SQL } from 'drizzle-orm';
import type { Database } from '../client';
import { chats, contacts, groups } from '../schema';

export type ChatRow = typeof chats.$inferSelect;
export type ContactRow = typeof contacts.$inferSelect;
export type GroupRow = typeof groups.$inferSelect;

export interface Page {
  limit: number;
  offset: number;
}

/**
 * Reads of chats, contacts and cached groups as the API lists them (the session worker keeps
 * them current from WhatsApp), and the one local edit the API makes: a contact's saved name.
 *
 * @example
 * const { rows, total } = await directory.chats('demo', { archived: false, limit: 50, offset: 0 });
 */
export class DirectoryListingsRepository {
  constructor(private readonly db: Database) {}

  async chats(
    accountId: string,
    query: Page & { archived?: boolean; type?: ChatRow['type'] },
  ): Promise<{ rows: ChatRow[]; total: number }> {
    const where = and(
      eq(chats.accountId, accountId),
      query.archived === undefined ? undefined : eq(chats.archived, query.archived),
      query.type ? eq(chats.type, query.type) : undefined,
    );
    const [rows, [total]] = await Promise.all([
      this.db
        .select()
        .from(chats)
        .where(where)
        .orderBy(desc(chats.pinned), desc(chats.lastMessageAt), asc(chats.id))
        .limit(query.limit)
        .offset(query.offset),
      this.db.select({ total: count() }).from(chats).where(where),
    ]);
    return { rows, total: total?.total ?? 0 };
  }

  /** Contacts of some accounts (one, or every account a caller may see), by name or number. */
  async contacts(
    accountIds: string[],
    query: Page & { search?: string },
  ): Promise<{ rows: ContactRow[]; total: number }> {
    if (accountIds.length === 0) return { rows: [], total: 0 };
    const pattern = query.search ? `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
    const conditions: Array<SQL | undefined> = [
      inArray(contacts.accountId, accountIds),
      pattern
        ? or(ilike(contacts.name, pattern), ilike(contacts.notify, pattern), ilike(contacts.id, pattern))
        : undefined,
    ];
    const where = and(...conditions);
    const [rows, [total]] = await Promise.all([
      this.db
        .select()
        .from(contacts)
        .where(where)
        .orderBy(asc(contacts.accountId), asc(contacts.id))
        .limit(query.limit)
        .offset(query.offset),
      this.db.select({ total: count() }).from(contacts).where(where),
    ]);
    return { rows, total: total?.total ?? 0 };
  }

  /** Saves a contact's name as the account's user knows it; false when the contact is unknown. */
  async renameContact(accountId: string, contactId: string, name: string): Promise<ContactRow | undefined> {
    const [row] = await this.db
      .update(contacts)
      .set({ name, updatedAt: new Date() })
      .where(and(eq(contacts.accountId, accountId), eq(contacts.id, contactId)))
      .returning();
    return row;
  }

  /** Groups the account still belongs to, from the cache. */
  groups(accountId: string): Promise<GroupRow[]> {
    return this.db
      .select()
      .from(groups)
      .where(and(eq(groups.accountId, accountId), eq(groups.active, true)))
      .orderBy(asc(groups.subject), asc(groups.id));
  }
}
