import { z } from '@hono/zod-openapi';

/** The error body of every non-2xx answer. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'not_found' }),
      message: z.string().openapi({ example: 'session "demo" does not exist' }),
      details: z.unknown().optional(),
    }),
    request_id: z.string().openapi({ example: 'req_01JD3X8Q0Y5V6W7Z8A9B0C1D2E' }),
  })
  .openapi('Error');

/**
 * A JSON response entry for `createRoute`.
 *
 * @example
 * responses: { 200: json(SessionView, 'The session') }
 */
export function json<S extends z.ZodType>(schema: S, description: string) {
  return { content: { 'application/json': { schema } }, description };
}

/** Error responses for `createRoute`, by status. */
export function errors(
  ...statuses: Array<400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 502 | 503 | 504>
) {
  const descriptions: Record<number, string> = {
    400: 'The request is invalid; `details` lists each problem.',
    401: 'No valid credentials.',
    403: 'The credentials may not do this.',
    404: 'No such resource (or not visible to these credentials).',
    409: 'Conflicts with the current state.',
    413: 'The body is too large.',
    415: 'The body is not of a supported media type.',
    422: 'The Idempotency-Key was used with another request.',
    429: 'Too many requests; see Retry-After.',
    502: 'A session worker or the cloud bridge answered with an error.',
    503: 'A service that must answer is unavailable; retry after Retry-After.',
    504: 'A service did not answer in time.',
  };
  return Object.fromEntries(statuses.map((status) => [status, json(ErrorBody, descriptions[status]!)]));
}

/** A JSON request body for `createRoute`. */
export function jsonBody<S extends z.ZodType>(schema: S, description?: string) {
  return { content: { 'application/json': { schema } }, required: true, description };
}
