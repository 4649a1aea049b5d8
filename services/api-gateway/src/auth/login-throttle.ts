import { type Database, RateLimitCountersRepository } from '@wagate/db';
import { ApiError } from '../http/errors';

export interface LoginThrottleOptions {
  /** Failed attempts allowed per username within a window. */
  maxFailures: number;
  /** The window, in ms; a locked username opens again when it ends. */
  windowMs: number;
}

/**
 * Brute-force protection of password checks (login, Basic auth, token generation): failures are
 * counted per username in PostgreSQL, so every gateway replica sees them; after `maxFailures` in a
 * window the username answers 429 with Retry-After until the window ends, even with the right
 * password. A success clears the count.
 *
 * @example
 * await throttle.assertOpen(username);
 * if (!ok) await throttle.recordFailure(username);
 */
export class LoginThrottle {
  private readonly counters: RateLimitCountersRepository;

  constructor(
    db: Database,
    private readonly options: LoginThrottleOptions,
  ) {
    this.counters = new RateLimitCountersRepository(db);
  }

  /** 429 while the username is locked. */
  async assertOpen(username: string): Promise<void> {
    const window = this.window();
    const failures = await this.counters.get(this.key(username), window);
    if (failures >= this.options.maxFailures) throw this.locked(window);
  }

  async recordFailure(username: string): Promise<void> {
    const window = this.window();
    await this.counters.add(this.key(username), window, 1, window + 2 * this.options.windowMs);
  }

  async recordSuccess(username: string): Promise<void> {
    await this.counters.reset(this.key(username), this.window());
  }

  private locked(window: number): ApiError {
    const retryAfter = Math.max(1, Math.ceil((window + this.options.windowMs - Date.now()) / 1000));
    return new ApiError('rate_limited', 'too many failed logins for this user; try again later', undefined, {
      'Retry-After': String(retryAfter),
    });
  }

  private window(): number {
    return Math.floor(Date.now() / this.options.windowMs) * this.options.windowMs;
  }

  private key(username: string): string {
    return `login-user:${username.toLowerCase()}`;
  }
}
