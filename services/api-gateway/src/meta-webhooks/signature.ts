import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Whether an `X-Hub-Signature-256` header (`sha256=<hex>`) is Meta's HMAC-SHA256 of exactly these
 * body bytes under the app secret, compared in constant time. The raw bytes matter: Meta escapes
 * non-ASCII as `\uXXXX` and signs that text, so a re-serialized body would not match.
 *
 * @example
 * verifyHubSignature('test_app_secret', rawBody, c.req.header('x-hub-signature-256')); // true
 */
export function verifyHubSignature(
  appSecret: string,
  rawBody: Uint8Array,
  header: string | undefined,
): boolean {
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header?.trim() ?? '');
  if (!match) return false;
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(match[1]!, 'hex'));
}

/**
 * Whether two secrets are equal, in time that does not depend on where they differ.
 *
 * @example
 * sameSecret(given, stored); // true
 */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
