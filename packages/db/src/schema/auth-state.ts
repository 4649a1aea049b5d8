import { bigint, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Lease epochs of partitions: the fencing token of auth-state writes. A worker that acquired
 * partition p with lease revision E raises `epoch` to E; writes carrying a smaller epoch are
 * refused, so a worker that lost its lease can never overwrite the new owner's state.
 */
export const partitionFences = pgTable('partition_fences', {
  partition: integer('partition').primaryKey(),
  epoch: bigint('epoch', { mode: 'number' }).notNull(),
  owner: text('owner').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Baileys `AuthenticationCreds` of a web account, serialized with `BufferJSON`. Not tied to the
 * accounts row: removing an account keeps its session unless asked (seed 000).
 */
export const authCreds = pgTable('auth_creds', {
  accountId: text('account_id').primaryKey(),
  creds: jsonb('creds').notNull(),
  epoch: bigint('epoch', { mode: 'number' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Baileys `SignalDataTypeMap` entries (`pre-key`, `session`, `sender-key`, …) of a web account. */
export const authKeys = pgTable(
  'auth_keys',
  {
    accountId: text('account_id').notNull(),
    category: text('category').notNull(),
    keyId: text('key_id').notNull(),
    value: jsonb('value').notNull(),
    epoch: bigint('epoch', { mode: 'number' }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.accountId, table.category, table.keyId] })],
);
