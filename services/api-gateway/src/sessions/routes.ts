import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { newId } from '@wagate/contracts';
import { AccountExistsError, type AccountRow, AccountsRepository, WebhooksRepository } from '@wagate/db';
import QRCode from 'qrcode';
import { AccountAdmin } from '../accounts/account-admin';
import { requireUnscoped } from '../auth/principal';
import { ApiError } from '../http/errors';
import { errors, json, jsonBody } from '../http/openapi';
import type { GatewayEnv } from '../http/request-context';
import type { GatewayRouteDeps } from '../http/route-deps';
import { callWorker, sendCommand } from '../http/worker-calls';
import { recipientJid } from '../messages/recipients';
import type { AccountLookup } from './account-lookup';
import {
  CreateSessionBody,
  SessionIdParam,
  SessionSettings,
  SessionStatusView,
  SessionView,
  sessionView,
  statusViewOfRow,
  statusViewOfSummary,
} from './views';

const tags = ['Sessions'];
const Success = z.object({ success: z.literal(true), message: z.string() });

const createSession = createRoute({
  method: 'post',
  path: '/api/v1/sessions',
  tags,
  summary: 'Create a session',
  description: 'Creates a web session and starts connecting it to WhatsApp (seed 004).',
  request: { body: jsonBody(CreateSessionBody) },
  responses: {
    201: json(z.object({ session: SessionView }), 'The session, connecting.'),
    ...errors(400, 401, 403, 409, 503),
  },
});

const listSessions = createRoute({
  method: 'get',
  path: '/api/v1/sessions',
  tags,
  summary: 'List sessions',
  responses: {
    200: json(
      z.object({ sessions: z.array(SessionView), total: z.number().int() }),
      'Every session visible to the caller.',
    ),
    ...errors(401),
  },
});

const getSession = createRoute({
  method: 'get',
  path: '/api/v1/sessions/{id}',
  tags,
  summary: 'Get a session',
  request: { params: SessionIdParam },
  responses: { 200: json(SessionView, 'The session.'), ...errors(400, 401, 404) },
});

const updateSession = createRoute({
  method: 'patch',
  path: '/api/v1/sessions/{id}',
  tags,
  summary: 'Rename a session or change its pacing',
  description: 'Pacing settings (messages per minute, jitter, per-recipient spacing) apply to later sends.',
  request: {
    params: SessionIdParam,
    body: jsonBody(
      z
        .object({
          name: z.string().trim().min(1).max(128).nullable().optional(),
          settings: SessionSettings.optional(),
        })
        .strict()
        .openapi('UpdateSession'),
    ),
  },
  responses: { 200: json(SessionView, 'The session.'), ...errors(400, 401, 404) },
});

const deleteSession = createRoute({
  method: 'delete',
  path: '/api/v1/sessions/{id}',
  tags,
  summary: 'Delete a session',
  description:
    'Stops the session and deletes it with its webhooks (seed 004). With `logout=true` the device is unlinked from the phone first; otherwise its credentials stay stored (seed 000: session data is not deleted unless asked).',
  request: {
    params: SessionIdParam,
    query: z.object({
      logout: z.enum(['true', 'false']).optional().meta({ description: 'Unlink the device first' }),
    }),
  },
  responses: { 200: json(Success, 'Deleted.'), ...errors(400, 401, 403, 404, 502, 504) },
});

const sessionStatus = createRoute({
  method: 'get',
  path: '/api/v1/sessions/{id}/status',
  tags,
  summary: 'Get the connection status',
  description: 'The status the owning worker last recorded (seed 004); answers while workers fail over.',
  request: { params: SessionIdParam },
  responses: { 200: json(SessionStatusView, 'The status.'), ...errors(400, 401, 404) },
});

const QrAnswer = z
  .object({
    qr_codes: z.array(z.string()).openapi({ example: ['2@ABC123...'] }),
    timeout_seconds: z.number().int().openapi({ example: 60 }),
    status: SessionStatusView.shape.status,
  })
  .openapi('Qr');

const sessionQr = createRoute({
  method: 'get',
  path: '/api/v1/sessions/{id}/qr',
  tags,
  summary: 'Get the QR code',
  description:
    'The QR code(s) to scan (seed 004); starts pairing when the session has no credentials. `format=png` or `format=svg` renders the current code as an image.',
  request: {
    params: SessionIdParam,
    query: z.object({ format: z.enum(['json', 'png', 'svg']).optional() }),
  },
  responses: {
    200: {
      description: 'The QR code(s), or the current one as an image.',
      content: {
        'application/json': { schema: QrAnswer },
        'image/png': { schema: z.string().meta({ format: 'binary' }) },
        'image/svg+xml': { schema: z.string() },
      },
    },
    ...errors(400, 401, 404, 409, 502, 503, 504),
  },
});

const lifecycle = (
  op: 'connect' | 'disconnect' | 'logout' | 'restart',
  summary: string,
  description: string,
) =>
  createRoute({
    method: 'post',
    path: `/api/v1/sessions/{id}/${op}`,
    tags,
    summary,
    description,
    request: { params: SessionIdParam },
    responses: {
      200: json(SessionStatusView, 'The status after the change.'),
      ...errors(400, 401, 404, 409, 502, 503, 504),
    },
  });

const pairSession = createRoute({
  method: 'post',
  path: '/api/v1/sessions/{id}/pair',
  tags,
  summary: 'Pair with a phone number',
  description:
    'Returns the code (`ABCD-EFGH`) to type on the phone instead of scanning a QR code (seed 004).',
  request: {
    params: SessionIdParam,
    body: jsonBody(
      z
        .object({
          phone_number: z.string().min(7).max(32).openapi({ example: '+628123456789' }),
          show_push_notification: z.boolean().optional(),
        })
        .openapi('Pair'),
    ),
  },
  responses: {
    200: json(
      z.object({ code: z.string().openapi({ example: 'ABCD-EFGH' }), timeout_seconds: z.number().int() }),
      'The pairing code.',
    ),
    ...errors(400, 401, 404, 409, 502, 503, 504),
  },
});

const sessionDevice = createRoute({
  method: 'get',
  path: '/api/v1/sessions/{id}/device',
  tags,
  summary: 'Get the linked device',
  request: { params: SessionIdParam },
  responses: {
    200: json(
      z
        .object({
          device_id: z.number().int().nullable(),
          phone_number: z.string().nullable(),
          lid: z.string().nullable(),
          push_name: z.string().nullable(),
        })
        .openapi('Device'),
      'Device id, phone number, LID and push name (seed 004).',
    ),
    ...errors(400, 401, 404, 409, 502, 503, 504),
  },
});

const SETTINGS_FIELDS = {
  messages_per_minute: 'messagesPerMinute',
  jitter_ms: 'jitterMs',
  simulate_typing: 'simulateTyping',
  per_recipient_spacing_ms: 'perRecipientSpacingMs',
  reject_calls: 'rejectCalls',
  auto_read: 'autoRead',
} as const;

/**
 * Session routes of seed 004: create, list, get, update, delete, status, QR (JSON or image),
 * connect, disconnect, logout, restart, pair by phone number, device info.
 *
 * @example
 * app.route('/', sessionRoutes(deps, lookup));
 */
export function sessionRoutes(deps: GatewayRouteDeps, lookup: AccountLookup) {
  const accounts = new AccountsRepository(deps.db, deps.topology.partitions);
  const webhooks = new WebhooksRepository(deps.db, deps.secretBox);
  const admin = new AccountAdmin(deps, lookup);
  const app = new OpenAPIHono<GatewayEnv>();

  app.openapi(createSession, async (c) => {
    const body = c.req.valid('json');
    requireUnscoped(c.get('principal'), 'create sessions');
    const id = body.id ?? newId().toLowerCase();
    let row: AccountRow;
    try {
      row = await accounts.create({ id, kind: 'web', name: body.name ?? null });
    } catch (error) {
      if (error instanceof AccountExistsError)
        throw new ApiError('conflict', `session "${id}" already exists`);
      throw error;
    }
    lookup.forget(id);
    try {
      if (body.webhook) {
        await webhooks.create({
          accountId: id,
          url: body.webhook.url,
          events: body.webhook.events ?? [],
          secret: body.webhook.secret,
        });
      }
      await sendCommand(deps, id, 'session.connect', {});
    } catch (error) {
      // Nothing is half-created: the client may retry the same request.
      await accounts.delete(id);
      await webhooks.deleteAll(id);
      lookup.forget(id);
      c.get('log').error({ err: (error as Error).message, session: id }, 'could not queue the session start');
      throw new ApiError('unavailable', 'the session could not be started now; retry shortly', undefined, {
        'Retry-After': '2',
      });
    }
    c.get('log').info({ session: id }, 'session created');
    return c.json({ session: { ...sessionView(row), status: 'connecting' as const } }, 201);
  });

  app.openapi(listSessions, async (c) => {
    const principal = c.get('principal');
    const ids = principal.kind === 'token' ? (principal.sessionIds ?? undefined) : undefined;
    const rows = await accounts.list({ kind: 'web', ids });
    return c.json({ sessions: rows.map(sessionView), total: rows.length }, 200);
  });

  app.openapi(getSession, async (c) => {
    const row = await lookup.requireFresh(c.get('principal'), c.req.valid('param').id, 'web');
    return c.json(sessionView(row), 200);
  });

  app.openapi(updateSession, async (c) => {
    const current = await lookup.require(c.get('principal'), c.req.valid('param').id, 'web');
    const body = c.req.valid('json');
    const settings = { ...current.settings };
    for (const [field, key] of Object.entries(SETTINGS_FIELDS)) {
      const value = body.settings?.[field as keyof typeof SETTINGS_FIELDS];
      if (value !== undefined) Object.assign(settings, { [key]: value });
    }
    const row = await accounts.update(current.id, {
      ...(body.name !== undefined ? { name: body.name } : {}),
      settings,
    });
    lookup.forget(current.id);
    if (!row) throw new ApiError('not_found', `session "${current.id}" does not exist`);
    return c.json(sessionView(row), 200);
  });

  app.openapi(deleteSession, async (c) => {
    const row = await lookup.require(c.get('principal'), c.req.valid('param').id, 'web');
    await admin.remove(row.id, { logout: c.req.valid('query').logout === 'true' }, c.get('log'));
    return c.json({ success: true as const, message: 'Session deleted' }, 200);
  });

  app.openapi(sessionStatus, async (c) => {
    const row = await lookup.requireFresh(c.get('principal'), c.req.valid('param').id, 'web');
    return c.json(statusViewOfRow(row), 200);
  });

  app.openapi(sessionQr, async (c) => {
    const row = await lookup.require(c.get('principal'), c.req.valid('param').id, 'web');
    const qr = await callWorker(deps, row.id, 'session.qr', {});
    const format = c.req.valid('query').format ?? 'json';
    if (format === 'json') {
      return c.json({ qr_codes: qr.qrCodes, timeout_seconds: qr.timeoutSeconds, status: qr.status }, 200);
    }
    const current = qr.qrCodes.at(-1);
    if (!current) throw new ApiError('conflict', `session "${row.id}" shows no QR code while ${qr.status}`);
    if (format === 'svg') {
      return c.body(await QRCode.toString(current, { type: 'svg', margin: 2 }), 200, {
        'Content-Type': 'image/svg+xml',
        'Cache-Control': 'no-store',
      });
    }
    const png = await QRCode.toBuffer(current, { type: 'png', margin: 2, width: 320 });
    return c.body(new Uint8Array(png), 200, { 'Content-Type': 'image/png', 'Cache-Control': 'no-store' });
  });

  const lifecycleRoutes = [
    [
      'connect',
      'session.connect',
      'Connect',
      'Connects now (no-op when connected); a new session starts pairing.',
    ],
    [
      'disconnect',
      'session.disconnect',
      'Disconnect',
      'Closes the socket and keeps the credentials (seed 004).',
    ],
    ['logout', 'session.logout', 'Log out', 'Unlinks the device from the phone and removes the credentials.'],
    ['restart', 'session.restart', 'Restart', 'Closes and reopens the socket with the stored credentials.'],
  ] as const;
  for (const [path, op, summary, description] of lifecycleRoutes) {
    app.openapi(lifecycle(path, summary, description), async (c) => {
      const row = await lookup.require(c.get('principal'), c.req.valid('param').id, 'web');
      const summaryReply = await callWorker(deps, row.id, op, {});
      lookup.forget(row.id);
      return c.json(statusViewOfSummary(summaryReply), 200);
    });
  }

  app.openapi(pairSession, async (c) => {
    const row = await lookup.require(c.get('principal'), c.req.valid('param').id, 'web');
    const body = c.req.valid('json');
    const jid = recipientJid(body.phone_number, undefined, 'phone_number');
    const pair = await callWorker(deps, row.id, 'session.pair', {
      phoneNumber: jid.slice(0, jid.indexOf('@')),
      showPushNotification: body.show_push_notification ?? true,
    });
    return c.json({ code: pair.code, timeout_seconds: pair.timeoutSeconds }, 200);
  });

  app.openapi(sessionDevice, async (c) => {
    const row = await lookup.require(c.get('principal'), c.req.valid('param').id, 'web');
    const device = await callWorker(deps, row.id, 'session.device', {});
    return c.json(
      {
        device_id: device.deviceId,
        phone_number: device.phoneNumber,
        lid: device.lid,
        push_name: device.pushName,
      },
      200,
    );
  });

  return app;
}
