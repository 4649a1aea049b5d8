import type {
  ChatSummary,
  ChatType,
  ContactSummary,
  GroupInfo,
  MessageContent,
  MessageStatus,
} from '@wagate/contracts';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { type Database, queryRows } from '../client';
import {
  authCreds,
  chats,
  contacts,
  type EventOutboxRow,
  eventOutbox,
  groups,
  type MessageRow,
  mediaObjects,
  messages,
  type NewMessageRow,
  type OutboundRow,
  outboundQueue,
  processedCommands,
} from '../schema';
import { jsonOf } from './auth-state';

/** Order of delivery states: a status only moves forward (`failed` only from pending/server). */
const STATUS_RANK: Record<MessageStatus, number> = {
  pending: 0,
  server: 1,
  delivered: 2,
  read: 3,
  played: 4,
  failed: 5,
};

const statusRank = sql`case ${messages.status} when 'pending' then 0 when 'server' then 1 when 'delivered' then 2 when 'read' then 3 when 'played' then 4 else 5 end`;

/** A status change of one message, from a receipt or the server's ack. */
export interface StatusChange {
  chatId: string;
  id: string;
  status: MessageStatus;
  error?: { code: number | string; message: string };
}

export type NewOutboundRow = Omit<typeof outboundQueue.$inferInsert, 'seq' | 'state' | 'attempts'>;

/** The message a queued `message.send` or `message.forward` creates, stored as `pending`. */
export interface OutboundMessage {
  sender: string;
  content: MessageContent;
  quotedId?: string;
  mentions?: string[];
  /** Unix seconds. */
  sentAt: number;
  chatType: ChatType;
}

/**
 * What the session worker records of its web sessions: message history with delivery status,
 * chats, contacts, group metadata, media, processed commands, its durable outbound queue and its
 * event outbox. Writes take the transaction of the partition's fenced writer; reads take the
 * database.
 *
 * @example
 * await withPartitionFence(db, p, epoch, (tx) => WebSessionStore.insertMessages(tx, rows));
 */
export const WebSessionStore = {
  /** Inserts messages not seen before; returns the ids (`chatId/id`) that were new. */
  async insertMessages(tx: Database, rows: NewMessageRow[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const inserted = await tx
      .insert(messages)
      .values(rows)
      .onConflictDoNothing()
      .returning({ chatId: messages.chatId, id: messages.id });
    return new Set(inserted.map((row) => `${row.chatId}/${row.id}`));
  },

  /** Moves statuses forward only; returns the rows that changed, with their command ids. */
  async advanceStatuses(
    tx: Database,
    accountId: string,
    changes: StatusChange[],
  ): Promise<Array<{ chatId: string; id: string; status: MessageStatus; commandId: string | null }>> {
    const changed: Array<{ chatId: string; id: string; status: MessageStatus; commandId: string | null }> =
      [];
    for (const change of changes) {
      const guard =
        change.status === 'failed'
          ? sql`${statusRank} <= 1`
          : sql`${statusRank} < ${STATUS_RANK[change.status]} or ${messages.status} = 'failed'`;
      const rows = await tx
        .update(messages)
        .set({ status: change.status, error: change.error ?? null, updatedAt: new Date() })
        .where(
          and(
            eq(messages.accountId, accountId),
            eq(messages.chatId, change.chatId),
            eq(messages.id, change.id),
            change.status === 'failed' ? guard : sql`(${guard}) and ${messages.status} <> 'failed'`,
          ),
        )
        .returning({ chatId: messages.chatId, id: messages.id, commandId: messages.commandId });
      for (const row of rows) changed.push({ ...row, status: change.status });
    }
    return changed;
  },

  async recordEdit(tx: Database, accountId: string, chatId: string, id: string, content: MessageContent) {
    await tx
      .update(messages)
      .set({ content, type: content.type, editedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(messages.accountId, accountId), eq(messages.chatId, chatId), eq(messages.id, id)));
  },

  async recordDeletion(tx: Database, accountId: string, chatId: string, id: string) {
    await tx
      .update(messages)
      .set({ deletedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(messages.accountId, accountId), eq(messages.chatId, chatId), eq(messages.id, id)));
  },

  async replaceContent(tx: Database, accountId: string, chatId: string, id: string, content: MessageContent) {
    await tx
      .update(messages)
      .set({ content, updatedAt: new Date() })
      .where(and(eq(messages.accountId, accountId), eq(messages.chatId, chatId), eq(messages.id, id)));
  },

  /**
   * A queued command's message left for WhatsApp, in one statement: the command is done, and the
   * message keeps its protocol message (to quote, forward or resend it), WhatsApp's timestamp and
   * the server's ack (a receipt that was stored first stays). Returns what the `message.sent` event
   * tells of the message, or undefined when it is not stored.
   */
  async recordSent(
    tx: Database,
    accountId: string,
    commandId: string,
    sent: { chatId: string; id: string; raw: unknown; sentAt: number },
  ): Promise<Pick<MessageRow, 'sender' | 'content' | 'quotedId' | 'mentions'> | undefined> {
    const [row] = await queryRows<{
      sender: string;
      content: MessageContent;
      quoted_id: string | null;
      mentions: string[];
    }>(
      tx,
      sql`with finished as (
          update outbound_queue set state = 'sent', error = null, attempts = attempts + 1, updated_at = now()
          where account_id = ${accountId} and command_id = ${commandId}
        )
        update messages set
          raw = ${jsonOf(sent.raw)}::jsonb,
          sent_at = ${sent.sentAt},
          status = case when status = 'pending' then 'server' else status end,
          error = case when status = 'pending' then null else error end,
          updated_at = now()
        where account_id = ${accountId} and chat_id = ${sent.chatId} and id = ${sent.id}
        returning sender, content, quoted_id, mentions`,
    );
    return (
      row && { sender: row.sender, content: row.content, quotedId: row.quoted_id, mentions: row.mentions }
    );
  },

  /** A message by id, in a chat when `chatId` is given. */
  async findMessage(
    db: Database,
    accountId: string,
    id: string,
    chatId?: string,
  ): Promise<MessageRow | undefined> {
    const [row] = await db
      .select()
      .from(messages)
      .where(
        and(
          eq(messages.accountId, accountId),
          eq(messages.id, id),
          chatId ? eq(messages.chatId, chatId) : undefined,
        ),
      )
      .limit(1);
    return row;
  },

  /** The newest messages of a chat (chat modifications name the last ones). */
  lastMessages(db: Database, accountId: string, chatId: string, limit: number): Promise<MessageRow[]> {
    return db
      .select()
      .from(messages)
      .where(and(eq(messages.accountId, accountId), eq(messages.chatId, chatId)))
      .orderBy(desc(messages.sentAt))
      .limit(limit);
  },

  async upsertChats(tx: Database, accountId: string, rows: Array<ChatSummary & { type: string }>) {
    for (const chat of rows) {
      const values = {
        accountId,
        id: chat.id,
        type: chat.type as 'contact',
        name: chat.name ?? null,
        unreadCount: chat.unreadCount ?? 0,
        archived: chat.archived ?? false,
        pinned: chat.pinned ?? false,
        mutedUntil: chat.mutedUntil || null,
        lastMessageAt: chat.lastMessageAt ?? null,
      };
      const set: Record<string, unknown> = { updatedAt: new Date() };
      if (chat.name !== undefined) set.name = chat.name;
      if (chat.unreadCount !== undefined) set.unreadCount = chat.unreadCount;
      if (chat.archived !== undefined) set.archived = chat.archived;
      if (chat.pinned !== undefined) set.pinned = chat.pinned;
      if (chat.mutedUntil !== undefined) set.mutedUntil = chat.mutedUntil || null;
      if (chat.lastMessageAt !== undefined)
        set.lastMessageAt = sql`greatest(coalesce(${chats.lastMessageAt}, 0), ${chat.lastMessageAt})`;
      await tx
        .insert(chats)
        .values(values)
        .onConflictDoUpdate({ target: [chats.accountId, chats.id], set });
    }
  },

  async deleteChats(tx: Database, accountId: string, chatIds: string[]) {
    if (chatIds.length === 0) return;
    await tx.delete(chats).where(and(eq(chats.accountId, accountId), inArray(chats.id, chatIds)));
  },

  async upsertContacts(tx: Database, accountId: string, rows: ContactSummary[]) {
    for (const contact of rows) {
      const set: Record<string, unknown> = { updatedAt: new Date() };
      if (contact.name !== undefined) set.name = contact.name;
      if (contact.notify !== undefined) set.notify = contact.notify;
      if (contact.verifiedName !== undefined) set.verifiedName = contact.verifiedName;
      if (contact.lid !== undefined) set.lid = contact.lid;
      await tx
        .insert(contacts)
        .values({
          accountId,
          id: contact.id,
          name: contact.name ?? null,
          notify: contact.notify ?? null,
          verifiedName: contact.verifiedName ?? null,
          lid: contact.lid ?? null,
          phoneNumber: contact.id.endsWith('@s.whatsapp.net') ? contact.id.split('@')[0]! : null,
        })
        .onConflictDoUpdate({ target: [contacts.accountId, contacts.id], set });
    }
  },

  /** Replaces cached group metadata (fetched at `fetchedAt`, default now). */
  async upsertGroups(tx: Database, accountId: string, rows: GroupInfo[], fetchedAt = new Date()) {
    for (const group of rows) {
      const values = {
        accountId,
        id: group.id,
        subject: group.subject,
        description: group.description ?? null,
        owner: group.owner ?? null,
        createdAtWa: group.createdAt ?? null,
        announce: group.announce ?? false,
        locked: group.locked ?? false,
        participants: group.participants ?? [],
        size: group.size ?? group.participants?.length ?? null,
        active: true,
        fetchedAt,
      };
      const { accountId: _a, id: _i, ...set } = values;
      await tx
        .insert(groups)
        .values(values)
        .onConflictDoUpdate({ target: [groups.accountId, groups.id], set });
    }
  },

  /** Applies a partial change to a cached group (from a notification). */
  async patchGroup(tx: Database, accountId: string, id: string, patch: Partial<typeof groups.$inferInsert>) {
    if (Object.keys(patch).length === 0) return;
    await tx
      .update(groups)
      .set(patch)
      .where(and(eq(groups.accountId, accountId), eq(groups.id, id)));
  },

  async groups(db: Database, accountId: string) {
    return db
      .select()
      .from(groups)
      .where(and(eq(groups.accountId, accountId), eq(groups.active, true)))
      .orderBy(asc(groups.id));
  },

  async group(db: Database, accountId: string, id: string) {
    const [row] = await db
      .select()
      .from(groups)
      .where(and(eq(groups.accountId, accountId), eq(groups.id, id)));
    return row;
  },

  async recordMedia(tx: Database, row: typeof mediaObjects.$inferInsert) {
    await tx.insert(mediaObjects).values(row).onConflictDoNothing();
  },

  async media(db: Database, id: string) {
    const [row] = await db.select().from(mediaObjects).where(eq(mediaObjects.id, id));
    return row;
  },

  /** Which of these accounts have stored credentials (paired, resumable sessions). */
  async withCredentials(db: Database, accountIds: string[]): Promise<Set<string>> {
    if (accountIds.length === 0) return new Set();
    const rows = await db
      .select({ accountId: authCreds.accountId })
      .from(authCreds)
      .where(inArray(authCreds.accountId, accountIds));
    return new Set(rows.map((row) => row.accountId));
  },

  /** Records a command as processed; false when it was processed before (a redelivery). */
  async claimCommand(tx: Database, accountId: string, commandId: string, op: string): Promise<boolean> {
    const rows = await tx
      .insert(processedCommands)
      .values({ accountId, commandId, op, outcome: 'done' })
      .onConflictDoNothing()
      .returning({ commandId: processedCommands.commandId });
    return rows.length > 0;
  },

  /** Forgets a claimed command that failed in a way worth retrying. */
  async releaseCommand(db: Database, accountId: string, commandId: string): Promise<void> {
    await db
      .delete(processedCommands)
      .where(and(eq(processedCommands.accountId, accountId), eq(processedCommands.commandId, commandId)));
  },

  /**
   * Queues an outbound command once, in one statement: with `created`, the message it sends is
   * stored as `pending` and its chat is listed too. Returns the queued row, or undefined when the
   * command was queued before (then nothing is written).
   */
  async enqueueOutbound(
    tx: Database,
    row: NewOutboundRow,
    created?: OutboundMessage,
  ): Promise<OutboundRow | undefined> {
    const input = JSON.stringify({
      account_id: row.accountId,
      command_id: row.commandId,
      partition: row.partition,
      op: row.op,
      message_id: row.messageId,
      chat_id: row.chatId,
      payload: row.payload,
      not_before: row.notBefore ?? null,
      ...(created
        ? {
            creates: true,
            sender: created.sender,
            type: created.content.type,
            content: created.content,
            quoted_id: created.quotedId ?? null,
            mentions: created.mentions ?? [],
            sent_at: created.sentAt,
            chat_type: created.chatType,
          }
        : { creates: false }),
    });
    // One parameter (the row as JSON), one text for every command: prepared once per connection.
    const [queued] = await queryRows<{ seq: number; created_at: Date | string; updated_at: Date | string }>(
      tx,
      sql`with input as (
          select * from jsonb_to_record(${input}::jsonb) as input(
            account_id text, command_id text, partition int, op text, message_id text, chat_id text,
            payload jsonb, not_before timestamptz, creates boolean, sender text, type text, content jsonb,
            quoted_id text, mentions jsonb, sent_at bigint, chat_type text)
        ), queued as (
          insert into outbound_queue (account_id, command_id, partition, op, message_id, chat_id, payload, not_before)
          select account_id, command_id, partition, op, message_id, chat_id, payload, not_before from input
          on conflict do nothing
          returning seq::float8 as seq, created_at, updated_at
        ), message as (
          insert into messages (account_id, chat_id, id, from_me, sender, type, content, quoted_id, mentions, status, sent_at, command_id)
          select input.account_id, input.chat_id, input.message_id, true, input.sender, input.type, input.content,
            input.quoted_id, input.mentions, 'pending', input.sent_at, input.command_id
          from input, queued where input.creates
          on conflict do nothing
        ), chat as (
          insert into chats (account_id, id, type)
          select input.account_id, input.chat_id, input.chat_type from input, queued where input.creates
          on conflict (account_id, id) do update set updated_at = now()
        )
        select seq, created_at, updated_at from queued`,
    );
    if (!queued) return undefined;
    return {
      accountId: row.accountId,
      commandId: row.commandId,
      seq: queued.seq,
      partition: row.partition,
      op: row.op,
      messageId: row.messageId,
      chatId: row.chatId,
      payload: row.payload,
      notBefore: row.notBefore ?? null,
      state: 'queued',
      attempts: 0,
      error: null,
      createdAt: new Date(queued.created_at),
      updatedAt: new Date(queued.updated_at),
    };
  },

  /** Queued commands of some accounts, in order. */
  queuedOutbound(db: Database, partition: number, accountIds?: string[]): Promise<OutboundRow[]> {
    return db
      .select()
      .from(outboundQueue)
      .where(
        and(
          eq(outboundQueue.partition, partition),
          eq(outboundQueue.state, 'queued'),
          accountIds ? inArray(outboundQueue.accountId, accountIds) : undefined,
        ),
      )
      .orderBy(asc(outboundQueue.seq));
  },

  async finishOutbound(
    tx: Database,
    accountId: string,
    commandId: string,
    outcome: { state: 'sent' } | { state: 'failed'; error: { code: number | string; message: string } },
  ) {
    await tx
      .update(outboundQueue)
      .set({
        state: outcome.state,
        error: outcome.state === 'failed' ? outcome.error : null,
        attempts: sql`${outboundQueue.attempts} + 1`,
        updatedAt: new Date(),
      })
      .where(and(eq(outboundQueue.accountId, accountId), eq(outboundQueue.commandId, commandId)));
  },

  /** Adds events to the outbox in one statement; returns their sequence numbers, in order. */
  async addEvents(tx: Database, rows: Array<typeof eventOutbox.$inferInsert>): Promise<number[]> {
    if (rows.length === 0) return [];
    const input = JSON.stringify(
      rows.map((row) => ({
        partition: row.partition,
        account_id: row.accountId,
        msg_id: row.msgId,
        event: row.event,
        media: row.media ?? null,
      })),
    );
    const inserted = await queryRows<{ seq: number }>(
      tx,
      sql`insert into event_outbox (partition, account_id, msg_id, event, media)
        select input.partition, input.account_id, input.msg_id, input.event, input.media
        from jsonb_to_recordset(${input}::jsonb) as input(partition int, account_id text, msg_id text, event jsonb, media jsonb)
        returning seq::float8 as seq`,
    );
    // Sequence numbers are drawn in insertion order, which is the order of the input.
    return inserted.map((row) => row.seq).sort((a, b) => a - b);
  },

  pendingEvents(db: Database, partition: number, limit: number): Promise<EventOutboxRow[]> {
    return db
      .select()
      .from(eventOutbox)
      .where(eq(eventOutbox.partition, partition))
      .orderBy(asc(eventOutbox.seq))
      .limit(limit);
  },

  /** Deletes published events. One parameter whatever the batch size, so the statement is prepared once. */
  async removeEvents(db: Database, seqs: number[]) {
    if (seqs.length === 0) return;
    await db
      .delete(eventOutbox)
      .where(
        sql`${eventOutbox.seq} in (select jsonb_array_elements_text(${JSON.stringify(seqs)}::jsonb)::bigint)`,
      );
  },
};
