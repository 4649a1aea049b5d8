import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { parseRetryAfter, retryDelayMs } from './schedule';
import { compatibilitySignature, standardWebhookSignature } from './signing';

describe('Standard Webhooks signature', () => {
  it('reproduces the specification test vector', () => {
    expect(
      standardWebhookSignature(
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies with the official standardwebhooks package', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const timestamp = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: 'message.received', data: { text: 'olá' } });
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': standardWebhookSignature(secret, 'msg_1', timestamp, body),
    };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('signs the bytes of a body as it signs its text', () => {
    const body = JSON.stringify({ text: 'olá 👋' });
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    expect(standardWebhookSignature(secret, 'msg_1', 1614265330, Buffer.from(body))).toBe(
      standardWebhookSignature(secret, 'msg_1', 1614265330, body),
    );
    expect(compatibilitySignature('webhook-secret', Buffer.from(body))).toBe(
      compatibilitySignature('webhook-secret', body),
    );
  });

  it('signs X-Webhook-Signature as hex HMAC-SHA256 of the body with the secret as given', () => {
    const body = '{"a":1}';
    expect(compatibilitySignature('webhook-secret', body)).toBe(
      `sha256=${createHmac('sha256', 'webhook-secret').update(body).digest('hex')}`,
    );
  });
});

describe('retry schedule', () => {
  it('follows the schedule with jitter and honours a longer Retry-After', () => {
    for (let i = 0; i < 20; i += 1) {
      const delay = retryDelayMs(1);
      expect(delay).toBeGreaterThanOrEqual(4_500);
      expect(delay).toBeLessThanOrEqual(5_500);
    }
    expect(retryDelayMs(2)).toBeGreaterThan(4 * 60_000);
    expect(retryDelayMs(1, 120_000)).toBe(120_000);
    expect(parseRetryAfter('30')).toBe(30_000);
    expect(parseRetryAfter(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(55_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
