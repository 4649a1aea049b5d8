import { createHash } from 'node:crypto';
import { type ApiTokenRow, ApiTokensRepository, type Database, UsersRepository } from '@wagate/db';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { ApiError } from '../http/errors';
import type { GatewayEnv } from '../http/request-context';
import { hashApiToken, looksLikeApiToken } from './api-tokens';
import type { LoginThrottle } from './login-throttle';
import { LOGIN_COOKIE, type LoginTokens, looksLikeJwt } from './login-tokens';
import { verifyPassword } from './passwords';
import type { Principal } from './principal';
import { secretsEqual } from './secrets';
import type { TokenRateLimiter } from './token-rate-limit';

/** How long a verified API token is trusted without asking PostgreSQL: a revocation takes this long. */
const TOKEN_CACHE_MS = 5_000;
/** How long a verified Basic password is remembered (scrypt costs tens of ms per check). */
const BASIC_CACHE_MS = 60_000;
const CACHE_LIMIT = 10_000;

export interface AuthenticatorOptions {
  db: Database;
  adminKey: string;
  loginTokens: LoginTokens;
  loginThrottle: LoginThrottle;
  rateLimiter: TokenRateLimiter;
  /** Requests per minute of a token that sets none. */
  defaultTokenRateLimit: number;
}

const unauthorized = (message: string) =>
  new ApiError('unauthorized', message, undefined, {
    'WWW-Authenticate': 'Bearer realm="wagate", Basic realm="wagate"',
  });

/**
 * Turns a request's credentials into a `Principal`: the admin key (`X-API-Key` or Bearer), an API
 * token (`X-API-Key` or Bearer; rate-limited per token), a login JWT (Bearer or the
 * `wagate_token` cookie) or HTTP Basic (a user's name and password, brute-force protected).
 * Secrets are compared in constant time.
 *
 * @example
 * const principal = await authenticator.principalOf(c); // undefined without credentials
 */
export class Authenticator {
  private readonly tokens: ApiTokensRepository;
  private readonly users: UsersRepository;
  private readonly tokenCache = new Map<string, { row: ApiTokenRow; until: number }>();
  private readonly basicCache = new Map<string, number>();
  private readonly touched = new Map<string, number>();

  constructor(private readonly options: AuthenticatorOptions) {
    this.tokens = new ApiTokensRepository(options.db);
    this.users = new UsersRepository(options.db);
  }

  /** Middleware that requires credentials on every request it guards (401 otherwise). */
  middleware() {
    return createMiddleware<GatewayEnv>(async (c, next) => {
      const principal = await this.principalOf(c);
      if (!principal) {
        throw unauthorized('send credentials: X-API-Key, Authorization: Bearer <token>, or Basic');
      }
      c.set('principal', principal);
      await next();
    });
  }

  /** The caller, or undefined when the request carries no credentials; 401 for wrong ones. */
  async principalOf(c: Context<GatewayEnv>): Promise<Principal | undefined> {
    const apiKey = c.req.header('x-api-key')?.trim();
    if (apiKey) return this.fromKey(c, apiKey);
    const authorization = c.req.header('authorization')?.trim();
    if (authorization) {
      const [scheme = '', ...rest] = authorization.split(/\s+/);
      const credential = rest.join(' ');
      if (/^bearer$/i.test(scheme) && credential) {
        if (looksLikeJwt(credential)) return this.fromJwt(credential);
        return this.fromKey(c, credential);
      }
      if (/^basic$/i.test(scheme) && credential) return this.fromBasic(credential);
      throw unauthorized('the Authorization header must be "Bearer <token>" or "Basic <base64>"');
    }
    const cookie = getCookie(c, LOGIN_COOKIE);
    if (cookie) return this.fromJwt(cookie);
    return undefined;
  }

  /** Forgets a revoked token on this replica at once (other replicas within 5 s). */
  forgetToken(tokenHash: string): void {
    this.tokenCache.delete(tokenHash);
  }

  /** Whether a credential string is valid, without side effects on the request (seed 002 verify). */
  async isValidCredential(credential: string): Promise<boolean> {
    if (secretsEqual(credential, this.options.adminKey)) return true;
    if (looksLikeJwt(credential)) return (await this.options.loginTokens.verify(credential)) !== undefined;
    if (looksLikeApiToken(credential)) return (await this.lookupToken(credential)) !== undefined;
    return false;
  }

  private async fromKey(c: Context<GatewayEnv>, key: string): Promise<Principal> {
    if (secretsEqual(key, this.options.adminKey)) return { kind: 'admin', id: 'admin' };
    const row = looksLikeApiToken(key) ? await this.lookupToken(key) : undefined;
    if (!row) throw unauthorized('the API key or token is not valid');
    const limit = row.rateLimitPerMinute ?? this.options.defaultTokenRateLimit;
    const { remaining } = await this.options.rateLimiter.take(row.id, limit);
    c.header('X-RateLimit-Limit', String(limit));
    c.header('X-RateLimit-Remaining', String(remaining));
    this.recordUse(row.id);
    return { kind: 'token', id: row.id, sessionIds: row.sessionIds ?? null };
  }

  private async fromJwt(token: string): Promise<Principal> {
    const login = await this.options.loginTokens.verify(token);
    if (!login) throw unauthorized('the login token is invalid, expired or logged out');
    return { kind: 'user', id: login.userId, loginSessionId: login.loginSessionId };
  }

  private async fromBasic(encoded: string): Promise<Principal> {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw unauthorized('Basic credentials must be base64 of "username:password"');
    const username = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const user = await this.users.byUsername(username);
    const cacheKey = createHash('sha256')
      .update(`${username}\0${password}\0${user?.passwordHash ?? ''}`)
      .digest('hex');
    const remembered = this.basicCache.get(cacheKey);
    if (user && remembered !== undefined && remembered > Date.now()) return { kind: 'user', id: user.id };
    await this.options.loginThrottle.assertOpen(username);
    const ok = user?.passwordHash ? await verifyPassword(password, user.passwordHash) : false;
    if (!ok || !user) {
      await this.options.loginThrottle.recordFailure(username);
      throw unauthorized('the username or password is wrong');
    }
    if (this.basicCache.size >= CACHE_LIMIT) this.basicCache.clear();
    this.basicCache.set(cacheKey, Date.now() + BASIC_CACHE_MS);
    return { kind: 'user', id: user.id };
  }

  private async lookupToken(token: string): Promise<ApiTokenRow | undefined> {
    const hash = hashApiToken(token);
    const now = Date.now();
    const cached = this.tokenCache.get(hash);
    if (cached && cached.until > now) return cached.row;
    const row = await this.tokens.byHash(hash);
    if (!row) {
      this.tokenCache.delete(hash);
      return undefined;
    }
    if (this.tokenCache.size >= CACHE_LIMIT) this.tokenCache.clear();
    this.tokenCache.set(hash, { row, until: now + TOKEN_CACHE_MS });
    return row;
  }

  /** Records when a token was last used, at most once a minute per token. */
  private recordUse(tokenId: string): void {
    const now = Date.now();
    if ((this.touched.get(tokenId) ?? 0) > now - 60_000) return;
    this.touched.set(tokenId, now);
    void this.tokens.touch(tokenId, new Date(now)).catch(() => this.touched.delete(tokenId));
  }
}
