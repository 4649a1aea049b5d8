import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** Filters of a subscription (seed 003), stored as given. */
export interface WebhookFilters {
  chatIds?: string[];
  chatTypes?: Array<'contact' | 'group' | 'channel' | 'broadcast'>;
  mentions?: string[];
  messageTypes?: string[];
  settingsTypes?: Array<'chats' | 'messages' | 'groups' | 'system'>;
}

/**
 * A webhook subscription: global (`accountId` null) or for one account; the URL is unique per
 * account. The secret is encrypted (`SecretBox`).
 */
export const webhooks = pgTable(
  'webhooks',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id'),
    url: text('url').notNull(),
    /** Event types; empty means all. */
    events: jsonb('events').$type<string[]>().notNull().default([]),
    filters: jsonb('filters').$type<WebhookFilters>().notNull().default({}),
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
    secretCiphertext: text('secret_ciphertext'),
    enabled: boolean('enabled').notNull().default(true),
    /** Deliveries per second at most; null for no limit. */
    rateLimitPerSecond: integer('rate_limit_per_second'),
    /** Deliver events of one chat in order (one at a time per chat). */
    ordered: boolean('ordered').notNull().default(false),
    disabledReason: text('disabled_reason'),
    failingSince: timestamp('failing_since', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('webhooks_account_url_idx').on(sql`coalesce(${table.accountId}, '')`, table.url),
    index('webhooks_account_idx').on(table.accountId),
  ],
);
export type WebhookRow = typeof webhooks.$inferSelect;

/** Every delivery attempt: the delivery log. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    webhookId: text('webhook_id').notNull(),
    /** The `webhook-id` header: stable across retries of one (event, subscription). */
    deliveryId: text('delivery_id').notNull(),
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    accountId: text('account_id').notNull(),
    attempt: integer('attempt').notNull(),
    outcome: text('outcome', { enum: ['delivered', 'retrying', 'failed', 'filtered'] }).notNull(),
    statusCode: integer('status_code'),
    durationMs: integer('duration_ms'),
    responseSnippet: text('response_snippet'),
    error: text('error'),
    /**
     * Stream sequence of the job message in `WA_WEBHOOKS` that this attempt delivered: attempts of
     * one message are counted by it (a replay is a new message whose schedule starts again).
     */
    jobSequence: bigint('job_sequence', { mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('webhook_deliveries_webhook_idx').on(table.webhookId, table.createdAt),
    index('webhook_deliveries_delivery_idx').on(table.deliveryId),
  ],
);
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;

/** Deliveries that exhausted their schedule or were terminated, kept for inspection and redelivery. */
export const webhookDeadLetters = pgTable(
  'webhook_dead_letters',
  {
    id: text('id').primaryKey(),
    webhookId: text('webhook_id').notNull(),
    deliveryId: text('delivery_id').notNull().unique(),
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    accountId: text('account_id').notNull(),
    /** The delivery job as it was in `WA_WEBHOOKS`. */
    job: jsonb('job').notNull(),
    reason: text('reason').notNull(),
    attempts: integer('attempts').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    redeliveredAt: timestamp('redelivered_at', { withTimezone: true }),
  },
  (table) => [index('webhook_dead_letters_webhook_idx').on(table.webhookId, table.createdAt)],
);
export type WebhookDeadLetterRow = typeof webhookDeadLetters.$inferSelect;

/**
 * Undelivered jobs of subscriptions that deliver each chat's events in order: a job goes out only
 * while it is the oldest row of its (subscription, chat), and only under a lease, so dispatcher
 * replicas sharing one consumer never deliver two events of a chat at once or out of order.
 */
export const webhookOrderedJobs = pgTable(
  'webhook_ordered_jobs',
  {
    webhookId: text('webhook_id').notNull(),
    orderingKey: text('ordering_key').notNull(),
    /** The event's sequence in `WA_EVENTS`: the order to keep. */
    eventSequence: bigint('event_sequence', { mode: 'number' }).notNull(),
    deliveryId: text('delivery_id').notNull(),
    /** Who is delivering it now, and until when that claim holds. */
    leasedBy: text('leased_by'),
    leasedUntil: timestamp('leased_until', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.webhookId, table.orderingKey, table.eventSequence] })],
);

/** Live dispatcher processes, so each takes its share of a subscription's rate limit. */
export const webhookDispatchers = pgTable('webhook_dispatchers', {
  instanceId: text('instance_id').primaryKey(),
  seenAt: timestamp('seen_at', { withTimezone: true }).notNull().defaultNow(),
});
