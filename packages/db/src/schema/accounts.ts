import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Per-account settings (pacing against bans, behaviour); every field optional. */
export interface AccountSettings {
  /** Outbound messages per minute; default in the session worker. */
  messagesPerMinute?: number;
  /** Random extra delay between sends, in ms. */
  jitterMs?: number;
  /** Show "typing…" before text messages by default. */
  simulateTyping?: boolean;
  /** Least time between two messages to the same recipient, in ms. */
  perRecipientSpacingMs?: number;
  /** Reject calls automatically. */
  rejectCalls?: boolean;
  /** Only status updates, no message events (seed 003 `only_status_updates`). */
  onlyStatusUpdates?: boolean;
  /** Mark received messages read automatically. */
  autoRead?: boolean;
}

/**
 * One WhatsApp account: a web account (linked device, driven by Baileys) or a cloud account
 * (Business Cloud API). `status` is the admin view (pending/active/disconnected/suspended);
 * `sessionStatus` is the live state of a web session.
 */
export const accounts = pgTable(
  'accounts',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['web', 'cloud'] }).notNull(),
    name: text('name'),
    /** `fnv1a32(id) % P`, stored so a worker loads its partitions' accounts with an index. */
    partition: integer('partition').notNull(),
    status: text('status', { enum: ['pending', 'active', 'disconnected', 'suspended'] })
      .notNull()
      .default('pending'),
    sessionStatus: text('session_status').notNull().default('disconnected'),
    /** Why the session last left `logged_in` (a DisconnectReason of the contracts). */
    statusReason: text('status_reason'),
    disabled: boolean('disabled').notNull().default(false),
    phoneNumber: text('phone_number'),
    pushName: text('push_name'),
    lid: text('lid'),
    deviceId: integer('device_id'),
    settings: jsonb('settings').$type<AccountSettings>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    lastConnectedAt: timestamp('last_connected_at', { withTimezone: true }),
  },
  (table) => [index('accounts_partition_idx').on(table.partition).where(sql`${table.kind} = 'web'`)],
);
export type AccountRow = typeof accounts.$inferSelect;
export type NewAccountRow = typeof accounts.$inferInsert;

/** Credentials and facts of a cloud account; secrets are encrypted (`SecretBox`). */
export const cloudAccounts = pgTable('cloud_accounts', {
  accountId: text('account_id')
    .primaryKey()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  phoneNumberId: text('phone_number_id').notNull().unique(),
  businessAccountId: text('business_account_id'),
  apiVersion: text('api_version').notNull().default('v21.0'),
  accessTokenCiphertext: text('access_token_ciphertext').notNull(),
  verifyTokenCiphertext: text('verify_token_ciphertext'),
  appSecretCiphertext: text('app_secret_ciphertext'),
  displayPhoneNumber: text('display_phone_number'),
  verifiedName: text('verified_name'),
  qualityRating: text('quality_rating'),
  messagingLimit: text('messaging_limit'),
  /** Messages per second Meta allows this number (80 by default, 1,000 when upgraded). */
  throughputPerSecond: integer('throughput_per_second').notNull().default(80),
  lastCheckedAt: timestamp('last_checked_at', { withTimezone: true }),
  /** Until when all sends of the number wait (130429 global backoff), ms since the epoch. */
  backoffUntilMs: bigint('backoff_until_ms', { mode: 'number' }),
});
export type CloudAccountRow = typeof cloudAccounts.$inferSelect;
