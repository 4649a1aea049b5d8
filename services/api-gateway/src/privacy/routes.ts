import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { errors, json, jsonBody } from '../http/openapi';
import type { GatewayEnv } from '../http/request-context';
import type { GatewayRouteDeps } from '../http/route-deps';
import { callWorker } from '../http/worker-calls';
import { SessionParam } from '../messages/views';
import type { AccountLookup } from '../sessions/account-lookup';

const tags = ['Privacy'];
const workerErrors = errors(400, 401, 404, 409, 502, 503, 504);

const getPrivacy = createRoute({
  method: 'get',
  path: '/api/v1/sessions/{id}/privacy',
  tags,
  summary: 'Privacy settings',
  description:
    'Who sees last seen, online, profile picture, status (seed 003 status privacy), read receipts; who may add to groups.',
  request: { params: z.object({ id: SessionParam }) },
  responses: {
    200: json(
      z.object({ settings: z.record(z.string(), z.string()) }).openapi('Privacy'),
      'Each setting and its value.',
    ),
    ...workerErrors,
  },
});

const updatePrivacy = createRoute({
  method: 'patch',
  path: '/api/v1/sessions/{id}/privacy',
  tags,
  summary: 'Change a privacy setting',
  request: {
    params: z.object({ id: SessionParam }),
    body: jsonBody(
      z
        .object({
          setting: z.enum(['last', 'online', 'profile', 'status', 'readreceipts', 'groupadd', 'calladd']),
          value: z.string().min(1).max(32).openapi({ example: 'contacts' }),
        })
        .openapi('UpdatePrivacy'),
    ),
  },
  responses: { 200: json(z.object({ success: z.literal(true) }), 'Changed.'), ...workerErrors },
});

/**
 * Privacy settings of a session.
 *
 * @example
 * app.route('/', privacyRoutes(deps, lookup));
 */
export function privacyRoutes(deps: GatewayRouteDeps, lookup: AccountLookup) {
  const app = new OpenAPIHono<GatewayEnv>();

  app.openapi(getPrivacy, async (c) => {
    const account = await lookup.require(c.get('principal'), c.req.valid('param').id, 'web');
    return c.json({ settings: await callWorker(deps, account.id, 'privacy.get', {}) }, 200);
  });

  app.openapi(updatePrivacy, async (c) => {
    const account = await lookup.require(c.get('principal'), c.req.valid('param').id, 'web');
    await callWorker(deps, account.id, 'privacy.update', c.req.valid('json'));
    return c.json({ success: true as const }, 200);
  });

  return app;
}
