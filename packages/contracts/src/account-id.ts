import { z } from 'zod';

/**
 * An account id is also a NATS subject token and a KV key part, so it may hold only letters,
 * digits, `_` and `-` (no `.`, `*`, `>` or whitespace), start with a letter or digit, and be at
 * most 64 characters long.
 *
 * @example
 * AccountId.parse('business-1'); // 'business-1'
 * AccountId.safeParse('a.b').success; // false
 */
export const AccountId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    'must be 1-64 characters of letters, digits, "_" or "-", starting with a letter or digit',
  );
export type AccountId = z.infer<typeof AccountId>;

/**
 * Whether a string can be used as an account id.
 *
 * @example
 * isAccountId('demo'); // true
 */
export function isAccountId(value: string): boolean {
  return AccountId.safeParse(value).success;
}
