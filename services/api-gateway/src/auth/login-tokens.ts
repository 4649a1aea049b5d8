import { createHmac } from 'node:crypto';
import { type Database, LoginSessionsRepository } from '@wagate/db';
import { sign, verify } from 'hono/jwt';

/** The cookie that carries the login JWT for the dashboard. */
export const LOGIN_COOKIE = 'wagate_token';

export interface LoginTokensOptions {
  /** HMAC key of the JWTs; every replica must have the same. */
  secret: string;
  ttlSeconds: number;
}

/**
 * JWT logins (HS256): each JWT names a login session row, so logout and password changes revoke
 * it on every replica at once.
 *
 * @example
 * const { token, expiresIn } = await loginTokens.issue(user.id);
 * const login = await loginTokens.verify(token); // undefined when invalid, expired or revoked
 */
export class LoginTokens {
  private readonly logins: LoginSessionsRepository;

  constructor(
    db: Database,
    private readonly options: LoginTokensOptions,
  ) {
    this.logins = new LoginSessionsRepository(db);
  }

  /** The JWT secret of a deployment that sets none: derived from the admin key all replicas share. */
  static secretFromAdminKey(adminKey: string): string {
    return createHmac('sha256', adminKey).update('wagate login JWT v1').digest('base64url');
  }

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  async issue(userId: string): Promise<{ token: string; expiresIn: number; loginSessionId: string }> {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const exp = nowSeconds + this.options.ttlSeconds;
    const login = await this.logins.create(userId, new Date(exp * 1000));
    const token = await sign(
      { sub: userId, sid: login.id, iat: nowSeconds, exp },
      this.options.secret,
      'HS256',
    );
    return { token, expiresIn: this.options.ttlSeconds, loginSessionId: login.id };
  }

  /** The user and login of a valid, live JWT; undefined otherwise. */
  async verify(token: string): Promise<{ userId: string; loginSessionId: string } | undefined> {
    let payload: Record<string, unknown>;
    try {
      payload = await verify(token, this.options.secret, 'HS256');
    } catch {
      return undefined;
    }
    const { sub, sid } = payload;
    if (typeof sub !== 'string' || typeof sid !== 'string') return undefined;
    const login = await this.logins.live(sid);
    return login && login.userId === sub ? { userId: sub, loginSessionId: sid } : undefined;
  }

  revoke(loginSessionId: string): Promise<void> {
    return this.logins.revoke(loginSessionId);
  }

  revokeAllOf(userId: string): Promise<void> {
    return this.logins.revokeAllOf(userId);
  }
}

/** Whether a bearer credential has the shape of a JWT. */
export function looksLikeJwt(value: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(value);
}
