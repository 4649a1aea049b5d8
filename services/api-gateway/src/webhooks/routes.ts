import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { AccountId } from '@wagate/contracts';
import { type WebhookRow, WebhooksRepository, WebhookUrlTakenError } from '@wagate/db';
import { canUseSession, type Principal, requireUnscoped } from '../auth/principal';
import { ApiError } from '../http/errors';
import { errors, json, jsonBody } from '../http/openapi';
import type { GatewayEnv } from '../http/request-context';
import type { GatewayRouteDeps } from '../http/route-deps';
import { SessionParam } from '../messages/views';
import type { AccountLookup } from '../sessions/account-lookup';
import {
  CreatedWebhook,
  CreateWebhookBody,
  eventList,
  filtersOf,
  setsFilters,
  UpdateWebhookBody,
  WebhookView,
  webhookView,
} from './subscription';

const tags = ['Webhooks'];
const WebhookIdParam = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a webhook id')
  .openapi({ param: { name: 'webhook_id', in: 'path' }, example: 'wh_01JD3X8Q0Y5V6W7Z8A9B0C1D2E' });
const WebhookList = z
  .object({ webhooks: z.array(WebhookView), total: z.number().int() })
  .openapi('WebhookList');
const Deleted = z.object({ success: z.literal(true), deleted: z.number().int() });

const listEvents = createRoute({
  method: 'get',
  path: '/api/v1/webhooks/events',
  tags,
  summary: 'Event types',
  description: 'Every event type a webhook can subscribe to, with its description and schema version.',
  responses: {
    200: json(
      z.object({
        events: z.array(z.object({ type: z.string(), description: z.string(), version: z.number().int() })),
      }),
      'The event catalog.',
    ),
    ...errors(401),
  },
});

const listWebhooks = createRoute({
  method: 'get',
  path: '/api/v1/webhooks',
  tags,
  summary: 'List webhooks',
  description:
    'Global subscriptions and those of every session the caller may see; `session_id` narrows to one session.',
  request: { query: z.object({ session_id: AccountId.optional() }) },
  responses: { 200: json(WebhookList, 'The subscriptions.'), ...errors(400, 401, 404) },
});

const createWebhook = createRoute({
  method: 'post',
  path: '/api/v1/webhooks',
  tags,
  summary: 'Create a webhook',
  description:
    'A subscription for one session or, without `session_id`, for every session. The URL is unique per session; the secret is returned once. Filters follow seed 003.',
  request: { body: jsonBody(CreateWebhookBody) },
  responses: {
    201: json(CreatedWebhook, 'The subscription, with its secret (shown once).'),
    ...errors(400, 401, 403, 404, 409),
  },
});

const deleteAllWebhooks = createRoute({
  method: 'delete',
  path: '/api/v1/webhooks',
  tags,
  summary: 'Delete all webhooks',
  description: 'Every subscription of `session_id`, or every global one without it.',
  request: { query: z.object({ session_id: AccountId.optional() }) },
  responses: { 200: json(Deleted, 'Deleted.'), ...errors(400, 401, 403, 404) },
});

const getWebhook = createRoute({
  method: 'get',
  path: '/api/v1/webhooks/{webhook_id}',
  tags,
  summary: 'Get a webhook',
  request: { params: z.object({ webhook_id: WebhookIdParam }) },
  responses: { 200: json(WebhookView, 'The subscription.'), ...errors(400, 401, 404) },
});

const updateWebhook = createRoute({
  method: 'patch',
  path: '/api/v1/webhooks/{webhook_id}',
  tags,
  summary: 'Update a webhook',
  description:
    'Changes the given fields; filter fields replace the stored ones of the same name. `enabled: true` re-enables a disabled endpoint.',
  request: { params: z.object({ webhook_id: WebhookIdParam }), body: jsonBody(UpdateWebhookBody) },
  responses: { 200: json(WebhookView, 'The subscription.'), ...errors(400, 401, 404, 409) },
});

const deleteWebhook = createRoute({
  method: 'delete',
  path: '/api/v1/webhooks/{webhook_id}',
  tags,
  summary: 'Delete a webhook',
  request: { params: z.object({ webhook_id: WebhookIdParam }) },
  responses: { 200: json(Deleted, 'Deleted.'), ...errors(400, 401, 404) },
});

const sessionWebhooks = createRoute({
  method: 'get',
  path: '/api/v1/sessions/{id}/webhooks',
  tags,
  summary: 'Webhooks of a session',
  request: { params: z.object({ id: SessionParam }) },
  responses: { 200: json(WebhookList, 'The session’s own subscriptions.'), ...errors(400, 401, 404) },
});

const createSessionWebhook = createRoute({
  method: 'post',
  path: '/api/v1/sessions/{id}/webhooks',
  tags,
  summary: 'Create a webhook for a session',
  request: { params: z.object({ id: SessionParam }), body: jsonBody(CreateWebhookBody) },
  responses: {
    201: json(CreatedWebhook, 'The subscription, with its secret (shown once).'),
    ...errors(400, 401, 404, 409),
  },
});

const deleteSessionWebhooks = createRoute({
  method: 'delete',
  path: '/api/v1/sessions/{id}/webhooks',
  tags,
  summary: 'Delete every webhook of a session',
  request: { params: z.object({ id: SessionParam }) },
  responses: { 200: json(Deleted, 'Deleted.'), ...errors(400, 401, 404) },
});

/**
 * Webhook subscriptions CRUD (seeds 002, 003, 004): global and per session, seed 003's filters,
 * custom headers, URL unique per session, secret shown once, delete-all, and the event list. The
 * webhook dispatcher delivers them.
 *
 * @example
 * app.route('/', webhookRoutes(deps, lookup));
 */
export function webhookRoutes(deps: GatewayRouteDeps, lookup: AccountLookup) {
  const webhooks = new WebhooksRepository(deps.db, deps.secretBox);
  const app = new OpenAPIHono<GatewayEnv>();

  /** A subscription the principal may see, or 404. */
  const visible = async (principal: Principal, id: string): Promise<WebhookRow> => {
    const row = await webhooks.get(id);
    const allowed =
      row &&
      (row.accountId === null
        ? principal.kind !== 'token' || principal.sessionIds === null
        : canUseSession(principal, row.accountId));
    if (!row || !allowed) throw new ApiError('not_found', `webhook "${id}" does not exist`);
    return row;
  };

  const create = async (principal: Principal, sessionId: string | null, body: CreateWebhookBody) => {
    if (sessionId === null) requireUnscoped(principal, 'manage global webhooks');
    else await lookup.require(principal, sessionId);
    try {
      const { webhook, secret } = await webhooks.create({
        accountId: sessionId,
        url: body.url,
        events: body.events ?? [],
        filters: filtersOf(body),
        headers: body.headers ?? {},
        secret: body.secret,
        rateLimitPerSecond: body.rate_limit_per_second ?? null,
        ordered: body.ordered ?? false,
      });
      if (body.enabled === false) await webhooks.update(webhook.id, { enabled: false });
      return { ...webhookView({ ...webhook, enabled: body.enabled ?? true }), secret };
    } catch (error) {
      if (error instanceof WebhookUrlTakenError) {
        throw new ApiError(
          'conflict',
          `a webhook for ${body.url} exists already for ${sessionId ? `session "${sessionId}"` : 'every session'}`,
        );
      }
      throw error;
    }
  };

  app.openapi(listEvents, (c) => c.json({ events: eventList() }, 200));

  app.openapi(listWebhooks, async (c) => {
    const principal = c.get('principal');
    const sessionId = c.req.valid('query').session_id;
    let rows: WebhookRow[];
    if (sessionId) {
      await lookup.require(principal, sessionId);
      rows = await webhooks.list({ accountId: sessionId });
    } else if (principal.kind === 'token' && principal.sessionIds !== null) {
      rows = await webhooks.list({ accountIds: principal.sessionIds });
    } else {
      rows = await webhooks.list();
    }
    return c.json({ webhooks: rows.map(webhookView), total: rows.length }, 200);
  });

  app.openapi(createWebhook, async (c) => {
    const body = c.req.valid('json');
    return c.json(await create(c.get('principal'), body.session_id ?? null, body), 201);
  });

  app.openapi(deleteAllWebhooks, async (c) => {
    const principal = c.get('principal');
    const sessionId = c.req.valid('query').session_id;
    if (sessionId) await lookup.require(principal, sessionId);
    else requireUnscoped(principal, 'manage global webhooks');
    const deleted = await webhooks.deleteAll(sessionId ?? null);
    return c.json({ success: true as const, deleted }, 200);
  });

  app.openapi(getWebhook, async (c) =>
    c.json(webhookView(await visible(c.get('principal'), c.req.valid('param').webhook_id)), 200),
  );

  app.openapi(updateWebhook, async (c) => {
    const row = await visible(c.get('principal'), c.req.valid('param').webhook_id);
    const body = c.req.valid('json');
    const filters = setsFilters(body) ? { ...row.filters, ...filtersOf(body) } : undefined;
    if (
      filters &&
      (filters.settingsTypes?.length ?? 0) > 0 &&
      ((filters.chatTypes?.length ?? 0) > 0 || (filters.messageTypes?.length ?? 0) > 0)
    ) {
      throw new ApiError('invalid_request', 'the request body is invalid', [
        {
          path: 'settings_types',
          message: 'settings_types cannot be combined with chat_types or message_types (seed 003)',
        },
      ]);
    }
    try {
      const updated = await webhooks.update(row.id, {
        ...(body.url !== undefined ? { url: body.url } : {}),
        ...(body.events !== undefined ? { events: body.events } : {}),
        ...(body.headers !== undefined ? { headers: body.headers } : {}),
        ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
        ...(body.rate_limit_per_second !== undefined
          ? { rateLimitPerSecond: body.rate_limit_per_second }
          : {}),
        ...(body.ordered !== undefined ? { ordered: body.ordered } : {}),
        ...(filters ? { filters } : {}),
      });
      if (!updated) throw new ApiError('not_found', `webhook "${row.id}" does not exist`);
      return c.json(webhookView(updated), 200);
    } catch (error) {
      if (error instanceof WebhookUrlTakenError)
        throw new ApiError('conflict', `a webhook for ${body.url} exists already for this session`);
      throw error;
    }
  });

  app.openapi(deleteWebhook, async (c) => {
    const row = await visible(c.get('principal'), c.req.valid('param').webhook_id);
    const deleted = (await webhooks.delete(row.id)) ? 1 : 0;
    if (!deleted) throw new ApiError('not_found', `webhook "${row.id}" does not exist`);
    return c.json({ success: true as const, deleted }, 200);
  });

  app.openapi(sessionWebhooks, async (c) => {
    const account = await lookup.require(c.get('principal'), c.req.valid('param').id);
    const rows = await webhooks.list({ accountId: account.id });
    return c.json({ webhooks: rows.map(webhookView), total: rows.length }, 200);
  });

  app.openapi(createSessionWebhook, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    if (body.session_id && body.session_id !== id) {
      throw new ApiError('invalid_request', 'session_id of the body differs from the session of the path');
    }
    return c.json(await create(c.get('principal'), id, body), 201);
  });

  app.openapi(deleteSessionWebhooks, async (c) => {
    const account = await lookup.require(c.get('principal'), c.req.valid('param').id);
    return c.json({ success: true as const, deleted: await webhooks.deleteAll(account.id) }, 200);
  });

  return app;
}
