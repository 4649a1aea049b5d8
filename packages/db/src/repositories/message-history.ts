import { and, count, desc, eq, gte, inArray, lte, type SQL } from 'drizzle-orm';
import type { Database } from '../client';
import { type MessageRow, mediaObjects, messages } from '../schema';

export type MediaObjectRow = typeof mediaObjects.$inferSelect;

/** Filters of a message history query; every one optional. */
export interface MessageHistoryQuery {
  chatId?: string;
  /** Any of these chats (a number's JIDs, for seed 002's `recipient`). */
  chatIds?: string[];
  fromMe?: boolean;
  type?: string;
  status?: string;
  /** Unix seconds, inclusive. */
  since?: number;
  /** Unix seconds, inclusive. */
  until?: number;
  limit: number;
  offset: number;
}

/**
 * Reads of the message history and of stored media, as the API serves them (the session worker
 * writes both).
 *
 * @example
 * const { rows, total } = await history.list('demo', { chatId, limit: 50, offset: 0 });
 */
export class MessageHistoryRepository {
  constructor(private readonly db: Database) {}

  /** Messages newest first, with the total that matches the filters. */
  async list(accountId: string, query: MessageHistoryQuery): Promise<{ rows: MessageRow[]; total: number }> {
    const conditions: Array<SQL | undefined> = [
      eq(messages.accountId, accountId),
      query.chatId ? eq(messages.chatId, query.chatId) : undefined,
      query.chatIds ? inArray(messages.chatId, query.chatIds) : undefined,
      query.fromMe === undefined ? undefined : eq(messages.fromMe, query.fromMe),
      query.type ? eq(messages.type, query.type) : undefined,
      query.status ? eq(messages.status, query.status as MessageRow['status']) : undefined,
      query.since === undefined ? undefined : gte(messages.sentAt, query.since),
      query.until === undefined ? undefined : lte(messages.sentAt, query.until),
    ];
    const where = and(...conditions);
    const [rows, [total]] = await Promise.all([
      this.db
        .select()
        .from(messages)
        .where(where)
        .orderBy(desc(messages.sentAt), desc(messages.id))
        .limit(query.limit)
        .offset(query.offset),
      this.db.select({ total: count() }).from(messages).where(where),
    ]);
    return { rows, total: total?.total ?? 0 };
  }

  /** One message by its id (in whichever chat). */
  async get(accountId: string, messageId: string): Promise<MessageRow | undefined> {
    const [row] = await this.db
      .select()
      .from(messages)
      .where(and(eq(messages.accountId, accountId), eq(messages.id, messageId)))
      .limit(1);
    return row;
  }

  /** A stored media object of an account. */
  async media(accountId: string, mediaId: string): Promise<MediaObjectRow | undefined> {
    const [row] = await this.db
      .select()
      .from(mediaObjects)
      .where(and(eq(mediaObjects.accountId, accountId), eq(mediaObjects.id, mediaId)));
    return row;
  }

  /** Records media whose bytes were just stored (an upload for sending). */
  async recordMedia(row: typeof mediaObjects.$inferInsert): Promise<MediaObjectRow> {
    const [inserted] = await this.db.insert(mediaObjects).values(row).returning();
    return inserted!;
  }
}
