import { createHmac, timingSafeEqual } from 'node:crypto';

/** Every UTF-16 code unit above ASCII, and `/`, which Meta's encoder escapes as `\/`. */
const ESCAPED_BY_META = /[\u0080-\uffff/]/g;

/**
 * Serializes a value the way Meta's servers write Graph API responses and webhook bodies: compact
 * JSON, every non-ASCII character escaped as `\uXXXX` with lowercase hex (characters outside the
 * BMP as their two surrogates, e.g. `\ud83d\udc4d`), and `/` escaped as `\/`. A webhook signature is
 * computed over exactly these bytes, so a receiver must verify the raw body, never a re-serialization.
 *
 * @example
 * serializeLikeMeta({ name: 'Lucía', mime_type: 'image/jpeg' });
 * // '{"name":"Luc\\u00eda","mime_type":"image\\/jpeg"}'
 */
export function serializeLikeMeta(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('serializeLikeMeta: the value has no JSON form');
  return json.replace(ESCAPED_BY_META, (character) =>
    character === '/' ? '\\/' : `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * The `X-Hub-Signature-256` header value Meta sends with a webhook: `sha256=` and the lowercase hex
 * HMAC-SHA256 of the raw body, keyed with the app secret.
 *
 * @example
 * signMetaPayload('test_app_secret', rawBody); // 'sha256=fa50c2d5…056a'
 */
export function signMetaPayload(appSecret: string, rawBody: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/**
 * The legacy `X-Hub-Signature` header (`sha1=<hex>`) that Meta still sends next to the SHA-256 one.
 *
 * @example
 * signMetaPayloadSha1('test_app_secret', rawBody); // 'sha1=…'
 */
export function signMetaPayloadSha1(appSecret: string, rawBody: string | Uint8Array): string {
  return `sha1=${createHmac('sha1', appSecret).update(rawBody).digest('hex')}`;
}

/**
 * Checks an `X-Hub-Signature-256` header against the raw body in constant time.
 *
 * @example
 * if (!verifyMetaSignature(appSecret, rawBody, request.headers['x-hub-signature-256'])) reply(401);
 */
export function verifyMetaSignature(
  appSecret: string,
  rawBody: string | Uint8Array,
  signatureHeader: string | undefined,
): boolean {
  if (signatureHeader === undefined) return false;
  const expected = Buffer.from(signMetaPayload(appSecret, rawBody));
  const received = Buffer.from(signatureHeader);
  return expected.length === received.length && timingSafeEqual(expected, received);
}
