import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  newId,
  WebhookDeliveryJob,
  type WebhookReplayRequest,
  webhookReplaySubject,
} from '@wagate/contracts';
import {
  type WebhookDeadLetterRow,
  WebhookDeliveryLog,
  type WebhookDeliveryRow,
  type WebhookRow,
  WebhooksRepository,
} from '@wagate/db';
import { canUseSession, type Principal } from '../auth/principal';
import { ApiError } from '../http/errors';
import { errors, json, jsonBody } from '../http/openapi';
import type { GatewayEnv } from '../http/request-context';
import type { GatewayRouteDeps } from '../http/route-deps';

const tags = ['Webhook deliveries'];

const WebhookIdParam = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a webhook id')
  .openapi({ param: { name: 'webhook_id', in: 'path' }, example: 'wh_01JD3X8Q0Y5V6W7Z8A9B0C1D2E' });
const DeliveryId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,200}$/, 'must be a delivery id (the webhook-id header)');
const DeliveryIdParam = DeliveryId.openapi({
  param: { name: 'delivery_id', in: 'path' },
  example: 'msg_01JD3X…_wh_01JE…',
});
const DeliveryIdQuery = DeliveryId.openapi({
  param: { name: 'delivery_id', in: 'query' },
  description: 'Only the attempts of this delivery.',
});
const DeadLetterIdParam = z
  .string()
  .regex(/^dl_[A-Za-z0-9]{1,64}$/, 'must be a dead letter id')
  .openapi({ param: { name: 'dead_letter_id', in: 'path' }, example: 'dl_01JD3X8Q0Y5V6W7Z8A9B0C1D2E' });
const PageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(50).openapi({ example: 50 }),
  cursor: z.string().max(200).optional().openapi({ description: '`next_cursor` of the previous page.' }),
};

const DeliveryAttempt = z
  .object({
    id: z.string(),
    delivery_id: z.string().openapi({ description: 'The `webhook-id` header, the same for every attempt.' }),
    event_id: z.string(),
    event_type: z.string(),
    session_id: z.string(),
    attempt: z.number().int(),
    outcome: z.enum(['delivered', 'retrying', 'failed', 'filtered']),
    status_code: z.number().int().nullable(),
    duration_ms: z.number().int().nullable(),
    response_snippet: z
      .string()
      .nullable()
      .openapi({ description: 'The first 512 characters of the answer.' }),
    error: z.string().nullable(),
    created_at: z.string().openapi({ example: '2026-01-01T12:00:00.000Z' }),
  })
  .openapi('DeliveryAttempt');

const DeadLetter = z
  .object({
    id: z.string(),
    delivery_id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    session_id: z.string(),
    reason: z.string(),
    attempts: z.number().int(),
    created_at: z.string(),
    redelivered_at: z.string().nullable(),
  })
  .openapi('DeadLetter');

const Accepted = z
  .object({ replay_id: z.string() })
  .openapi('ReplayAccepted', { description: 'The dispatcher delivers the events shortly.' });
const Redelivered = z.object({ redelivered: z.number().int() }).openapi('Redelivered');

const listAttempts = createRoute({
  method: 'get',
  path: '/api/v1/webhooks/{webhook_id}/deliveries',
  tags,
  summary: 'Delivery log',
  description: 'Every attempt to deliver to the webhook, newest first: status, latency, answer, error.',
  request: {
    params: z.object({ webhook_id: WebhookIdParam }),
    query: z.object({ ...PageQuery, delivery_id: DeliveryIdQuery.optional() }),
  },
  responses: {
    200: json(
      z.object({ attempts: z.array(DeliveryAttempt), next_cursor: z.string().nullable() }),
      'A page of attempts.',
    ),
    ...errors(400, 401, 404),
  },
});

const replayDelivery = createRoute({
  method: 'post',
  path: '/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay',
  tags,
  summary: 'Replay one delivery',
  description:
    'Delivers the event of a logged delivery again, with the same `webhook-id` (events stay replayable for the events retention, 7 days by default).',
  request: { params: z.object({ webhook_id: WebhookIdParam, delivery_id: DeliveryIdParam }) },
  responses: { 202: json(Accepted, 'The replay is queued.'), ...errors(400, 401, 404, 409, 503) },
});

const replaySince = createRoute({
  method: 'post',
  path: '/api/v1/webhooks/{webhook_id}/replay',
  tags,
  summary: 'Replay everything since a time',
  description:
    'Delivers again every stored event since `since` that the webhook selects (its events list and filters), e.g. after an outage of the receiver.',
  request: {
    params: z.object({ webhook_id: WebhookIdParam }),
    body: jsonBody(
      z.object({
        since: z.iso
          .datetime({ offset: true })
          .openapi({ example: '2026-01-01T12:00:00Z', description: 'Replay events stored since then.' }),
      }),
    ),
  },
  responses: { 202: json(Accepted, 'The replay is queued.'), ...errors(400, 401, 404, 409, 503) },
});

const listDeadLetters = createRoute({
  method: 'get',
  path: '/api/v1/webhooks/{webhook_id}/dead-letters',
  tags,
  summary: 'Dead letters',
  description:
    'Deliveries that ran out of attempts or were given up (410 Gone, webhook disabled), newest first.',
  request: {
    params: z.object({ webhook_id: WebhookIdParam }),
    query: z.object({
      ...PageQuery,
      pending: z
        .enum(['true', 'false'])
        .transform((value) => value === 'true')
        .optional()
        .openapi({ description: '`true` leaves out those already redelivered.' }),
    }),
  },
  responses: {
    200: json(
      z.object({ dead_letters: z.array(DeadLetter), next_cursor: z.string().nullable() }),
      'A page of dead letters.',
    ),
    ...errors(400, 401, 404),
  },
});

const redeliverDeadLetters = createRoute({
  method: 'post',
  path: '/api/v1/webhooks/{webhook_id}/dead-letters/redeliver',
  tags,
  summary: 'Redeliver dead letters',
  description:
    'Queues the given dead letters (`ids`), or every one not yet redelivered, for delivery again with a fresh retry schedule. Each is redelivered once per call.',
  request: {
    params: z.object({ webhook_id: WebhookIdParam }),
    body: jsonBody(z.object({ ids: z.array(DeadLetterIdParam).min(1).max(1_000).optional() })),
  },
  responses: { 202: json(Redelivered, 'How many were queued.'), ...errors(400, 401, 404, 409, 503) },
});

const redeliverDeadLetter = createRoute({
  method: 'post',
  path: '/api/v1/webhooks/{webhook_id}/dead-letters/{dead_letter_id}/redeliver',
  tags,
  summary: 'Redeliver one dead letter',
  request: { params: z.object({ webhook_id: WebhookIdParam, dead_letter_id: DeadLetterIdParam }) },
  responses: {
    202: json(Redelivered, 'Queued (0 if it was redelivered already).'),
    ...errors(400, 401, 404, 409, 503),
  },
});

function attemptView(row: WebhookDeliveryRow): z.infer<typeof DeliveryAttempt> {
  return {
    id: row.id,
    delivery_id: row.deliveryId,
    event_id: row.eventId,
    event_type: row.eventType,
    session_id: row.accountId,
    attempt: row.attempt,
    outcome: row.outcome,
    status_code: row.statusCode,
    duration_ms: row.durationMs,
    response_snippet: row.responseSnippet,
    error: row.error,
    created_at: row.createdAt.toISOString(),
  };
}

function deadLetterView(row: WebhookDeadLetterRow): z.infer<typeof DeadLetter> {
  return {
    id: row.id,
    delivery_id: row.deliveryId,
    event_id: row.eventId,
    event_type: row.eventType,
    session_id: row.accountId,
    reason: row.reason,
    attempts: row.attempts,
    created_at: row.createdAt.toISOString(),
    redelivered_at: row.redeliveredAt?.toISOString() ?? null,
  };
}

/**
 * Routes of the webhook delivery log: attempts, replay of one delivery or of everything since a
 * time (carried out by the dispatcher from `WA_EVENTS`), dead letters and their redelivery. A
 * token scoped to sessions sees only the webhooks of those sessions (global ones are hidden).
 *
 * @example
 * app.route('/', webhookDeliveryRoutes(deps));
 */
export function webhookDeliveryRoutes(deps: GatewayRouteDeps) {
  const webhooks = new WebhooksRepository(deps.db, deps.secretBox);
  const deliveryLog = new WebhookDeliveryLog(deps.db);
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

  const requireEnabled = (webhook: WebhookRow) => {
    if (!webhook.enabled) {
      throw new ApiError(
        'conflict',
        `webhook "${webhook.id}" is disabled; enable it before delivering to it`,
      );
    }
  };

  /** Publishes to WA_WEBHOOKS; NATS trouble is a 503 the client may retry. */
  const publish = async (subject: string, payload: unknown, msgId: string) => {
    try {
      await deps.bus.publish(subject, payload, { msgId });
    } catch (error) {
      deps.log.error({ err: (error as Error).message, subject }, 'could not queue a webhook delivery');
      throw new ApiError('unavailable', 'the delivery could not be queued now; retry shortly', undefined, {
        'Retry-After': '2',
      });
    }
  };

  const replay = async (
    webhook: WebhookRow,
    request: Omit<WebhookReplayRequest, 'replayId' | 'webhookId'>,
  ) => {
    const replayId = `rp_${newId()}`;
    await publish(
      webhookReplaySubject(deps.topology, webhook.id),
      { replayId, webhookId: webhook.id, ...request },
      replayId,
    );
    return replayId;
  };

  /** Queues dead letters again (each once); a failed publish leaves them pending. */
  const redeliver = async (webhook: WebhookRow, ids: string[] | 'all'): Promise<number> => {
    requireEnabled(webhook);
    const claimed = await deliveryLog.markRedelivered(webhook.id, ids);
    try {
      for (const deadLetter of claimed) {
        const job = WebhookDeliveryJob.parse(deadLetter.job);
        await publish(
          deps.topology.webhookSubject(webhook.id),
          job,
          `${deadLetter.deliveryId}:${deadLetter.id}:${deadLetter.redeliveredAt?.getTime()}`,
        );
      }
    } catch (error) {
      await deliveryLog.restoreDeadLetters(claimed.map((deadLetter) => deadLetter.id));
      throw error;
    }
    return claimed.length;
  };

  app.openapi(listAttempts, async (c) => {
    const webhook = await visible(c.get('principal'), c.req.valid('param').webhook_id);
    const { limit, cursor, delivery_id } = c.req.valid('query');
    const page = await deliveryLog.listAttempts(webhook.id, { limit, cursor, deliveryId: delivery_id });
    return c.json({ attempts: page.items.map(attemptView), next_cursor: page.nextCursor ?? null }, 200);
  });

  app.openapi(replayDelivery, async (c) => {
    const { webhook_id, delivery_id } = c.req.valid('param');
    const webhook = await visible(c.get('principal'), webhook_id);
    requireEnabled(webhook);
    const attempt = await deliveryLog.latestAttempt(webhook.id, delivery_id);
    if (!attempt)
      throw new ApiError('not_found', `delivery "${delivery_id}" of webhook "${webhook.id}" is not logged`);
    const replayId = await replay(webhook, {
      event: { id: attempt.eventId, accountId: attempt.accountId, type: attempt.eventType },
    });
    return c.json({ replay_id: replayId }, 202);
  });

  app.openapi(replaySince, async (c) => {
    const webhook = await visible(c.get('principal'), c.req.valid('param').webhook_id);
    requireEnabled(webhook);
    const { since } = c.req.valid('json');
    if (Date.parse(since) > Date.now()) throw new ApiError('invalid_request', '`since` is in the future');
    return c.json({ replay_id: await replay(webhook, { since }) }, 202);
  });

  app.openapi(listDeadLetters, async (c) => {
    const webhook = await visible(c.get('principal'), c.req.valid('param').webhook_id);
    const { limit, cursor, pending } = c.req.valid('query');
    const page = await deliveryLog.listDeadLetters(webhook.id, { limit, cursor, pending });
    return c.json(
      { dead_letters: page.items.map(deadLetterView), next_cursor: page.nextCursor ?? null },
      200,
    );
  });

  app.openapi(redeliverDeadLetters, async (c) => {
    const webhook = await visible(c.get('principal'), c.req.valid('param').webhook_id);
    const { ids } = c.req.valid('json');
    return c.json({ redelivered: await redeliver(webhook, ids ?? 'all') }, 202);
  });

  app.openapi(redeliverDeadLetter, async (c) => {
    const { webhook_id, dead_letter_id } = c.req.valid('param');
    const webhook = await visible(c.get('principal'), webhook_id);
    if (!(await deliveryLog.deadLetter(webhook.id, dead_letter_id)))
      throw new ApiError('not_found', `dead letter "${dead_letter_id}" does not exist`);
    return c.json({ redelivered: await redeliver(webhook, [dead_letter_id]) }, 202);
  });

  return app;
}
