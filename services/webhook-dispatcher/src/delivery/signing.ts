import { createHmac } from 'node:crypto';

/** The HMAC key of a secret: a Standard Webhooks `whsec_<base64>` secret's bytes, else the UTF-8 text. */
function signingKey(secret: string): Buffer {
  return secret.startsWith('whsec_')
    ? Buffer.from(secret.slice('whsec_'.length), 'base64')
    : Buffer.from(secret, 'utf8');
}

/**
 * The Standard Webhooks `webhook-signature` value: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
 *
 * @example
 * standardWebhookSignature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
 * // 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
 */
export function standardWebhookSignature(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string | Uint8Array,
): string {
  // Two updates hash the same bytes as one string would, without copying the body into it.
  const digest = createHmac('sha256', signingKey(secret))
    .update(`${id}.${timestampSeconds}.`)
    .update(body)
    .digest('base64');
  return `v1,${digest}`;
}

/**
 * The `X-Webhook-Signature` value simple receivers check: `sha256=<hex HMAC-SHA256(secret, body)>`,
 * keyed with the secret exactly as the user gave it.
 *
 * @example
 * compatibilitySignature('webhook-secret', body); // 'sha256=…'
 */
export function compatibilitySignature(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
