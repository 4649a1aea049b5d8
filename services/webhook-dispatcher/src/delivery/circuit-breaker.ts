/** Settings of an endpoint's circuit breaker. */
export interface CircuitBreakerSettings {
  /** Window over which the failure rate is measured. */
  windowMs: number;
  /** Attempts in the window before the rate counts. */
  minAttempts: number;
  /** Failure rate (0-1) that opens the circuit. */
  failureRate: number;
  /** First time the circuit stays open; doubles on each failed probe up to `maxOpenMs`. */
  openMs: number;
  maxOpenMs: number;
}

/**
 * A per-endpoint circuit breaker (as Convoy's): it opens when the failure rate over a window
 * passes a threshold, lets one probe through when the open time is over (half-open), closes on
 * its success and stays open twice as long on its failure. While open, the endpoint's jobs wait
 * in JetStream instead of tying up deliveries.
 *
 * @example
 * const breaker = new CircuitBreaker({ windowMs: 30_000, minAttempts: 10, failureRate: 0.5, openMs: 5_000, maxOpenMs: 300_000 });
 * if (breaker.tryAcquire()) breaker.record(ok);
 */
export class CircuitBreaker {
  private state: 'closed' | 'open' | 'half-open' = 'closed';
  private windowStart = 0;
  private attempts = 0;
  private failures = 0;
  private openUntil = 0;
  private openFor: number;

  constructor(private readonly settings: CircuitBreakerSettings) {
    this.openFor = settings.openMs;
  }

  /** Whether an attempt may start now; in half-open state only one probe at a time. */
  tryAcquire(now = Date.now()): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open' && now >= this.openUntil) {
      this.state = 'half-open';
      return true;
    }
    return false;
  }

  /** Whether `tryAcquire` could succeed now, without taking the half-open probe. */
  wouldAllow(now = Date.now()): boolean {
    return this.state === 'closed' || (this.state === 'open' && now >= this.openUntil);
  }

  /** Milliseconds until an attempt may be tried again (0 when closed). */
  retryInMs(now = Date.now()): number {
    if (this.state === 'closed') return 0;
    return Math.max(this.openUntil - now, 1_000);
  }

  get isOpen(): boolean {
    return this.state !== 'closed';
  }

  /** Records the outcome of an attempt started after `tryAcquire`. */
  record(success: boolean, now = Date.now()): void {
    if (this.state === 'half-open') {
      if (success) this.close(now);
      else this.open(now, Math.min(this.openFor * 2, this.settings.maxOpenMs));
      return;
    }
    if (this.state === 'open') return;
    if (now - this.windowStart > this.settings.windowMs) {
      this.windowStart = now;
      this.attempts = 0;
      this.failures = 0;
    }
    this.attempts += 1;
    if (!success) this.failures += 1;
    if (
      this.attempts >= this.settings.minAttempts &&
      this.failures / this.attempts >= this.settings.failureRate
    ) {
      this.open(now, this.settings.openMs);
    }
  }

  private open(now: number, openFor: number): void {
    this.state = 'open';
    this.openFor = openFor;
    this.openUntil = now + openFor;
  }

  private close(now: number): void {
    this.state = 'closed';
    this.openFor = this.settings.openMs;
    this.windowStart = now;
    this.attempts = 0;
    this.failures = 0;
  }
}
