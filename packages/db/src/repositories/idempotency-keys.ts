import { and, eq, lt } from 'drizzle-orm';
import type { Database } from '../client';
import { idempotencyKeys } from '../schema';

export type IdempotencyKeyRow = typeof idempotencyKeys.$inferSelect;

export interface IdempotencyClaim {
  principal: string;
  key: string;
  method: string;
  path: string;
  requestHash: string;
  expiresAt: Date;
}

/**
 * First answers of POSTs sent with an `Idempotency-Key`: the first request claims the key, and
 * its answer is stored for retries to replay.
 *
 * @example
 * const existing = await keys.claim({ principal, key, method, path, requestHash, expiresAt });
 * if (!existing) { ...run the request...; await keys.complete(principal, key, 202, body); }
 */
export class IdempotencyKeysRepository {
  constructor(private readonly db: Database) {}

  /**
   * Claims the key for a new request. Undefined when the claim is new; otherwise the row of the
   * earlier request (an expired row is replaced, so an expired key starts over).
   */
  async claim(claim: IdempotencyClaim): Promise<IdempotencyKeyRow | undefined> {
    await this.db
      .delete(idempotencyKeys)
      .where(
        and(
          eq(idempotencyKeys.principal, claim.principal),
          eq(idempotencyKeys.key, claim.key),
          lt(idempotencyKeys.expiresAt, new Date()),
        ),
      );
    const inserted = await this.db
      .insert(idempotencyKeys)
      .values(claim)
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    if (inserted.length > 0) return undefined;
    const [row] = await this.db
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.principal, claim.principal), eq(idempotencyKeys.key, claim.key)));
    return row;
  }

  /** Stores the answer of the request that claimed the key. */
  async complete(principal: string, key: string, statusCode: number, responseBody: unknown): Promise<void> {
    await this.db
      .update(idempotencyKeys)
      .set({ statusCode, responseBody })
      .where(and(eq(idempotencyKeys.principal, principal), eq(idempotencyKeys.key, key)));
  }

  /** Gives the key up (the request failed in a way a retry may fix). */
  async release(principal: string, key: string): Promise<void> {
    await this.db
      .delete(idempotencyKeys)
      .where(and(eq(idempotencyKeys.principal, principal), eq(idempotencyKeys.key, key)));
  }
}
