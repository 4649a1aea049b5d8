import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Every error code the API answers with, and its HTTP status: one place. */
export const ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_mismatch: 422,
  rate_limited: 429,
  internal: 500,
  /** A session worker or the cloud bridge failed to answer properly. */
  bad_gateway: 502,
  /** The session is not logged in to WhatsApp, so WhatsApp cannot be asked. */
  not_connected: 409,
  unavailable: 503,
  timeout: 504,
} as const satisfies Record<string, ContentfulStatusCode>;
export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * An error the API answers with `{ error: { code, message, details? }, request_id }` and the
 * status of its code.
 *
 * @example
 * throw new ApiError('not_found', 'session "demo" does not exist');
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  get status(): ContentfulStatusCode {
    return ERROR_STATUS[this.code];
  }
}

/** The JSON error body, with the request id. */
export function errorBody(c: Context, code: ErrorCode, message: string, details?: unknown) {
  return {
    error: details === undefined ? { code, message } : { code, message, details },
    request_id: c.get('requestId') as string,
  };
}

/**
 * Answers an ApiError (or anything else, as a 500 without internals) in the one error format.
 *
 * @example
 * app.onError(respondWithError);
 */
export function respondWithError(error: unknown, c: Context): Response {
  if (error instanceof ApiError) {
    return c.json(errorBody(c, error.code, error.message, error.details), error.status, error.headers);
  }
  c.get('log')?.error({ err: error instanceof Error ? error.stack : String(error) }, 'unhandled error');
  return c.json(errorBody(c, 'internal', 'the gateway failed to answer; the request id is in its logs'), 500);
}
