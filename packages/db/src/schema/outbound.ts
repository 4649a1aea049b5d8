import { sql } from 'drizzle-orm';
import {
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** Where an outbound command stands in the session worker's queue. */
export type OutboundState = 'queued' | 'sent' | 'failed';

/**
 * The session worker's durable outbound queue: every accepted `message.send/edit/delete/forward`
 * command, paced and scheduled per account. It survives restarts and failover (the next owner of
 * the partition loads what is still `queued`), and a command id is queued once, so a redelivered
 * command never sends twice.
 */
export const outboundQueue = pgTable(
  'outbound_queue',
  {
    accountId: text('account_id').notNull(),
    commandId: text('command_id').notNull(),
    /** Order of acceptance: an account's messages leave in this order. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    partition: integer('partition').notNull(),
    op: text('op').notNull(),
    /** WhatsApp message id the send will carry (the gateway's `messageId`, or the forward's new id). */
    messageId: text('message_id').notNull(),
    chatId: text('chat_id').notNull(),
    /** The command payload as accepted (validated by the contracts). */
    payload: jsonb('payload').notNull(),
    /** Not before this time (scheduled sending). */
    notBefore: timestamp('not_before', { withTimezone: true }),
    state: text('state').$type<OutboundState>().notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    error: jsonb('error').$type<{ code: number | string; message: string }>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.accountId, table.commandId] }),
    uniqueIndex('outbound_queue_seq_idx').on(table.seq),
    index('outbound_queue_queued_idx')
      .on(table.partition, table.accountId, table.seq)
      .where(sql`${table.state} = 'queued'`),
  ],
);
export type OutboundRow = typeof outboundQueue.$inferSelect;

/**
 * Events written in the same transaction as the state they describe (transactional outbox), then
 * published to `WA_EVENTS` with their `Nats-Msg-Id` and deleted. What a crash leaves here is
 * published by the partition's next owner, so no event is lost and none is published twice
 * (JetStream drops a repeated `Nats-Msg-Id`).
 */
export const eventOutbox = pgTable(
  'event_outbox',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    partition: integer('partition').notNull(),
    accountId: text('account_id').notNull(),
    /** Deterministic per real occurrence (account, WhatsApp id, type): the `Nats-Msg-Id`. */
    msgId: text('msg_id').notNull(),
    /** The CloudEvents envelope. */
    event: jsonb('event').notNull(),
    /** Received media still to download into the media store before publishing. */
    media: jsonb('media').$type<{ chatId: string; messageId: string; mediaId: string }>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('event_outbox_partition_idx').on(table.partition, table.seq)],
);
export type EventOutboxRow = typeof eventOutbox.$inferSelect;
