import { type Database, RateLimitCountersRepository } from '@wagate/db';
import type { Logger } from '@wagate/observability';
import { ApiError } from '../http/errors';

const WINDOW_MS = 60_000;

interface WindowCount {
  window: number;
  /** The total of every replica, as PostgreSQL last reported it (this replica's flushed requests included). */
  shared: number;
  /** This replica's requests not yet added to PostgreSQL. */
  pending: number;
}

/**
 * Requests per minute per API token, shared by every gateway replica through PostgreSQL: the
 * first request of a token in a minute adds itself to the shared counter and reads the total;
 * later ones count locally and are added every `flushMs`, so at thousands of requests a second
 * PostgreSQL sees a few writes. Replicas may overshoot by what they served in one flush interval.
 *
 * @example
 * const limiter = new TokenRateLimiter(db, log, 250);
 * const remaining = await limiter.take(token.id, 600); // throws 429 when spent
 */
export class TokenRateLimiter {
  private readonly counters: RateLimitCountersRepository;
  private readonly windows = new Map<string, WindowCount>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;

  constructor(
    db: Database,
    private readonly log: Logger,
    flushMs = 250,
  ) {
    this.counters = new RateLimitCountersRepository(db);
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  /** Counts one request of a token; returns what is left this minute, or throws 429. */
  async take(tokenId: string, limitPerMinute: number): Promise<{ remaining: number; resetSeconds: number }> {
    const now = Date.now();
    const window = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    const resetSeconds = Math.max(1, Math.ceil((window + WINDOW_MS - now) / 1000));
    let count = this.windows.get(tokenId);
    if (!count || count.window !== window) {
      count = { window, shared: 0, pending: 0 };
      this.windows.set(tokenId, count);
      count.shared = await this.counters.add(this.key(tokenId), window, 1, window + 2 * WINDOW_MS);
      if (count.shared > limitPerMinute) throw this.exceeded(limitPerMinute, resetSeconds);
      return { remaining: limitPerMinute - count.shared, resetSeconds };
    }
    const used = count.shared + count.pending;
    if (used >= limitPerMinute) throw this.exceeded(limitPerMinute, resetSeconds);
    count.pending += 1;
    return { remaining: limitPerMinute - used - 1, resetSeconds };
  }

  /** Adds the local counts to PostgreSQL and learns the other replicas' totals. */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async flushOnce(): Promise<void> {
    const current = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS;
    for (const [tokenId, count] of this.windows) {
      if (count.window < current && count.pending === 0) {
        this.windows.delete(tokenId);
        continue;
      }
      const amount = count.pending;
      count.pending = 0;
      try {
        count.shared = await this.counters.add(
          this.key(tokenId),
          count.window,
          amount,
          count.window + 2 * WINDOW_MS,
        );
      } catch (error) {
        count.pending += amount;
        this.log.warn({ err: (error as Error).message }, 'could not share token request counts');
        return;
      }
    }
  }

  private exceeded(limit: number, resetSeconds: number): ApiError {
    return new ApiError('rate_limited', `this token may make ${limit} requests a minute`, undefined, {
      'Retry-After': String(resetSeconds),
      'X-RateLimit-Limit': String(limit),
      'X-RateLimit-Remaining': '0',
    });
  }

  private key(tokenId: string): string {
    return `token:${tokenId}`;
  }
}
