import { z } from 'zod';

/**
 * Meta's per-number throughput: at most `limit` messages (inbound and outbound together) in any
 * one-second window; above it sends fail with 130429.
 *
 * @example
 * const throughput = new ThroughputLimiter();
 * if (!throughput.tryAcquire(phoneNumberId, 80, Date.now())) reply(whatsAppError(130429));
 */
export class ThroughputLimiter {
  static readonly WINDOW_MS = 1000;
  readonly #recentByPhoneNumber = new Map<string, number[]>();

  /** Counts a message if the number is under its limit; says whether it was. */
  tryAcquire(phoneNumberId: string, limitPerSecond: number, now: number): boolean {
    const recent = this.#recent(phoneNumberId, now);
    if (recent.length >= limitPerSecond) return false;
    recent.push(now);
    return true;
  }

  /** Counts a message that happens regardless of the limit (a user writing in). */
  record(phoneNumberId: string, now: number): void {
    this.#recent(phoneNumberId, now).push(now);
  }

  #recent(phoneNumberId: string, now: number): number[] {
    const recent = (this.#recentByPhoneNumber.get(phoneNumberId) ?? []).filter(
      (at) => now - at < ThroughputLimiter.WINDOW_MS,
    );
    this.#recentByPhoneNumber.set(phoneNumberId, recent);
    return recent;
  }
}

/**
 * The pair rate rule: one message per `intervalMs` to the same user, bursts of up to `burst`.
 *
 * @example
 * fake.setPairRateLimit({ intervalMs: 500, burst: 3 });
 */
export const PairRateLimit = z.object({
  intervalMs: z.number().int().positive().default(6000),
  burst: z.number().int().positive().default(45),
});
export type PairRateLimit = z.input<typeof PairRateLimit>;

interface PairBudget {
  /** When the current burst began. */
  burstStartedAt: number;
  sentInBurst: number;
  /** Until when the burst's borrowed quota is being paid back, one interval per message. */
  repaidAt: number;
}

/**
 * Meta's pair rate limit between a business number and one user: one message every 6 s, with
 * bursts of up to 45 inside one interval that are borrowed against the future — after a burst of n
 * messages the pair stays blocked until n intervals have passed. Over it: 131056 for that user only.
 *
 * @example
 * const pairs = new PairRateLimiter({ intervalMs: 6000, burst: 45 });
 * pairs.tryAcquire(`${phoneNumberId}:${waId}`, Date.now()); // true
 */
export class PairRateLimiter {
  readonly #budgets = new Map<string, PairBudget>();
  #rule: z.output<typeof PairRateLimit>;

  constructor(rule: PairRateLimit = {}) {
    this.#rule = PairRateLimit.parse(rule);
  }

  configure(rule: PairRateLimit): void {
    this.#rule = PairRateLimit.parse(rule);
    this.#budgets.clear();
  }

  tryAcquire(pairKey: string, now: number): boolean {
    const { intervalMs, burst } = this.#rule;
    const budget = this.#budgets.get(pairKey);
    if (budget === undefined || now >= budget.repaidAt) {
      this.#budgets.set(pairKey, { burstStartedAt: now, sentInBurst: 1, repaidAt: now + intervalMs });
      return true;
    }
    const insideBurst = now - budget.burstStartedAt < intervalMs;
    if (!insideBurst || budget.sentInBurst >= burst) return false;
    budget.sentInBurst += 1;
    budget.repaidAt += intervalMs;
    return true;
  }
}
