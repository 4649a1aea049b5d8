import { createHash } from 'node:crypto';
import { type Database, IdempotencyKeysRepository } from '@wagate/db';
import { createMiddleware } from 'hono/factory';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError } from './errors';
import type { GatewayEnv } from './request-context';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` on POST: the first request with a key claims it (per principal) and its answer
 * is stored in PostgreSQL; a retry with the same key and body gets that answer again
 * (`Idempotent-Replayed: true`) on any replica, a retry while the first still runs gets 409, the
 * same key with another body 422. Answers of 5xx are not kept, so such a request may be retried.
 *
 * @example
 * app.use('/api/*', idempotency(db, 24 * 3_600_000));
 */
export function idempotency(db: Database, ttlMs: number) {
  const keys = new IdempotencyKeysRepository(db);
  return createMiddleware<GatewayEnv>(async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (key === undefined || c.req.method !== 'POST') return next();
    if (!KEY_PATTERN.test(key)) {
      throw new ApiError('invalid_request', 'Idempotency-Key must be 1-255 printable ASCII characters');
    }
    const principal = c.get('principal');
    const principalKey = `${principal.kind}:${principal.id}`;
    const body = new Uint8Array(await c.req.arrayBuffer());
    const requestHash = createHash('sha256')
      .update(`${c.req.method} ${c.req.path}\n`)
      .update(body)
      .digest('hex');
    const earlier = await keys.claim({
      principal: principalKey,
      key,
      method: c.req.method,
      path: c.req.path,
      requestHash,
      expiresAt: new Date(Date.now() + ttlMs),
    });
    if (earlier) {
      if (earlier.requestHash !== requestHash) {
        throw new ApiError('idempotency_mismatch', 'this Idempotency-Key was used with another request');
      }
      if (earlier.statusCode === null) {
        throw new ApiError(
          'conflict',
          'a request with this Idempotency-Key is still being processed',
          undefined,
          {
            'Retry-After': '1',
          },
        );
      }
      c.header('Idempotent-Replayed', 'true');
      return c.json(earlier.responseBody, earlier.statusCode as ContentfulStatusCode);
    }
    try {
      await next();
    } catch (error) {
      await keys.release(principalKey, key);
      throw error;
    }
    const status = c.res.status;
    const isJson = c.res.headers.get('content-type')?.includes('application/json');
    if (status >= 500 || !isJson) {
      await keys.release(principalKey, key);
      return;
    }
    await keys.complete(principalKey, key, status, await c.res.clone().json());
  });
}
