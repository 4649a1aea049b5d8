import type { GroupInfo } from '@wagate/contracts';
import { bigint, boolean, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** Chats of every account, as WhatsApp last reported them. */
export const chats = pgTable(
  'chats',
  {
    accountId: text('account_id').notNull(),
    id: text('id').notNull(),
    type: text('type', { enum: ['contact', 'group', 'channel', 'broadcast'] }).notNull(),
    name: text('name'),
    unreadCount: integer('unread_count').notNull().default(0),
    archived: boolean('archived').notNull().default(false),
    pinned: boolean('pinned').notNull().default(false),
    /** Unix seconds until which the chat is muted; null when not muted. */
    mutedUntil: bigint('muted_until', { mode: 'number' }),
    lastMessageAt: bigint('last_message_at', { mode: 'number' }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.accountId, table.id] })],
);

/** Contacts of every account. */
export const contacts = pgTable(
  'contacts',
  {
    accountId: text('account_id').notNull(),
    id: text('id').notNull(),
    name: text('name'),
    notify: text('notify'),
    verifiedName: text('verified_name'),
    lid: text('lid'),
    phoneNumber: text('phone_number'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.accountId, table.id] })],
);

/** Group metadata, cached (seed 002: 4 minutes) so listings answer without WhatsApp. */
export const groups = pgTable(
  'groups',
  {
    accountId: text('account_id').notNull(),
    id: text('id').notNull(),
    subject: text('subject').notNull(),
    description: text('description'),
    owner: text('owner'),
    createdAtWa: bigint('created_at_wa', { mode: 'number' }),
    announce: boolean('announce').notNull().default(false),
    locked: boolean('locked').notNull().default(false),
    participants: jsonb('participants').$type<NonNullable<GroupInfo['participants']>>().notNull().default([]),
    size: integer('size'),
    inviteCode: text('invite_code'),
    /** Whether the account still belongs to the group. */
    active: boolean('active').notNull().default(true),
    fetchedAt: timestamp('fetched_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.accountId, table.id] })],
);
