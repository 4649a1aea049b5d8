import { z } from 'zod';
import { newFbTraceId } from '../ids';
import { metaErrorDefinition } from './catalog';

/**
 * The body of every Graph API error response.
 *
 * @example
 * MetaErrorBody.parse(response.body).error.code; // 131056
 */
export const MetaErrorBody = z.object({
  error: z.looseObject({
    message: z.string(),
    type: z.string(),
    code: z.number().int(),
    error_subcode: z.number().int().optional(),
    error_data: z.looseObject({ messaging_product: z.literal('whatsapp'), details: z.string() }).optional(),
    error_user_title: z.string().optional(),
    error_user_msg: z.string().optional(),
    fbtrace_id: z.string(),
  }),
});
export type MetaErrorBody = z.infer<typeof MetaErrorBody>;

/**
 * An error as the fake answers it: the HTTP status, Meta's body and extra headers.
 *
 * @example
 * const { httpStatus, body } = whatsAppError(131047);
 */
export interface GraphErrorResponse {
  httpStatus: number;
  body: MetaErrorBody;
  headers?: Record<string, string>;
}

/** What a caller may override of a WhatsApp error row. */
interface WhatsAppErrorOverrides {
  title?: string;
  details?: string;
  message?: string;
  type?: string;
  httpStatus?: number;
}

/**
 * A WhatsApp Cloud API error as Meta writes it: `message` is `(#<code>) <title>`, `type` is
 * `OAuthException`, `error_data` carries `messaging_product` and `details`, plus a fresh `fbtrace_id`.
 * Code 190 gets the expired-token body, since that is the only form Meta sends it in.
 *
 * @example
 * whatsAppError(130429).body.error.message; // '(#130429) Rate limit hit'
 */
export function whatsAppError(code: number, overrides: WhatsAppErrorOverrides = {}): GraphErrorResponse {
  if (code === 190 && overrides.message === undefined) {
    const expired = expiredTokenError(Date.now());
    return { ...expired, httpStatus: overrides.httpStatus ?? expired.httpStatus };
  }
  const definition = metaErrorDefinition(code);
  return {
    httpStatus: overrides.httpStatus ?? definition.httpStatus,
    body: {
      error: {
        message: overrides.message ?? `(#${code}) ${overrides.title ?? definition.title}`,
        type: overrides.type ?? 'OAuthException',
        code,
        error_data: { messaging_product: 'whatsapp', details: overrides.details ?? definition.details },
        fbtrace_id: newFbTraceId(),
      },
    },
  };
}

/** Meta's 401 responses name the failure in a `WWW-Authenticate` challenge too. */
function oauthFailure(message: string, code: number, errorSubcode?: number): GraphErrorResponse {
  return {
    httpStatus: 401,
    headers: { 'www-authenticate': `OAuth "Facebook Platform" "invalid_token" "${message}"` },
    body: {
      error: {
        message,
        type: 'OAuthException',
        code,
        ...(errorSubcode === undefined ? {} : { error_subcode: errorSubcode }),
        fbtrace_id: newFbTraceId(),
      },
    },
  };
}

const PACIFIC_TIME = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Los_Angeles',
  weekday: 'long',
  day: '2-digit',
  month: 'short',
  year: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
});

/** Meta's own clock format in token errors: `Friday, 26-Jun-26 15:48:19 PDT`. */
function pacificTimestamp(epochMs: number): string {
  const part = Object.fromEntries(
    PACIFIC_TIME.formatToParts(new Date(epochMs)).map((p) => [p.type, p.value]),
  );
  return `${part.weekday}, ${part.day}-${part.month}-${part.year} ${part.hour}:${part.minute}:${part.second} ${part.timeZoneName}`;
}

/**
 * Code 190, subcode 463: the token's session expired at `expiredAt`.
 *
 * @example
 * expiredTokenError(Date.now() - 1000).body.error.message; // 'Error validating access token: Session has expired on …'
 */
export function expiredTokenError(expiredAt: number): GraphErrorResponse {
  return oauthFailure(
    `Error validating access token: Session has expired on ${pacificTimestamp(expiredAt)}. The current time is ${pacificTimestamp(Date.now())}.`,
    190,
    463,
  );
}

/**
 * Code 190, subcode 460: the session behind the token was invalidated (password change, revoked).
 *
 * @example
 * revokedTokenError().body.error.error_subcode; // 460
 */
export function revokedTokenError(): GraphErrorResponse {
  return oauthFailure(
    'Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.',
    190,
    460,
  );
}

/**
 * Code 190 for a token Meta never issued.
 *
 * @example
 * invalidTokenError().body.error.message; // 'Invalid OAuth access token - Cannot parse access token'
 */
export function invalidTokenError(): GraphErrorResponse {
  return oauthFailure('Invalid OAuth access token - Cannot parse access token', 190);
}

/**
 * Code 104 for a request without any access token.
 *
 * @example
 * missingTokenError().httpStatus; // 401
 */
export function missingTokenError(): GraphErrorResponse {
  return oauthFailure('An access token is required to request this resource.', 104);
}

/**
 * Graph's answer for an id that does not exist or that the token may not see (code 100, subcode 33).
 *
 * @example
 * unsupportedRequestError('post', '123').body.error.type; // 'GraphMethodException'
 */
export function unsupportedRequestError(
  method: 'get' | 'post' | 'delete',
  objectId: string,
): GraphErrorResponse {
  return {
    httpStatus: 400,
    body: {
      error: {
        message: `Unsupported ${method} request. Object with ID '${objectId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
        type: 'GraphMethodException',
        code: 100,
        error_subcode: 33,
        fbtrace_id: newFbTraceId(),
      },
    },
  };
}

/**
 * Graph's answer for a path it has no edge for (code 2500).
 *
 * @example
 * unknownPathError('/v21.0/123/nope').body.error.code; // 2500
 */
export function unknownPathError(path: string): GraphErrorResponse {
  return {
    httpStatus: 400,
    body: {
      error: {
        message: `Unknown path components: ${path}`,
        type: 'OAuthException',
        code: 2500,
        fbtrace_id: newFbTraceId(),
      },
    },
  };
}

/**
 * Graph's answer for a `fields=` entry the node does not have (code 100).
 *
 * @example
 * nonexistingFieldError('foo', 'WhatsAppBusinessPhoneNumber').body.error.message;
 * // '(#100) Tried accessing nonexisting field (foo) on node type (WhatsAppBusinessPhoneNumber)'
 */
export function nonexistingFieldError(field: string, nodeType: string): GraphErrorResponse {
  return {
    httpStatus: 400,
    body: {
      error: {
        message: `(#100) Tried accessing nonexisting field (${field}) on node type (${nodeType})`,
        type: 'OAuthException',
        code: 100,
        fbtrace_id: newFbTraceId(),
      },
    },
  };
}
