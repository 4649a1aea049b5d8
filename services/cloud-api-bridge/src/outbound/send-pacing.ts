/** One business number's sending lane. */
interface NumberLane {
  limit: number;
  /** Slots taken: sends in flight plus sends that ended less than a window ago. */
  taken: number;
  waiters: Array<() => void>;
  pausedUntilMs: number;
  /** 130429 answers in a row, for the doubling pause. */
  throttledInARow: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Keeps each business number under Meta's throughput (80 messages/s by default, 1,000 when
 * upgraded; over it Meta answers 130429). Meta counts messages in any one-second window, so a send
 * takes one of `limit` slots and gives it back a full window after Meta's answer began to arrive:
 * the request that next uses the slot then reaches Meta more than a window after this one, whatever
 * the network latency. `pause` holds every send of the number (the global backoff after 130429).
 *
 * @example
 * const release = await pacer.acquire(phoneNumberId, 80);
 * const { answeredAt } = await graph.sendMessage(credentials, body);
 * release(answeredAt);
 */
export class ThroughputPacer {
  readonly #lanes = new Map<string, NumberLane>();

  constructor(
    private readonly backoff: { firstMs: number; maxMs: number },
    private readonly windowMs = 1_000,
  ) {}

  /**
   * Waits until the number is not paused and has a free slot. The returned function frees it a
   * window after `answeredAt` (when Meta's answer began to arrive, so Meta had counted the send),
   * or a window after now.
   */
  async acquire(phoneNumberId: string, limit: number): Promise<(answeredAt?: number) => void> {
    const lane = this.#lane(phoneNumberId);
    lane.limit = Math.max(1, limit);
    for (let front = false; ; front = true) {
      const pause = lane.pausedUntilMs - Date.now();
      if (pause > 0) {
        await sleep(pause);
        continue;
      }
      if (lane.taken < lane.limit) {
        lane.taken += 1;
        let released = false;
        return (answeredAt = Date.now()) => {
          if (released) return;
          released = true;
          setTimeout(
            () => {
              lane.taken -= 1;
              lane.waiters.shift()?.();
            },
            this.windowMs - (Date.now() - Math.min(answeredAt, Date.now())),
          );
        };
      }
      // A waiter that lost its slot to a newcomer keeps its place at the front.
      await new Promise<void>((resolve) =>
        front ? lane.waiters.unshift(resolve) : lane.waiters.push(resolve),
      );
    }
  }

  /**
   * Meta answered 130429: pauses the number for the first backoff, doubled for each 130429 in a row
   * (up to the maximum), and returns until when (ms since the epoch).
   */
  throttled(phoneNumberId: string): number {
    const lane = this.#lane(phoneNumberId);
    lane.throttledInARow += 1;
    const pauseMs = Math.min(this.backoff.maxMs, this.backoff.firstMs * 2 ** (lane.throttledInARow - 1));
    lane.pausedUntilMs = Math.max(lane.pausedUntilMs, Date.now() + pauseMs);
    return lane.pausedUntilMs;
  }

  /** Holds the number's sends until `untilMs` (a pause another replica recorded). */
  pauseUntil(phoneNumberId: string, untilMs: number): void {
    const lane = this.#lane(phoneNumberId);
    lane.pausedUntilMs = Math.max(lane.pausedUntilMs, untilMs);
  }

  /** A send went through: the next 130429 starts the backoff from the beginning. */
  succeeded(phoneNumberId: string): void {
    const lane = this.#lanes.get(phoneNumberId);
    if (lane) lane.throttledInARow = 0;
  }

  /** Until when the number is paused (ms since the epoch; in the past when it is not). */
  pausedUntil(phoneNumberId: string): number {
    return this.#lanes.get(phoneNumberId)?.pausedUntilMs ?? 0;
  }

  #lane(phoneNumberId: string): NumberLane {
    let lane = this.#lanes.get(phoneNumberId);
    if (!lane) {
      lane = { limit: 1, taken: 0, waiters: [], pausedUntilMs: 0, throttledInARow: 0 };
      this.#lanes.set(phoneNumberId, lane);
    }
    return lane;
  }
}

/** Meta's advice for 131056: wait 4^X seconds before the X-th retry (X from 0); capped at 4^6. */
const MAX_PAIR_EXPONENT = 6;

/** Entries kept before expired ones are swept. */
const SWEEP_THRESHOLD = 10_000;

/**
 * Meta's pair rate limit (131056: too many messages to one user): only that user's messages wait,
 * `unit × 4^X` after the X-th refusal in a row, while other users' messages go on.
 *
 * @example
 * const waitMs = backoff.refused(`${phoneNumberId}:${waId}`); // 1000, then 4000, 16000…
 * backoff.remainingMs(`${phoneNumberId}:${waId}`); // > 0 while it waits
 */
export class RecipientBackoff {
  readonly #entries = new Map<string, { refusals: number; untilMs: number }>();

  constructor(private readonly unitMs: number) {}

  /** How long sends to this user must still wait, in ms (0 when they may go). */
  remainingMs(pairKey: string): number {
    const entry = this.#entries.get(pairKey);
    return entry ? Math.max(0, entry.untilMs - Date.now()) : 0;
  }

  /** Records a 131056 for the user and returns how long to wait before the next try. */
  refused(pairKey: string): number {
    if (this.#entries.size > SWEEP_THRESHOLD) this.#sweep();
    const entry = this.#entries.get(pairKey) ?? { refusals: 0, untilMs: 0 };
    const waitMs = this.unitMs * 4 ** Math.min(entry.refusals, MAX_PAIR_EXPONENT);
    entry.refusals += 1;
    entry.untilMs = Date.now() + waitMs;
    this.#entries.set(pairKey, entry);
    return waitMs;
  }

  /** A message to the user went through: the next refusal starts again at `unit`. */
  accepted(pairKey: string): void {
    this.#entries.delete(pairKey);
  }

  #sweep(): void {
    // A user not refused for longer than the longest wait starts again from `unit`.
    const stale = Date.now() - this.unitMs * 4 ** MAX_PAIR_EXPONENT;
    for (const [key, entry] of this.#entries) if (entry.untilMs < stale) this.#entries.delete(key);
  }
}
