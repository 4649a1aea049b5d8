import { type Database, type SecretBox, WebhooksRepository } from '@wagate/db';
import { createMiddleware } from 'hono/factory';
import { ApiError } from '../http/errors';
import type { GatewayEnv } from '../http/request-context';
import { canUseSession, isUnscoped } from './principal';

/**
 * Answers 404 at once when a path names a session the caller's token is not scoped to, before the
 * body is even read: a scoped token learns nothing of other sessions, not even which of its
 * requests would be valid. `param` names the path parameter holding the session (a seed 002 phone
 * number is its session id without `+`).
 *
 * @example
 * app.use('/api/v1/sessions/:id/*', sessionScope('id'));
 */
export function sessionScope(param: string) {
  return createMiddleware<GatewayEnv>(async (c, next) => {
    const value = c.req.param(param);
    const sessionId = value?.replace(/^\+/, '');
    if (sessionId && !canUseSession(c.get('principal'), sessionId)) {
      throw new ApiError('not_found', `session "${sessionId}" does not exist`);
    }
    await next();
  });
}

/**
 * Refuses (404) a token scoped to sessions on a webhook of another session, or a global one,
 * before the body is read: the routes below validate bodies, and a scoped caller must learn
 * nothing about webhooks it cannot see, not even their body shape.
 *
 * @example
 * app.use('/api/v1/webhooks/:webhook_id/*', webhookScope(deps));
 */
export function webhookScope(deps: { db: Database; secretBox: SecretBox }) {
  const webhooks = new WebhooksRepository(deps.db, deps.secretBox);
  return createMiddleware<GatewayEnv>(async (c, next) => {
    const principal = c.get('principal');
    const webhookId = c.req.param('webhook_id');
    if (webhookId && !isUnscoped(principal)) {
      const row = await webhooks.get(webhookId);
      if (!row?.accountId || !canUseSession(principal, row.accountId)) {
        throw new ApiError('not_found', `webhook "${webhookId}" does not exist`);
      }
    }
    await next();
  });
}
