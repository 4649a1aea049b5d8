import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { MediaSource } from '@wagate/contracts';
import { ApiError } from '../http/errors';
import { errors, json, jsonBody } from '../http/openapi';
import type { GatewayEnv } from '../http/request-context';
import type { GatewayRouteDeps } from '../http/route-deps';
import { callWorker } from '../http/worker-calls';
import { SessionParam } from '../messages/views';
import type { AccountLookup } from '../sessions/account-lookup';

const tags = ['Profile'];
const workerErrors = errors(400, 401, 404, 409, 502, 503, 504);

const getProfile = createRoute({
  method: 'get',
  path: '/api/v1/sessions/{id}/profile',
  tags,
  summary: 'The session’s own profile',
  request: { params: z.object({ id: SessionParam }) },
  responses: {
    200: json(
      z
        .object({
          name: z.string().nullable(),
          about: z.string().nullable(),
          picture_url: z.string().nullable(),
        })
        .openapi('Profile'),
      'Push name, about text and picture.',
    ),
    ...workerErrors,
  },
});

const updateProfile = createRoute({
  method: 'patch',
  path: '/api/v1/sessions/{id}/profile',
  tags,
  summary: 'Change name, about or picture',
  request: {
    params: z.object({ id: SessionParam }),
    body: jsonBody(
      z
        .object({
          name: z.string().trim().min(1).max(25).optional(),
          about: z.string().max(139).optional(),
          picture: MediaSource.optional(),
        })
        .openapi('UpdateProfile'),
    ),
  },
  responses: { 200: json(z.object({ success: z.literal(true) }), 'Changed.'), ...workerErrors },
});

/**
 * The session's own profile: push name, about text, picture.
 *
 * @example
 * app.route('/', profileRoutes(deps, lookup));
 */
export function profileRoutes(deps: GatewayRouteDeps, lookup: AccountLookup) {
  const app = new OpenAPIHono<GatewayEnv>();

  app.openapi(getProfile, async (c) => {
    const account = await lookup.require(c.get('principal'), c.req.valid('param').id, 'web');
    const profile = await callWorker(deps, account.id, 'profile.get', {});
    return c.json({ name: profile.name, about: profile.about, picture_url: profile.pictureUrl }, 200);
  });

  app.openapi(updateProfile, async (c) => {
    const account = await lookup.require(c.get('principal'), c.req.valid('param').id, 'web');
    const body = c.req.valid('json');
    if (body.name === undefined && body.about === undefined && body.picture === undefined) {
      throw new ApiError('invalid_request', 'give at least one of name, about, picture');
    }
    await callWorker(deps, account.id, 'profile.update', body);
    return c.json({ success: true as const }, 200);
  });

  return app;
}
