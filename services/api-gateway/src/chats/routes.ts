import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { type ChatRow, DirectoryListingsRepository } from '@wagate/db';
import { errors, json } from '../http/openapi';
import { PageInfo, PageQuery, QueryBoolean } from '../http/paging';
import type { GatewayEnv } from '../http/request-context';
import type { GatewayRouteDeps } from '../http/route-deps';
import { callWorker } from '../http/worker-calls';
import { recipientJid } from '../messages/recipients';
import { SessionParam } from '../messages/views';
import type { AccountLookup } from '../sessions/account-lookup';

const tags = ['Chats'];

const ChatView = z
  .object({
    id: z.string(),
    type: z.enum(['contact', 'group', 'channel', 'broadcast']),
    name: z.string().nullable(),
    unread_count: z.number().int(),
    archived: z.boolean(),
    pinned: z.boolean(),
    muted_until: z.number().int().nullable().openapi({ description: 'Unix seconds' }),
    last_message_at: z.number().int().nullable().openapi({ description: 'Unix seconds' }),
  })
  .openapi('Chat');

function chatView(row: ChatRow): z.infer<typeof ChatView> {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    unread_count: row.unreadCount,
    archived: row.archived,
    pinned: row.pinned,
    muted_until: row.mutedUntil,
    last_message_at: row.lastMessageAt,
  };
}

const ChatIdParam = z
  .string()
  .min(3)
  .max(128)
  .openapi({ param: { name: 'chat_id', in: 'path' }, example: '628123456789@s.whatsapp.net' });

const ACTIONS = {
  archive: 'archive',
  unarchive: 'unarchive',
  pin: 'pin',
  unpin: 'unpin',
  mute: 'mute',
  unmute: 'unmute',
  read: 'mark_read',
  unread: 'mark_unread',
  clear: 'clear',
} as const;

const listChats = createRoute({
  method: 'get',
  path: '/api/v1/sessions/{id}/chats',
  tags,
  summary: 'List chats',
  request: {
    params: z.object({ id: SessionParam }),
    query: z.object({
      archived: QueryBoolean.optional(),
      type: z.enum(['contact', 'group', 'channel', 'broadcast']).optional(),
      ...PageQuery,
    }),
  },
  responses: {
    200: json(z.object({ chats: z.array(ChatView), ...PageInfo }), 'A page of chats, pinned first.'),
    ...errors(400, 401, 404),
  },
});

const chatAction = createRoute({
  method: 'post',
  path: '/api/v1/sessions/{id}/chats/{chat_id}/{action}',
  tags,
  summary: 'Archive, pin, mute, mark read or clear a chat',
  description:
    '`archive`, `unarchive`, `pin`, `unpin`, `mute` (body `until`, Unix seconds; default 8 hours), `unmute`, `read`, `unread`, `clear` (history). Works for groups too (seed 003 pin/unpin/clear group).',
  request: {
    params: z.object({
      id: SessionParam,
      chat_id: ChatIdParam,
      action: z
        .enum(Object.keys(ACTIONS) as [keyof typeof ACTIONS])
        .openapi({ param: { name: 'action', in: 'path' } }),
    }),
    body: {
      required: false,
      content: {
        'application/json': {
          schema: z.object({ until: z.number().int().positive().optional() }).openapi('ChatActionOptions'),
        },
      },
    },
  },
  responses: {
    200: json(z.object({ success: z.literal(true) }), 'Done.'),
    ...errors(400, 401, 404, 409, 502, 503, 504),
  },
});

const deleteChat = createRoute({
  method: 'delete',
  path: '/api/v1/sessions/{id}/chats/{chat_id}',
  tags,
  summary: 'Delete a chat',
  request: { params: z.object({ id: SessionParam, chat_id: ChatIdParam }) },
  responses: {
    200: json(z.object({ success: z.literal(true) }), 'Deleted.'),
    ...errors(400, 401, 404, 409, 502, 503, 504),
  },
});

/**
 * Chat routes: list (from the database), archive/unarchive, pin/unpin, mute/unmute, mark
 * read/unread, clear, delete.
 *
 * @example
 * app.route('/', chatRoutes(deps, lookup));
 */
export function chatRoutes(deps: GatewayRouteDeps, lookup: AccountLookup) {
  const directory = new DirectoryListingsRepository(deps.db);
  const app = new OpenAPIHono<GatewayEnv>();

  app.openapi(listChats, async (c) => {
    const account = await lookup.require(c.get('principal'), c.req.valid('param').id);
    const query = c.req.valid('query');
    const { rows, total } = await directory.chats(account.id, query);
    return c.json({ chats: rows.map(chatView), total, limit: query.limit, offset: query.offset }, 200);
  });

  app.openapi(chatAction, async (c) => {
    const { id, chat_id, action } = c.req.valid('param');
    const account = await lookup.require(c.get('principal'), id, 'web');
    const until = (c.req.valid('json') as { until?: number } | undefined)?.until;
    await callWorker(deps, account.id, 'chats.modify', {
      chatId: recipientJid(chat_id, undefined, 'chat_id'),
      action: ACTIONS[action],
      ...(action === 'mute' && until ? { muteUntil: until } : {}),
    });
    return c.json({ success: true as const }, 200);
  });

  app.openapi(deleteChat, async (c) => {
    const { id, chat_id } = c.req.valid('param');
    const account = await lookup.require(c.get('principal'), id, 'web');
    await callWorker(deps, account.id, 'chats.modify', {
      chatId: recipientJid(chat_id, undefined, 'chat_id'),
      action: 'delete',
    });
    return c.json({ success: true as const }, 200);
  });

  return app;
}
