import { createMiddleware } from 'hono/factory';
import { ApiError } from './errors';
import type { GatewayEnv } from './request-context';

/**
 * Refuses (400) a NUL character in the URL or a JSON body: PostgreSQL text cannot hold one, so it
 * would otherwise fail deep inside a query instead of as a clear client error.
 *
 * @example
 * app.use('/api/*', refuseNul());
 */
export function refuseNul() {
  return createMiddleware<GatewayEnv>(async (c, next) => {
    if (c.req.url.includes('%00') || c.req.url.includes('\u0000')) {
      throw new ApiError('invalid_request', 'the URL holds a NUL character');
    }
    if (c.req.header('content-type')?.includes('json')) {
      const text = await c.req.text();
      if (text.includes('\\u0000'))
        throw new ApiError('invalid_request', 'the body holds a NUL character (\\u0000)');
      // Hono would parse the cached text through a new Response per request; parse it once, lazily
      // (a thenable, so a route that never reads JSON leaves no rejected promise behind).
      c.req.bodyCache.json = {
        // biome-ignore lint/suspicious/noThenProperty: hono awaits the cached body; this defers the parse
        then: (resolve: (value: unknown) => void, reject: (error: unknown) => void) => {
          try {
            resolve(JSON.parse(text));
          } catch (error) {
            reject(error);
          }
        },
      } as Promise<unknown>;
    }
    await next();
  });
}
