import type { MessageContent, MessageStatus } from '@wagate/contracts';
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** Message history of every account, with delivery status from receipts. */
export const messages = pgTable(
  'messages',
  {
    accountId: text('account_id').notNull(),
    chatId: text('chat_id').notNull(),
    id: text('id').notNull(),
    fromMe: boolean('from_me').notNull(),
    sender: text('sender').notNull(),
    pushName: text('push_name'),
    type: text('type').notNull(),
    content: jsonb('content').$type<MessageContent>().notNull(),
    quotedId: text('quoted_id'),
    mentions: jsonb('mentions').$type<string[]>().notNull().default([]),
    status: text('status').$type<MessageStatus>().notNull(),
    error: jsonb('error').$type<{ code: number | string; message: string }>(),
    /** WhatsApp's timestamp, Unix seconds. */
    sentAt: bigint('sent_at', { mode: 'number' }).notNull(),
    /** The command that sent it (outbound). */
    commandId: text('command_id'),
    /** The protocol message as WhatsApp sent it (`BufferJSON`), needed to quote or forward it. */
    raw: jsonb('raw'),
    editedAt: timestamp('edited_at', { withTimezone: true }),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.accountId, table.chatId, table.id] }),
    index('messages_account_time_idx').on(table.accountId, table.sentAt),
    index('messages_chat_time_idx').on(table.accountId, table.chatId, table.sentAt),
    index('messages_id_idx').on(table.accountId, table.id),
    uniqueIndex('messages_command_idx')
      .on(table.accountId, table.commandId)
      .where(sql`${table.commandId} is not null`),
  ],
);
export type MessageRow = typeof messages.$inferSelect;
export type NewMessageRow = typeof messages.$inferInsert;

/** Commands already executed, so a redelivered command never runs twice. */
export const processedCommands = pgTable(
  'processed_commands',
  {
    accountId: text('account_id').notNull(),
    commandId: text('command_id').notNull(),
    op: text('op').notNull(),
    outcome: text('outcome', { enum: ['done', 'failed'] }).notNull(),
    result: jsonb('result'),
    processedAt: timestamp('processed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.accountId, table.commandId] })],
);

/** Media the product holds: received media and uploads for sending. The bytes live in the media store. */
export const mediaObjects = pgTable(
  'media_objects',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    mimeType: text('mime_type').notNull(),
    fileName: text('file_name'),
    size: bigint('size', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    /** Key in the media store (local directory or S3 bucket). */
    storageKey: text('storage_key').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('media_account_idx').on(table.accountId, table.createdAt)],
);
