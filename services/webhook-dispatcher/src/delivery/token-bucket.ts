/**
 * A token bucket: `ratePerSecond` tokens a second, at most `burst` saved up (1 by default: attempts
 * evenly spaced, so no second ever sees more than the rate plus one). Each dispatcher
 * replica runs one per rate-limited endpoint at its share of the limit, so the replicas together
 * never exceed it.
 *
 * @example
 * const bucket = new TokenBucket(10);
 * const waitMs = bucket.take(); // 0 when a token was free
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt = Date.now();

  constructor(
    private ratePerSecond: number,
    private readonly burst = 1,
  ) {
    this.tokens = Math.min(1, burst);
  }

  /** Changes the rate (a replica joined or left); tokens saved stay. */
  setRate(ratePerSecond: number): void {
    this.refill(Date.now());
    this.ratePerSecond = ratePerSecond;
  }

  /** Takes a token; returns 0 when taken, else the milliseconds until one is free (nothing taken). */
  take(now = Date.now()): number {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1_000);
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1_000) * this.ratePerSecond);
    this.updatedAt = now;
  }
}
