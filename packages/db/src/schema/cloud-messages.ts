import { pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * Meta's id (`wamid.…`) of every message a cloud account sent, next to the id the product gave it
 * (the gateway's `messageId`, which history and events use). Status webhooks name the wamid; replies,
 * reactions and mark-read name the product's id: this table translates both ways.
 */
export const cloudMessageIds = pgTable(
  'cloud_message_ids',
  {
    accountId: text('account_id').notNull(),
    wamid: text('wamid').notNull(),
    chatId: text('chat_id').notNull(),
    messageId: text('message_id').notNull(),
    commandId: text('command_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.accountId, table.wamid] }),
    uniqueIndex('cloud_message_ids_message_idx').on(table.accountId, table.messageId),
  ],
);
export type CloudMessageIdRow = typeof cloudMessageIds.$inferSelect;
