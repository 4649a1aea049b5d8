import type { WebhookRow } from '@wagate/db';
import { CircuitBreaker, type CircuitBreakerSettings } from './circuit-breaker';
import { TokenBucket } from './token-bucket';

/** Settings of the per-endpoint isolation. */
export interface LaneSettings {
  /** Attempts in flight at once to one endpoint, in this process. */
  maxInFlight: number;
  /** Jobs that may wait here for a free slot of one endpoint; more go back to JetStream. */
  maxWaiting: number;
  breaker: CircuitBreakerSettings;
}

/**
 * One endpoint's share of this process: a bounded number of attempts in flight, a short bounded
 * wait line, its circuit breaker and its rate limit. Whatever one endpoint does, it never holds
 * more than `maxInFlight + maxWaiting` of the process's deliveries.
 */
export class EndpointLane {
  inFlight = 0;
  private readonly waiters: Array<(acquired: boolean) => void> = [];
  readonly breaker: CircuitBreaker;
  private bucket: TokenBucket | undefined;
  private limitPerSecond: number | null = null;
  /** Recent time of one attempt (moving average), to estimate how long a backlog takes. */
  private averageDurationMs = 10;
  /** When an attempt last gave its slot back: a full lane that frees none is stuck. */
  private lastReleasedAt = Date.now();

  constructor(
    private readonly settings: LaneSettings,
    private replicas: number,
  ) {
    this.breaker = new CircuitBreaker(settings.breaker);
  }

  /** Applies the subscription's rate limit (this process's share of it). */
  configure(rateLimitPerSecond: number | null, replicas: number): void {
    if (rateLimitPerSecond === this.limitPerSecond && replicas === this.replicas) return;
    this.limitPerSecond = rateLimitPerSecond;
    this.replicas = replicas;
    if (rateLimitPerSecond === null) this.bucket = undefined;
    else if (this.bucket) this.bucket.setRate(rateLimitPerSecond / replicas);
    else this.bucket = new TokenBucket(rateLimitPerSecond / replicas);
  }

  /** Takes a rate-limit token: 0 when taken, else milliseconds until one is free. */
  takeToken(): number {
    return this.bucket?.take() ?? 0;
  }

  /** Waits for a free slot; false when too many wait already or none came within `maxWaitMs`. */
  acquire(maxWaitMs: number): Promise<boolean> {
    if (this.tryAcquire()) return Promise.resolve(true);
    if (this.waiters.length >= this.settings.maxWaiting) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = (acquired: boolean) => {
        clearTimeout(timer);
        resolve(acquired);
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index !== -1) this.waiters.splice(index, 1);
        resolve(false);
      }, maxWaitMs);
      this.waiters.push(waiter);
    });
  }

  /** Takes a free slot if there is one, without waiting. */
  tryAcquire(): boolean {
    if (this.inFlight >= this.settings.maxInFlight) return false;
    this.inFlight += 1;
    return true;
  }

  /**
   * Whether the endpoint answers quickly enough for an event to wait `withinMs` for its first
   * attempt: the circuit is closed, attempts take less than that on average, and the lane has a
   * free slot or freed one within that time.
   */
  answersWithin(withinMs: number, now = Date.now()): boolean {
    return (
      !this.breaker.isOpen &&
      this.averageDurationMs < withinMs &&
      (this.inFlight < this.settings.maxInFlight || now - this.lastReleasedAt < withinMs)
    );
  }

  /** Frees a slot, handing it to the next waiter if any. */
  release(): void {
    this.lastReleasedAt = Date.now();
    const next = this.waiters.shift();
    if (next) next(true);
    else this.inFlight -= 1;
  }

  /**
   * Notes an attempt's outcome and time. When it opens the circuit, the jobs waiting here go back
   * to JetStream at once instead of waiting for the failing endpoint's slots.
   */
  recordAttempt(success: boolean, ms: number): void {
    this.averageDurationMs = this.averageDurationMs * 0.9 + ms * 0.1;
    const wasOpen = this.breaker.isOpen;
    this.breaker.record(success);
    if (!wasOpen && this.breaker.isOpen) {
      for (const waiter of this.waiters.splice(0)) waiter(false);
    }
  }

  /**
   * How long a job that finds the endpoint saturated should wait in JetStream: about the time the
   * endpoint needs for what this process holds for it, spread ±50 % so the deferred jobs come back
   * over that time rather than at once (25 ms to 30 s).
   */
  deferralMs(): number {
    const busyFor =
      ((this.inFlight + this.waiters.length) / this.settings.maxInFlight) * this.averageDurationMs;
    return Math.min(30_000, Math.max(25, Math.round(busyFor * (0.5 + Math.random()))));
  }

  get idle(): boolean {
    return this.inFlight === 0 && this.waiters.length === 0 && !this.breaker.isOpen;
  }
}

/**
 * The lanes of every endpoint this process delivers to, by subscription id.
 *
 * @example
 * const lane = lanes.of(webhook);
 * if (await lane.acquire(10_000)) try { … } finally { lane.release(); }
 */
export class EndpointLanes {
  private readonly lanes = new Map<string, EndpointLane>();
  private replicas = 1;

  constructor(private readonly settings: LaneSettings) {}

  of(webhook: Pick<WebhookRow, 'id' | 'rateLimitPerSecond'>): EndpointLane {
    let lane = this.lanes.get(webhook.id);
    if (!lane) {
      lane = new EndpointLane(this.settings, this.replicas);
      this.lanes.set(webhook.id, lane);
    }
    lane.configure(webhook.rateLimitPerSecond, this.replicas);
    return lane;
  }

  /** How many dispatchers share the consumer: each takes 1/n of every rate limit. */
  setReplicas(replicas: number): void {
    this.replicas = Math.max(1, replicas);
  }

  /** Forgets lanes with nothing going on (deleted or quiet subscriptions). */
  sweep(): void {
    for (const [id, lane] of this.lanes) if (lane.idle) this.lanes.delete(id);
  }
}
