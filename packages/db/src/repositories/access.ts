import { newId } from '@wagate/contracts';
import { and, asc, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../client';
import { apiTokens, loginSessions, users } from '../schema';

export type UserRow = typeof users.$inferSelect;
export type ApiTokenRow = typeof apiTokens.$inferSelect;
export type LoginSessionRow = typeof loginSessions.$inferSelect;

/**
 * People who log in (dashboard, Basic auth, JWT). Passwords arrive hashed; hashing is the caller's.
 *
 * @example
 * const user = await new UsersRepository(db).ensure('admin');
 */
export class UsersRepository {
  constructor(private readonly db: Database) {}

  /** The user with this name, created (without a password) when absent. */
  async ensure(username: string, role: UserRow['role'] = 'admin'): Promise<UserRow> {
    await this.db
      .insert(users)
      .values({ id: `usr_${newId()}`, username, role })
      .onConflictDoNothing({ target: users.username });
    const row = await this.byUsername(username);
    if (!row) throw new Error(`user ${username} vanished while being created`);
    return row;
  }

  async byUsername(username: string): Promise<UserRow | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.username, username));
    return row;
  }

  async get(id: string): Promise<UserRow | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.id, id));
    return row;
  }

  /**
   * Sets the password hash, only when the stored one is still `expectedHash` (so two concurrent
   * changes cannot both win); false otherwise.
   */
  async setPasswordHash(id: string, passwordHash: string, expectedHash: string | null): Promise<boolean> {
    const now = new Date();
    const rows = await this.db
      .update(users)
      .set({ passwordHash, passwordChangedAt: now, updatedAt: now })
      .where(
        and(
          eq(users.id, id),
          expectedHash === null ? isNull(users.passwordHash) : eq(users.passwordHash, expectedHash),
        ),
      )
      .returning({ id: users.id });
    return rows.length > 0;
  }
}

export interface CreateApiTokenInput {
  userId?: string | null;
  name: string;
  /** SHA-256 of the token (hex); the token itself is never stored. */
  tokenHash: string;
  prefix: string;
  sessionIds?: string[] | null;
  rateLimitPerMinute?: number | null;
}

/**
 * API tokens, stored as hashes and optionally scoped to sessions.
 *
 * @example
 * const row = await tokens.byHash(sha256Hex(presented));
 */
export class ApiTokensRepository {
  constructor(private readonly db: Database) {}

  async create(input: CreateApiTokenInput): Promise<ApiTokenRow> {
    const [row] = await this.db
      .insert(apiTokens)
      .values({
        id: `tok_${newId()}`,
        userId: input.userId ?? null,
        name: input.name,
        tokenHash: input.tokenHash,
        prefix: input.prefix,
        sessionIds: input.sessionIds ?? null,
        rateLimitPerMinute: input.rateLimitPerMinute ?? null,
      })
      .returning();
    return row!;
  }

  /** The live (not revoked, not expired) token with this hash. */
  async byHash(tokenHash: string): Promise<ApiTokenRow | undefined> {
    const [row] = await this.db
      .select()
      .from(apiTokens)
      .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)));
    if (row?.expiresAt && row.expiresAt.getTime() <= Date.now()) return undefined;
    return row;
  }

  async get(id: string): Promise<ApiTokenRow | undefined> {
    const [row] = await this.db.select().from(apiTokens).where(eq(apiTokens.id, id));
    return row;
  }

  /** Live tokens, oldest first. */
  list(): Promise<ApiTokenRow[]> {
    return this.db.select().from(apiTokens).where(isNull(apiTokens.revokedAt)).orderBy(asc(apiTokens.id));
  }

  /** Revokes a token; false when it was unknown or revoked already. */
  async revoke(id: string): Promise<boolean> {
    const rows = await this.db
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id });
    return rows.length > 0;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.db.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, id));
  }
}

/**
 * JWT logins: a JWT names its login session, so logout and a password change revoke it.
 *
 * @example
 * const login = await logins.create(user.id, new Date(Date.now() + 86_400_000));
 */
export class LoginSessionsRepository {
  constructor(private readonly db: Database) {}

  async create(userId: string, expiresAt: Date): Promise<LoginSessionRow> {
    const [row] = await this.db
      .insert(loginSessions)
      .values({ id: `lgn_${newId()}`, userId, expiresAt })
      .returning();
    return row!;
  }

  /** The login session when it is neither revoked nor expired. */
  async live(id: string): Promise<LoginSessionRow | undefined> {
    const [row] = await this.db
      .select()
      .from(loginSessions)
      .where(
        and(
          eq(loginSessions.id, id),
          isNull(loginSessions.revokedAt),
          gt(loginSessions.expiresAt, new Date()),
        ),
      );
    return row;
  }

  async revoke(id: string): Promise<void> {
    await this.db
      .update(loginSessions)
      .set({ revokedAt: new Date() })
      .where(and(eq(loginSessions.id, id), isNull(loginSessions.revokedAt)));
  }

  /** Revokes every login of a user (after a password change). */
  async revokeAllOf(userId: string): Promise<void> {
    await this.db
      .update(loginSessions)
      .set({ revokedAt: new Date() })
      .where(and(eq(loginSessions.userId, userId), isNull(loginSessions.revokedAt)));
  }
}
