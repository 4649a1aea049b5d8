import { type AccountRow, AccountsRepository, type Database } from '@wagate/db';
import { canUseSession, type Principal } from '../auth/principal';
import { ApiError } from '../http/errors';

/** How long a looked-up account is reused: sends at thousands per second need no query each. */
const CACHE_MS = 2_000;
const CACHE_LIMIT = 10_000;

/**
 * Finds the account a route names, as the caller may see it: an account the principal may not use
 * is answered exactly like one that does not exist (404), so a scoped token learns nothing of
 * other sessions. Rows are cached for 2 s; a deleted account may take that long to disappear.
 *
 * @example
 * const account = await lookup.require(c.get('principal'), id, 'web');
 */
export class AccountLookup {
  private readonly accounts: AccountsRepository;
  private readonly cache = new Map<string, { row: AccountRow | undefined; until: number }>();

  constructor(db: Database, partitions: number) {
    this.accounts = new AccountsRepository(db, partitions);
  }

  /** The account, or 404 (`session "x" does not exist` / `account "x" does not exist`). */
  async require(principal: Principal, id: string, kind?: AccountRow['kind']): Promise<AccountRow> {
    const row = canUseSession(principal, id) ? await this.get(id) : undefined;
    if (!row || (kind && row.kind !== kind)) {
      throw new ApiError('not_found', `${kind === 'cloud' ? 'account' : 'session'} "${id}" does not exist`);
    }
    return row;
  }

  /** Like `require`, with the row read fresh from the database (one query, cached again). */
  async requireFresh(principal: Principal, id: string, kind?: AccountRow['kind']): Promise<AccountRow> {
    if (canUseSession(principal, id)) this.cache.delete(id);
    return this.require(principal, id, kind);
  }

  /** The row, fresh from the database (and cached again). */
  async fresh(id: string): Promise<AccountRow | undefined> {
    this.cache.delete(id);
    return this.get(id);
  }

  /** Forgets an account (after a change made by this replica). */
  forget(id: string): void {
    this.cache.delete(id);
  }

  private async get(id: string): Promise<AccountRow | undefined> {
    const now = Date.now();
    const cached = this.cache.get(id);
    if (cached && cached.until > now) return cached.row;
    const row = await this.accounts.get(id);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(id, { row, until: now + CACHE_MS });
    return row;
  }
}
