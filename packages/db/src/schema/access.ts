import { integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** People who log in to the API and dashboard; the password hash is scrypt. */
export const users = pgTable('users', {
  id: text('id').primaryKey(),
  username: text('username').notNull().unique(),
  /** Null until a password is set (seed 002: "if no password was set"). */
  passwordHash: text('password_hash'),
  role: text('role', { enum: ['admin', 'user'] })
    .notNull()
    .default('admin'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  passwordChangedAt: timestamp('password_changed_at', { withTimezone: true }),
});

/**
 * API tokens: shown once, stored as a SHA-256 hash, optionally scoped to some sessions (a scoped
 * token can never read or act on another session).
 */
export const apiTokens = pgTable('api_tokens', {
  id: text('id').primaryKey(),
  userId: text('user_id'),
  name: text('name').notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  /** First characters of the token, to recognise it in listings. */
  prefix: text('prefix').notNull(),
  /** Session ids the token may use; null means every session. */
  sessionIds: jsonb('session_ids').$type<string[] | null>(),
  /** Requests per minute; null for the default. */
  rateLimitPerMinute: integer('rate_limit_per_minute'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  expiresAt: timestamp('expires_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});

/** JWT logins, so logout and password changes revoke them. */
export const loginSessions = pgTable('login_sessions', {
  id: text('id').primaryKey(),
  userId: text('user_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});

/** First answers of POSTs made with an `Idempotency-Key`, replayed to retries. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    /** Who asked (token or user id), so keys of different clients never collide. */
    principal: text('principal').notNull(),
    key: text('key').notNull(),
    method: text('method').notNull(),
    path: text('path').notNull(),
    /** SHA-256 of the request body: the same key with another body is a conflict (422). */
    requestHash: text('request_hash').notNull(),
    /** Null while the first request is still being processed (a concurrent retry gets 409). */
    statusCode: integer('status_code'),
    responseBody: jsonb('response_body'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.principal, table.key] })],
);
