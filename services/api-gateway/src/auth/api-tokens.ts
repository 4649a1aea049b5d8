import { createHash, randomBytes } from 'node:crypto';

const TOKEN_PREFIX = 'wag_';

/**
 * A new API token: `wag_` + 32 random bytes (base64url). Only its hash is stored.
 *
 * @example
 * const { token, hash, prefix } = newApiToken();
 */
export function newApiToken(): { token: string; hash: string; prefix: string } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashApiToken(token), prefix: token.slice(0, 12) };
}

/**
 * The stored form of a token: hex SHA-256 (tokens are long and random, so no salt is needed).
 *
 * @example
 * await tokens.byHash(hashApiToken(presented));
 */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Whether a presented credential has the shape of an API token. */
export function looksLikeApiToken(value: string): boolean {
  return value.startsWith(TOKEN_PREFIX) && value.length > 20 && value.length < 100;
}
