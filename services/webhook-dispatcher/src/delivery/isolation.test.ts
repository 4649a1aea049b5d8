import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker';
import { EgressGuard, EgressRefusedError } from './egress-guard';
import { EndpointLane } from './endpoint-lanes';
import { TokenBucket } from './token-bucket';

const BREAKER = { windowMs: 10_000, minAttempts: 4, failureRate: 0.5, openMs: 1_000, maxOpenMs: 4_000 };

describe('circuit breaker', () => {
  it('opens on the failure rate, probes once half-open, and doubles its open time on a failed probe', () => {
    const breaker = new CircuitBreaker(BREAKER);
    const t = 1_000_000;
    breaker.record(true, t);
    breaker.record(false, t);
    breaker.record(true, t);
    expect(breaker.isOpen).toBe(false);
    breaker.record(false, t);
    expect(breaker.isOpen).toBe(true);
    expect(breaker.tryAcquire(t + 500)).toBe(false);
    expect(breaker.wouldAllow(t + 1_000)).toBe(true);
    expect(breaker.tryAcquire(t + 1_000)).toBe(true);
    expect(breaker.tryAcquire(t + 1_001)).toBe(false);
    breaker.record(false, t + 1_100);
    expect(breaker.tryAcquire(t + 2_500)).toBe(false);
    expect(breaker.tryAcquire(t + 3_100)).toBe(true);
    breaker.record(true, t + 3_200);
    expect(breaker.isOpen).toBe(false);
    expect(breaker.tryAcquire(t + 3_201)).toBe(true);
  });

  it('does not open below the minimum number of attempts', () => {
    const breaker = new CircuitBreaker(BREAKER);
    for (let i = 0; i < 3; i += 1) breaker.record(false, 1_000);
    expect(breaker.isOpen).toBe(false);
  });
});

describe('endpoint lane', () => {
  it('bounds attempts in flight and waiters, and sends waiters back when the circuit opens', async () => {
    const lane = new EndpointLane({ maxInFlight: 2, maxWaiting: 1, breaker: BREAKER }, 1);
    expect(await lane.acquire(1_000)).toBe(true);
    expect(await lane.acquire(1_000)).toBe(true);
    const waiting = lane.acquire(5_000);
    expect(await lane.acquire(1_000)).toBe(false);
    for (let i = 0; i < 4; i += 1) lane.recordAttempt(false, 5);
    expect(await waiting).toBe(false);
    expect(lane.deferralMs()).toBeGreaterThanOrEqual(25);
  });

  it('hands a freed slot to the next waiter', async () => {
    const lane = new EndpointLane({ maxInFlight: 1, maxWaiting: 5, breaker: BREAKER }, 1);
    expect(await lane.acquire(1_000)).toBe(true);
    const next = lane.acquire(5_000);
    lane.release();
    expect(await next).toBe(true);
    expect(lane.inFlight).toBe(1);
  });

  it("takes its replica's share of the rate limit", () => {
    const lane = new EndpointLane({ maxInFlight: 1, maxWaiting: 1, breaker: BREAKER }, 1);
    lane.configure(10, 2);
    expect(lane.takeToken()).toBe(0);
    const wait = lane.takeToken();
    expect(wait).toBeGreaterThan(150);
    expect(wait).toBeLessThanOrEqual(200);
  });
});

describe('token bucket', () => {
  it('spaces takes at the rate with a burst of one', () => {
    const bucket = new TokenBucket(4);
    const t = Date.now();
    expect(bucket.take(t)).toBe(0);
    expect(bucket.take(t)).toBe(250);
    expect(bucket.take(t + 250)).toBe(0);
    expect(bucket.take(t + 10_000)).toBe(0);
    expect(bucket.take(t + 10_000)).toBeGreaterThan(0);
  });
});

describe('SSRF guard', () => {
  const strict = new EgressGuard({ allowPrivateNetworks: false, allowedHosts: [] });

  it('refuses private, loopback, link-local and mapped addresses, and non-http URLs', () => {
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://10.1.2.3/hook',
      'http://172.16.0.1/hook',
      'http://192.168.1.1/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/hook',
      'http://[fe80::1]/hook',
      'http://[fd00::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://0.0.0.0/hook',
      'ftp://example.com/hook',
      'not a url',
    ]) {
      expect(() => strict.assertUrl(url), url).toThrow(EgressRefusedError);
    }
    expect(() => strict.assertUrl('https://93.184.216.34/hook')).not.toThrow();
    expect(() => strict.assertUrl('https://example.com/hook')).not.toThrow();
  });

  it('lets allowed hosts, addresses and ranges through', () => {
    const guard = new EgressGuard({
      allowPrivateNetworks: false,
      allowedHosts: ['127.0.0.1', '10.0.0.0/8', 'hooks.internal'],
    });
    expect(() => guard.assertUrl('http://127.0.0.1:9000/hook')).not.toThrow();
    expect(() => guard.assertUrl('http://10.20.30.40/hook')).not.toThrow();
    expect(() => guard.assertUrl('http://192.168.0.1/hook')).toThrow(EgressRefusedError);
    expect(guard.allowsAddress('127.0.0.2')).toBe(false);
    const open = new EgressGuard({ allowPrivateNetworks: true, allowedHosts: [] });
    expect(() => open.assertUrl('http://192.168.0.1/hook')).not.toThrow();
  });

  it('refuses a name that resolves to a private address at connection time', async () => {
    const refused = await new Promise<unknown>((resolve) =>
      strict.lookup('localhost', {}, (error) => resolve(error)),
    );
    expect(refused).toBeInstanceOf(EgressRefusedError);
    const allowed = new EgressGuard({ allowPrivateNetworks: false, allowedHosts: ['localhost'] });
    const address = await new Promise<unknown>((resolve) =>
      allowed.lookup('localhost', {}, (error, result) => resolve(error ?? result)),
    );
    expect(String(address)).toMatch(/^(127\.0\.0\.1|::1)$/);
  });
});
