import { ApiError } from '../http/errors';

/**
 * Who is calling. A token scoped to some sessions can never read or act on another session.
 */
export type Principal =
  | { kind: 'admin'; id: 'admin' }
  | { kind: 'token'; id: string; sessionIds: string[] | null }
  | { kind: 'user'; id: string; loginSessionId?: string };

/**
 * Whether a principal may use a session.
 *
 * @example
 * canUseSession({ kind: 'token', id: 't1', sessionIds: ['a'] }, 'b'); // false
 */
export function canUseSession(principal: Principal, sessionId: string): boolean {
  return (
    principal.kind !== 'token' || principal.sessionIds === null || principal.sessionIds.includes(sessionId)
  );
}

/** Whether a principal may act on every session (the admin key, users, unscoped tokens). */
export function isUnscoped(principal: Principal): boolean {
  return principal.kind !== 'token' || principal.sessionIds === null;
}

/**
 * Refuses (403) a principal scoped to sessions: what it asks for is not one session's business.
 *
 * @example
 * requireUnscoped(c.get('principal'), 'manage global webhooks');
 */
export function requireUnscoped(principal: Principal, what: string): void {
  if (!isUnscoped(principal)) throw new ApiError('forbidden', `a token scoped to sessions cannot ${what}`);
}

/**
 * Refuses (403) API tokens: managing tokens and passwords needs the admin key or a user login.
 *
 * @example
 * requirePerson(c.get('principal'), 'create API tokens');
 */
export function requirePerson(principal: Principal, what: string): void {
  if (principal.kind === 'token') throw new ApiError('forbidden', `an API token cannot ${what}`);
}
