import { and, eq, lt, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { rateLimitCounters } from '../schema';

/**
 * Fixed-window counters in PostgreSQL, so every gateway replica sees the same counts.
 *
 * @example
 * const total = await counters.add('login-user:admin', windowStart, 1, windowStart + 900_000);
 */
export class RateLimitCountersRepository {
  constructor(private readonly db: Database) {}

  /** Adds `amount` to a window's counter and returns the new total of every replica. */
  async add(key: string, windowStart: number, amount: number, expiresAtMs: number): Promise<number> {
    const [row] = await this.db
      .insert(rateLimitCounters)
      .values({ key, windowStart, count: amount, expiresAtMs })
      .onConflictDoUpdate({
        target: [rateLimitCounters.key, rateLimitCounters.windowStart],
        set: { count: sql`${rateLimitCounters.count} + ${amount}` },
      })
      .returning({ count: rateLimitCounters.count });
    return row?.count ?? amount;
  }

  /** The current total of a window (0 when nothing was counted). */
  async get(key: string, windowStart: number): Promise<number> {
    const [row] = await this.db
      .select({ count: rateLimitCounters.count })
      .from(rateLimitCounters)
      .where(and(eq(rateLimitCounters.key, key), eq(rateLimitCounters.windowStart, windowStart)));
    return row?.count ?? 0;
  }

  /** Forgets a key's window (a successful login clears its failures). */
  async reset(key: string, windowStart: number): Promise<void> {
    await this.db
      .delete(rateLimitCounters)
      .where(and(eq(rateLimitCounters.key, key), eq(rateLimitCounters.windowStart, windowStart)));
  }

  /** Deletes windows that ended; returns how many. */
  async prune(nowMs: number): Promise<number> {
    const rows = await this.db
      .delete(rateLimitCounters)
      .where(lt(rateLimitCounters.expiresAtMs, nowMs))
      .returning({ key: rateLimitCounters.key });
    return rows.length;
  }
}
