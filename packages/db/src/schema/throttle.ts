import { bigint, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

/**
 * Fixed-window counters shared by every gateway replica: requests per API token per minute and
 * failed logins per username and per client address. `key` names what is counted
 * (`token:<id>`, `login-user:<name>`, `login-ip:<address>`), `window_start` is the window's start
 * in ms since the epoch.
 */
export const rateLimitCounters = pgTable(
  'rate_limit_counters',
  {
    key: text('key').notNull(),
    windowStart: bigint('window_start', { mode: 'number' }).notNull(),
    count: integer('count').notNull().default(0),
    /** When the row may be deleted (ms since the epoch). */
    expiresAtMs: bigint('expires_at_ms', { mode: 'number' }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.key, table.windowStart] })],
);
