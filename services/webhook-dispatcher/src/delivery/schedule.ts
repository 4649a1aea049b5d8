const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Delays before each retry (Standard Webhooks' recommended schedule): attempt 1 is immediate, then
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h — about 75 hours in all.
 */
export const RETRY_SCHEDULE_MS: number[] = [
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  14 * HOUR,
  20 * HOUR,
  24 * HOUR,
];

/**
 * Delay before the next attempt after `failedAttempt` failed (1-based), with ±10 % jitter so that
 * an endpoint coming back is not hit by every retry at once; `retryAfterMs` (from `Retry-After`)
 * wins when it is longer.
 *
 * @example
 * retryDelayMs(1); // about 5 s
 */
export function retryDelayMs(
  failedAttempt: number,
  retryAfterMs?: number,
  schedule: readonly number[] = RETRY_SCHEDULE_MS,
): number {
  const base = schedule[Math.min(failedAttempt, schedule.length) - 1] ?? schedule.at(-1)!;
  const jittered = Math.round(base * (0.9 + Math.random() * 0.2));
  return Math.max(jittered, retryAfterMs ?? 0);
}

/**
 * Milliseconds a `Retry-After` header asks for (seconds or an HTTP date), capped at 24 h.
 *
 * @example
 * parseRetryAfter('120'); // 120000
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * SECOND : Date.parse(value) - now;
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  return Math.min(ms, 24 * HOUR);
}
