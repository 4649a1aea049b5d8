import { randomUUID } from 'node:crypto';
import type { Logger } from '@wagate/observability';
import { createMiddleware } from 'hono/factory';
import type { Principal } from '../auth/principal';

/** What middleware puts on every request's context. */
export interface GatewayVariables {
  requestId: string;
  log: Logger;
  principal: Principal;
}

export type GatewayEnv = { Variables: GatewayVariables };

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every request an id (the caller's `X-Request-Id` when well-formed), returns it in the
 * `X-Request-Id` header, binds it to a child logger, and logs the request's outcome.
 *
 * @example
 * app.use(requestContext(log));
 */
export function requestContext(log: Logger) {
  return createMiddleware<GatewayEnv>(async (c, next) => {
    const given = c.req.header('x-request-id');
    const requestId = given && REQUEST_ID_PATTERN.test(given) ? given : `req_${randomUUID()}`;
    const requestLog = log.child({ request_id: requestId });
    c.set('requestId', requestId);
    c.set('log', requestLog);
    const started = performance.now();
    await next();
    c.header('X-Request-Id', requestId);
    const ms = Math.round((performance.now() - started) * 10) / 10;
    const status = c.res.status;
    const line = { method: c.req.method, path: c.req.path, status, ms };
    if (status >= 500) requestLog.error(line, 'request failed');
    else requestLog.debug(line, 'request');
  });
}
