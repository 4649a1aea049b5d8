import type { Context } from 'hono';
import type { AccessTokenRecord, MetaAccounts } from './accounts/accounts';
import {
  expiredTokenError,
  type GraphErrorResponse,
  invalidTokenError,
  missingTokenError,
  revokedTokenError,
} from './errors/graph-error';
import { newFbTraceId } from './ids';
import { serializeLikeMeta } from './meta-json';
import type { GraphOperation } from './recording/request-log';

/**
 * What Graph handlers tell the recording middleware about a request.
 *
 * @example
 * const graph = new Hono<GraphEnv>();
 */
export type GraphEnv = {
  Variables: {
    operation: GraphOperation;
    /** The body as the handler understood it, recorded for tests. */
    recordedBody: unknown;
  };
};

/**
 * A Graph JSON answer: serialized like Meta (escaped unicode and slashes) with the headers Graph
 * adds to every response.
 *
 * @example
 * return metaJson(c, 200, { success: true });
 */
export function metaJson(
  c: Context<GraphEnv>,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  traceId: string = newFbTraceId(),
): Response {
  const version = c.req.param('version');
  return new Response(serializeLikeMeta(body), {
    status,
    headers: {
      'content-type': 'application/json; charset=UTF-8',
      'x-fb-trace-id': traceId,
      'x-fb-request-id': traceId,
      ...(version === undefined ? {} : { 'facebook-api-version': version }),
      ...headers,
    },
  });
}

/**
 * A Graph error answer with Meta's status, body and headers; `x-fb-trace-id` repeats `fbtrace_id`.
 *
 * @example
 * return graphError(c, whatsAppError(131056));
 */
export function graphError(c: Context<GraphEnv>, error: GraphErrorResponse): Response {
  return metaJson(c, error.httpStatus, error.body, error.headers, error.body.error.fbtrace_id);
}

/** Graph takes the token from `Authorization: Bearer …` (or `OAuth …`) or from `access_token`. */
function presentedToken(c: Context<GraphEnv>): string | undefined {
  const header = c.req.header('authorization');
  const match = header === undefined ? null : /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? c.req.query('access_token');
}

/**
 * The caller's token, or the OAuth error Meta answers: 104 without a token, 190 for an unknown one,
 * 190/460 for a revoked one and 190/463 once expired.
 *
 * @example
 * const token = authenticate(c, accounts, Date.now());
 * if ('error' in token) return graphError(c, token.error);
 */
export function authenticate(
  c: Context<GraphEnv>,
  accounts: MetaAccounts,
  now: number,
): { token: AccessTokenRecord } | { error: GraphErrorResponse } {
  const presented = presentedToken(c);
  if (presented === undefined) return { error: missingTokenError() };
  const token = accounts.accessTokens.get(presented);
  if (token === undefined) return { error: invalidTokenError() };
  if (token.revoked) return { error: revokedTokenError() };
  if (token.expiresAt !== undefined && token.expiresAt <= now)
    return { error: expiredTokenError(token.expiresAt) };
  return { token };
}

/**
 * Whether a token may see the objects of a business; Graph hides the others (code 100, subcode 33).
 *
 * @example
 * if (!tokenReaches(token, phoneNumber.wabaId)) return graphError(c, unsupportedRequestError('get', id));
 */
export function tokenReaches(token: AccessTokenRecord, wabaId: string): boolean {
  return token.wabaIds.has(wabaId);
}
