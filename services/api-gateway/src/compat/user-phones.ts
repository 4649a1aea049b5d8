import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { type OutboundContent, OutboundContent as OutboundContentSchema } from '@wagate/contracts';
import {
  AccountExistsError,
  AccountsRepository,
  DirectoryListingsRepository,
  MessageHistoryRepository,
  WebhooksRepository,
  WebhookUrlTakenError,
} from '@wagate/db';
import { AccountAdmin } from '../accounts/account-admin';
import { requireUnscoped } from '../auth/principal';
import { contactView } from '../contacts/routes';
import { ApiError } from '../http/errors';
import { errors, json, jsonBody } from '../http/openapi';
import type { GatewayEnv } from '../http/request-context';
import type { GatewayRouteDeps } from '../http/route-deps';
import { callWorker, sendCommand } from '../http/worker-calls';
import { recipientJid } from '../messages/recipients';
import { acceptSend } from '../messages/send';
import { messageView } from '../messages/views';
import type { AccountLookup } from '../sessions/account-lookup';
import { EventName } from '../webhooks/subscription';

const tags = ['Phones (seed 002)'];
const workerErrors = errors(400, 401, 404, 409, 502, 503, 504);
const Data = <S extends z.ZodType>(data: S) => z.object({ success: z.literal(true), data });
const PhoneParam = z
  .string()
  .regex(/^\+?[0-9]{7,15}$/, 'must be a phone number with its country code')
  .openapi({ param: { name: 'phone', in: 'path' }, example: '628123456789' });
const phoneParams = z.object({ phone: PhoneParam });
const Country = z.string().length(2).optional();
const Page = {
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(500).default(20),
};

const PhoneView = z.object({
  phone: z.string(),
  session_id: z.string(),
  status: z.string(),
  is_logged_in: z.boolean(),
  push_name: z.string().nullable(),
});

/** The session of a seed 002 phone: its id is the number's digits. */
const sessionIdOf = (phone: string) => phone.replace(/^\+/, '');

const listPhones = createRoute({
  method: 'get',
  path: '/api/v1/user/phones',
  tags,
  summary: "The user's phones",
  responses: { 200: json(Data(z.array(PhoneView)), 'Phones.'), ...errors(401) },
});
const addPhone = createRoute({
  method: 'post',
  path: '/api/v1/user/phones',
  tags,
  summary: 'Add a phone',
  description: 'Creates the session `<digits of the number>`; connect it with `/connect`.',
  request: {
    body: jsonBody(
      z.object({ phone: z.string().trim().min(3).max(32), country: Country }).openapi('AddPhone'),
    ),
  },
  responses: { 201: json(Data(PhoneView), 'Added.'), ...errors(400, 401, 403, 409, 503) },
});
const deletePhone = createRoute({
  method: 'delete',
  path: '/api/v1/user/phones/{phone}',
  tags,
  summary: 'Delete a phone',
  request: { params: phoneParams },
  responses: { 200: json(z.object({ success: z.literal(true) }), 'Deleted.'), ...workerErrors },
});
const connectPhone = createRoute({
  method: 'post',
  path: '/api/v1/user/phones/{phone}/connect',
  tags,
  summary: 'Connect (QR or pairing code)',
  request: {
    params: phoneParams,
    body: {
      required: false,
      content: { 'application/json': { schema: z.object({ pairingCodeMode: z.boolean().optional() }) } },
    },
  },
  responses: {
    200: json(
      Data(
        z.object({
          qr: z.string().nullable(),
          qr_codes: z.array(z.string()),
          pairing_code: z.string().nullable(),
          timeout_seconds: z.number().int(),
          status: z.string(),
        }),
      ),
      'The QR code or the pairing code.',
    ),
    ...workerErrors,
  },
});
const disconnectPhone = createRoute({
  method: 'post',
  path: '/api/v1/user/phones/{phone}/disconnect',
  tags,
  summary: 'Disconnect a phone',
  request: { params: phoneParams },
  responses: { 200: json(Data(z.object({ status: z.string() })), 'Disconnected.'), ...workerErrors },
});
const sendToPhone = createRoute({
  method: 'post',
  path: '/api/v1/user/phones/{phone}/message',
  tags,
  summary: 'Send a message',
  description:
    '`recipient` follows the seed 002 rules (`jid` wins when given). Text in `message`; `mediaLink` or base64 `media` sends media with `message` as caption; `list` sends a list message.',
  request: {
    params: phoneParams,
    body: jsonBody(
      z
        .object({
          recipient: z.string().trim().min(3).max(128).optional(),
          jid: z.string().trim().min(3).max(128).optional(),
          message: z.string().max(65_536).optional(),
          country: Country,
          mediaLink: z.url({ protocol: /^https?$/ }).optional(),
          media: z.string().min(1).max(20_000_000).optional().openapi({ description: 'Base64 bytes' }),
          list: OutboundContentSchema.options[11].omit({ type: true }).optional(),
          messageOptions: z
            .object({
              type: z.enum(['image', 'video', 'audio', 'document', 'sticker']).optional(),
              mimeType: z.string().max(128).optional(),
              fileName: z.string().max(255).optional(),
              replyTo: z.string().max(128).optional(),
            })
            .optional(),
        })
        .openapi('Seed002Message'),
    ),
  },
  responses: {
    202: json(
      Data(z.object({ id: z.string(), status: z.literal('pending'), to: z.string() })),
      'Accepted for sending.',
    ),
    ...errors(400, 401, 404, 422, 503),
  },
});
const typing = createRoute({
  method: 'post',
  path: '/api/v1/user/phones/{phone}/typing',
  tags,
  summary: 'Typing indicator',
  request: {
    params: phoneParams,
    body: jsonBody(
      z
        .object({ recipient: z.string().trim().min(3).max(128), isTyping: z.boolean(), country: Country })
        .openapi('Seed002Typing'),
    ),
  },
  responses: {
    202: json(Data(z.object({ command_id: z.string() })), 'Accepted.'),
    ...errors(400, 401, 404, 503),
  },
});
const hasWhatsapp = createRoute({
  method: 'post',
  path: '/api/v1/user/phones/{phone}/has-whatsapp',
  tags,
  summary: 'Check a number on WhatsApp',
  request: {
    params: phoneParams,
    body: jsonBody(
      z
        .object({ recipient: z.string().trim().min(3).max(128), country: Country })
        .openapi('Seed002HasWhatsapp'),
    ),
  },
  responses: {
    200: json(Data(z.object({ exists: z.boolean(), jid: z.string() })), 'Whether it has WhatsApp.'),
    ...workerErrors,
  },
});
const phoneMessages = createRoute({
  method: 'get',
  path: '/api/v1/user/phones/{phone}/messages',
  tags,
  summary: 'Message history',
  request: {
    params: phoneParams,
    query: z.object({ ...Page, recipient: z.string().max(128).optional(), country: Country }),
  },
  responses: {
    200: json(
      Data(
        z.object({
          messages: z.array(z.record(z.string(), z.unknown())),
          page: z.number().int(),
          limit: z.number().int(),
          total: z.number().int(),
        }),
      ),
      'A page of messages.',
    ),
    ...errors(400, 401, 404),
  },
});
const phoneGroups = createRoute({
  method: 'get',
  path: '/api/v1/user/phones/{phone}/groups',
  tags,
  summary: 'Groups (cached 4 minutes)',
  request: { params: phoneParams },
  responses: { 200: json(Data(z.array(z.record(z.string(), z.unknown()))), 'The groups.'), ...workerErrors },
});
const phoneGroup = createRoute({
  method: 'get',
  path: '/api/v1/user/phones/{phone}/groups/{groupId}',
  tags,
  summary: 'Group details',
  request: {
    params: z.object({
      phone: PhoneParam,
      groupId: z
        .string()
        .regex(/^[0-9-]{5,64}(@g\.us)?$/)
        .openapi({ param: { name: 'groupId', in: 'path' } }),
    }),
  },
  responses: { 200: json(Data(z.record(z.string(), z.unknown())), 'The group.'), ...workerErrors },
});
const allContacts = createRoute({
  method: 'get',
  path: '/api/v1/user/contacts',
  tags,
  summary: 'Contacts of every phone',
  responses: {
    200: json(Data(z.array(z.record(z.string(), z.unknown()))), 'Contacts (first 1,000; use pagination).'),
    ...errors(401),
  },
});
const pagedContacts = createRoute({
  method: 'get',
  path: '/api/v1/user/contacts/pagination',
  tags,
  summary: 'Contacts of every phone, paginated',
  request: { query: z.object(Page) },
  responses: {
    200: json(
      Data(
        z.object({
          contacts: z.array(z.record(z.string(), z.unknown())),
          page: z.number().int(),
          limit: z.number().int(),
          total: z.number().int(),
        }),
      ),
      'A page.',
    ),
    ...errors(400, 401),
  },
});
const phoneContacts = createRoute({
  method: 'get',
  path: '/api/v1/user/contacts/{phone}',
  tags,
  summary: 'Contacts of one phone',
  request: { params: phoneParams },
  responses: {
    200: json(Data(z.array(z.record(z.string(), z.unknown()))), 'Contacts.'),
    ...errors(400, 401, 404),
  },
});
const Seed002Webhook = z.object({ id: z.string(), url: z.string(), services: z.array(z.string()) });
const seedWebhookBody = z
  .object({ url: z.url({ protocol: /^https?$/ }).max(2048), services: z.array(EventName).min(1).max(64) })
  .openapi('Seed002Webhook');
const listUserWebhooks = createRoute({
  method: 'get',
  path: '/api/v1/user/webhooks',
  tags,
  summary: 'Webhooks',
  responses: { 200: json(Data(z.array(Seed002Webhook)), 'Global webhooks.'), ...errors(401, 403) },
});
const createUserWebhook = createRoute({
  method: 'post',
  path: '/api/v1/user/webhooks',
  tags,
  summary: 'Create a webhook',
  description:
    'A global webhook; one webhook per service (event type) — a second for the same service is 409.',
  request: { body: jsonBody(seedWebhookBody) },
  responses: {
    201: json(Data(Seed002Webhook.extend({ secret: z.string() })), 'Created (secret shown once).'),
    ...errors(400, 401, 403, 409),
  },
});
const WebhookIdParam = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .openapi({ param: { name: 'id', in: 'path' } }),
});
const updateUserWebhook = createRoute({
  method: 'put',
  path: '/api/v1/user/webhooks/{id}',
  tags,
  summary: 'Update a webhook',
  request: { params: WebhookIdParam, body: jsonBody(seedWebhookBody) },
  responses: { 200: json(Data(Seed002Webhook), 'Updated.'), ...errors(400, 401, 403, 404, 409) },
});
const deleteUserWebhook = createRoute({
  method: 'delete',
  path: '/api/v1/user/webhooks/{id}',
  tags,
  summary: 'Delete a webhook',
  request: { params: WebhookIdParam },
  responses: { 200: json(z.object({ success: z.literal(true) }), 'Deleted.'), ...errors(400, 401, 403, 404) },
});

function mediaKind(url: string): 'image' | 'video' | 'audio' | 'document' {
  const extension = new URL(url).pathname.split('.').pop()?.toLowerCase() ?? '';
  if (['jpg', 'jpeg', 'png', 'gif', 'webp'].includes(extension)) return 'image';
  if (['mp4', '3gp', 'mov'].includes(extension)) return 'video';
  if (['mp3', 'ogg', 'opus', 'm4a', 'aac', 'wav'].includes(extension)) return 'audio';
  return 'document';
}

/**
 * Seed 002's dashboard API (`/api/v1/user/...`): phones are sessions named by their number's
 * digits, and each route calls the native implementation. See docs/compat.md.
 *
 * @example
 * app.route('/', userPhoneRoutes(deps, lookup));
 */
export function userPhoneRoutes(deps: GatewayRouteDeps, lookup: AccountLookup) {
  const accounts = new AccountsRepository(deps.db, deps.topology.partitions);
  const history = new MessageHistoryRepository(deps.db);
  const directory = new DirectoryListingsRepository(deps.db);
  const webhooks = new WebhooksRepository(deps.db, deps.secretBox);
  const admin = new AccountAdmin(deps, lookup);
  const app = new OpenAPIHono<GatewayEnv>();
  // Seed 002's webhooks are global: a scoped token is refused before its body is read.
  for (const path of ['/api/v1/user/webhooks', '/api/v1/user/webhooks/*']) {
    app.use(path, async (c, next) => {
      requireUnscoped(c.get('principal'), 'manage global webhooks');
      await next();
    });
  }
  const phoneSession = (principal: Parameters<AccountLookup['require']>[0], phone: string) =>
    lookup.require(principal, sessionIdOf(phone), 'web');

  app.openapi(listPhones, async (c) => {
    const principal = c.get('principal');
    const ids = principal.kind === 'token' ? (principal.sessionIds ?? undefined) : undefined;
    const rows = await accounts.list({ kind: 'web', ids });
    return c.json(
      {
        success: true as const,
        data: rows.map((row) => ({
          phone: row.phoneNumber ?? row.id,
          session_id: row.id,
          status: row.sessionStatus,
          is_logged_in: row.sessionStatus === 'logged_in',
          push_name: row.pushName,
        })),
      },
      200,
    );
  });

  app.openapi(addPhone, async (c) => {
    requireUnscoped(c.get('principal'), 'add phones');
    const body = c.req.valid('json');
    const jid = recipientJid(body.phone, body.country, 'phone');
    const digits = jid.slice(0, jid.indexOf('@'));
    try {
      const row = await accounts.create({ id: digits, kind: 'web', name: `+${digits}`, phoneNumber: digits });
      lookup.forget(digits);
      return c.json(
        {
          success: true as const,
          data: {
            phone: digits,
            session_id: row.id,
            status: row.sessionStatus,
            is_logged_in: false,
            push_name: null,
          },
        },
        201,
      );
    } catch (error) {
      if (error instanceof AccountExistsError)
        throw new ApiError('conflict', `phone ${digits} exists already`);
      throw error;
    }
  });

  app.openapi(deletePhone, async (c) => {
    const row = await phoneSession(c.get('principal'), c.req.valid('param').phone);
    await admin.remove(row.id, {}, c.get('log'));
    return c.json({ success: true as const }, 200);
  });

  app.openapi(connectPhone, async (c) => {
    const row = await phoneSession(c.get('principal'), c.req.valid('param').phone);
    const pairing =
      (c.req.valid('json') as { pairingCodeMode?: boolean } | undefined)?.pairingCodeMode ?? false;
    if (pairing) {
      const pair = await callWorker(deps, row.id, 'session.pair', { phoneNumber: row.phoneNumber ?? row.id });
      return c.json(
        {
          success: true as const,
          data: {
            qr: null,
            qr_codes: [],
            pairing_code: pair.code,
            timeout_seconds: pair.timeoutSeconds,
            status: 'waiting_for_pair_code',
          },
        },
        200,
      );
    }
    const qr = await callWorker(deps, row.id, 'session.qr', {});
    return c.json(
      {
        success: true as const,
        data: {
          qr: qr.qrCodes.at(-1) ?? null,
          qr_codes: qr.qrCodes,
          pairing_code: null,
          timeout_seconds: qr.timeoutSeconds,
          status: qr.status,
        },
      },
      200,
    );
  });

  app.openapi(disconnectPhone, async (c) => {
    const row = await phoneSession(c.get('principal'), c.req.valid('param').phone);
    const summary = await callWorker(deps, row.id, 'session.disconnect', {});
    lookup.forget(row.id);
    return c.json({ success: true as const, data: { status: summary.status } }, 200);
  });

  app.openapi(sendToPhone, async (c) => {
    const row = await phoneSession(c.get('principal'), c.req.valid('param').phone);
    const body = c.req.valid('json');
    const to = body.jid ?? body.recipient;
    if (!to) throw new ApiError('invalid_request', 'give recipient (or jid)');
    const options = body.messageOptions ?? {};
    let content: OutboundContent;
    if (body.list) content = { type: 'list', ...body.list };
    else if (body.mediaLink || body.media) {
      const kind = options.type ?? (body.mediaLink ? mediaKind(body.mediaLink) : 'document');
      const media = {
        ...(body.mediaLink ? { url: body.mediaLink } : { base64: body.media }),
        mimeType: options.mimeType,
        fileName: options.fileName,
      };
      content = OutboundContentSchema.parse(
        kind === 'sticker' || kind === 'audio'
          ? { type: kind, media }
          : { type: kind, media, ...(body.message ? { caption: body.message } : {}) },
      );
    } else if (body.message) content = { type: 'text', text: body.message };
    else throw new ApiError('invalid_request', 'give message, mediaLink, media or list');
    const accepted = await acceptSend(deps, row, {
      to,
      country: body.jid ? undefined : body.country,
      content,
      replyTo: options.replyTo,
    });
    return c.json(
      { success: true as const, data: { id: accepted.id, status: accepted.status, to: accepted.to } },
      202,
    );
  });

  app.openapi(typing, async (c) => {
    const row = await phoneSession(c.get('principal'), c.req.valid('param').phone);
    const body = c.req.valid('json');
    const commandId = await sendCommand(deps, row.id, 'presence.send', {
      chatId: recipientJid(body.recipient, body.country, 'recipient'),
      presence: body.isTyping ? 'composing' : 'paused',
    });
    return c.json({ success: true as const, data: { command_id: commandId } }, 202);
  });

  app.openapi(hasWhatsapp, async (c) => {
    const row = await phoneSession(c.get('principal'), c.req.valid('param').phone);
    const body = c.req.valid('json');
    const jid = recipientJid(body.recipient, body.country, 'recipient');
    const { results } = await callWorker(deps, row.id, 'contacts.check', { jids: [jid] });
    return c.json(
      { success: true as const, data: { exists: results.some((result) => result.exists), jid } },
      200,
    );
  });

  app.openapi(phoneMessages, async (c) => {
    const row = await phoneSession(c.get('principal'), c.req.valid('param').phone);
    const query = c.req.valid('query');
    const chatId = query.recipient ? recipientJid(query.recipient, query.country, 'recipient') : undefined;
    const { rows, total } = await history.list(row.id, {
      chatId,
      limit: query.limit,
      offset: (query.page - 1) * query.limit,
    });
    return c.json(
      {
        success: true as const,
        data: { messages: rows.map(messageView), page: query.page, limit: query.limit, total },
      },
      200,
    );
  });

  app.openapi(phoneGroups, async (c) => {
    const row = await phoneSession(c.get('principal'), c.req.valid('param').phone);
    const { groups } = await callWorker(deps, row.id, 'groups.list', { refresh: false });
    return c.json({ success: true as const, data: groups }, 200);
  });

  app.openapi(phoneGroup, async (c) => {
    const { phone, groupId } = c.req.valid('param');
    const row = await phoneSession(c.get('principal'), phone);
    const group = await callWorker(deps, row.id, 'groups.get', {
      groupId: groupId.endsWith('@g.us') ? groupId : `${groupId}@g.us`,
    });
    return c.json({ success: true as const, data: group }, 200);
  });

  const visibleIds = async (principal: Parameters<AccountLookup['require']>[0]) =>
    principal.kind === 'token' && principal.sessionIds !== null
      ? principal.sessionIds
      : (await accounts.list({ limit: 10_000 })).map((row) => row.id);

  app.openapi(allContacts, async (c) => {
    const { rows } = await directory.contacts(await visibleIds(c.get('principal')), {
      limit: 1_000,
      offset: 0,
    });
    return c.json({ success: true as const, data: rows.map(contactView) }, 200);
  });

  app.openapi(pagedContacts, async (c) => {
    const query = c.req.valid('query');
    const { rows, total } = await directory.contacts(await visibleIds(c.get('principal')), {
      limit: query.limit,
      offset: (query.page - 1) * query.limit,
    });
    return c.json(
      {
        success: true as const,
        data: { contacts: rows.map(contactView), page: query.page, limit: query.limit, total },
      },
      200,
    );
  });

  app.openapi(phoneContacts, async (c) => {
    const row = await phoneSession(c.get('principal'), c.req.valid('param').phone);
    const { rows } = await directory.contacts([row.id], { limit: 1_000, offset: 0 });
    return c.json({ success: true as const, data: rows.map(contactView) }, 200);
  });

  /** Seed 002 allows one webhook per service: another global webhook with one of them is a conflict. */
  const assertServicesFree = async (services: string[], except?: string) => {
    const taken = (await webhooks.list({ accountId: null })).find(
      (row) => row.id !== except && row.events.some((event) => services.includes(event)),
    );
    if (taken)
      throw new ApiError(
        'conflict',
        `webhook ${taken.id} already receives ${taken.events.filter((event) => services.includes(event)).join(', ')}`,
      );
  };

  app.openapi(listUserWebhooks, async (c) => {
    requireUnscoped(c.get('principal'), 'manage global webhooks');
    const rows = await webhooks.list({ accountId: null });
    return c.json(
      {
        success: true as const,
        data: rows.map((row) => ({ id: row.id, url: row.url, services: row.events })),
      },
      200,
    );
  });

  app.openapi(createUserWebhook, async (c) => {
    requireUnscoped(c.get('principal'), 'manage global webhooks');
    const body = c.req.valid('json');
    await assertServicesFree(body.services);
    try {
      const { webhook, secret } = await webhooks.create({
        accountId: null,
        url: body.url,
        events: body.services,
      });
      return c.json(
        {
          success: true as const,
          data: { id: webhook.id, url: webhook.url, services: webhook.events, secret },
        },
        201,
      );
    } catch (error) {
      if (error instanceof WebhookUrlTakenError)
        throw new ApiError('conflict', `a webhook for ${body.url} exists already`);
      throw error;
    }
  });

  app.openapi(updateUserWebhook, async (c) => {
    requireUnscoped(c.get('principal'), 'manage global webhooks');
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const current = await webhooks.get(id);
    if (!current || current.accountId !== null)
      throw new ApiError('not_found', `webhook "${id}" does not exist`);
    await assertServicesFree(body.services, id);
    try {
      const row = await webhooks.update(id, { url: body.url, events: body.services });
      if (!row) throw new ApiError('not_found', `webhook "${id}" does not exist`);
      return c.json(
        { success: true as const, data: { id: row.id, url: row.url, services: row.events } },
        200,
      );
    } catch (error) {
      if (error instanceof WebhookUrlTakenError)
        throw new ApiError('conflict', `a webhook for ${body.url} exists already`);
      throw error;
    }
  });

  app.openapi(deleteUserWebhook, async (c) => {
    requireUnscoped(c.get('principal'), 'manage global webhooks');
    const { id } = c.req.valid('param');
    const current = await webhooks.get(id);
    if (!current || current.accountId !== null || !(await webhooks.delete(id))) {
      throw new ApiError('not_found', `webhook "${id}" does not exist`);
    }
    return c.json({ success: true as const }, 200);
  });

  return app;
}
