import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { MessageHistoryRepository } from '@wagate/db';
import { ApiError } from '../http/errors';
import { errors, json, jsonBody } from '../http/openapi';
import { PageInfo, PageQuery, QueryBoolean } from '../http/paging';
import type { GatewayEnv } from '../http/request-context';
import type { GatewayRouteDeps } from '../http/route-deps';
import { sendCommand } from '../http/worker-calls';
import type { AccountLookup } from '../sessions/account-lookup';
import { recipientJid } from './recipients';
import { acceptSend, newMessageId } from './send';
import {
  AcceptedCommand,
  AcceptedMessage,
  MessageIdParam,
  MessageView,
  messageView,
  SendMessageBody,
  SessionParam,
} from './views';

const tags = ['Messages'];
const ChatIdField = z.string().min(3).max(128).openapi({ example: '628123456789@s.whatsapp.net' });

const sendMessage = createRoute({
  method: 'post',
  path: '/api/v1/sessions/{id}/messages',
  tags,
  summary: 'Send a message',
  description:
    'Accepts a message of any type for sending and answers 202 with its id once the command is stored durably in JetStream; delivery is reported by `message.sent` / `message.ack` events. Send `Idempotency-Key` to make retries safe. Works for web sessions and cloud accounts.',
  request: { params: z.object({ id: SessionParam }), body: jsonBody(SendMessageBody) },
  responses: {
    202: json(AcceptedMessage, 'Accepted for sending.'),
    ...errors(400, 401, 404, 409, 413, 422, 429, 503),
  },
});

const listMessages = createRoute({
  method: 'get',
  path: '/api/v1/sessions/{id}/messages',
  tags,
  summary: 'Message history',
  description: 'Messages newest first, with filters and paging.',
  request: {
    params: z.object({ id: SessionParam }),
    query: z.object({
      chat_id: ChatIdField.optional(),
      from_me: QueryBoolean.optional(),
      type: z.string().max(32).optional(),
      status: z.enum(['pending', 'server', 'delivered', 'read', 'played', 'failed']).optional(),
      since: z.coerce.number().int().min(0).optional().openapi({ description: 'Unix seconds' }),
      until: z.coerce.number().int().min(0).optional().openapi({ description: 'Unix seconds' }),
      ...PageQuery,
    }),
  },
  responses: {
    200: json(z.object({ messages: z.array(MessageView), ...PageInfo }), 'A page of messages.'),
    ...errors(400, 401, 404),
  },
});

const getMessage = createRoute({
  method: 'get',
  path: '/api/v1/sessions/{id}/messages/{message_id}',
  tags,
  summary: 'Get a message',
  description: 'One message with its delivery status.',
  request: { params: z.object({ id: SessionParam, message_id: MessageIdParam }) },
  responses: { 200: json(MessageView, 'The message.'), ...errors(400, 401, 404) },
});

const commandResponses = { 202: json(AcceptedCommand, 'Accepted.'), ...errors(400, 401, 404, 503) };

const editMessage = createRoute({
  method: 'patch',
  path: '/api/v1/sessions/{id}/messages/{message_id}',
  tags,
  summary: 'Edit a sent message',
  request: {
    params: z.object({ id: SessionParam, message_id: MessageIdParam }),
    body: jsonBody(
      z
        .object({ text: z.string().min(1).max(65_536), chat_id: ChatIdField.optional() })
        .openapi('EditMessage'),
    ),
  },
  responses: commandResponses,
});

const deleteMessage = createRoute({
  method: 'delete',
  path: '/api/v1/sessions/{id}/messages/{message_id}',
  tags,
  summary: 'Delete a message for everyone',
  request: {
    params: z.object({ id: SessionParam, message_id: MessageIdParam }),
    query: z.object({ chat_id: ChatIdField.optional() }),
  },
  responses: commandResponses,
});

const forwardMessage = createRoute({
  method: 'post',
  path: '/api/v1/sessions/{id}/messages/{message_id}/forward',
  tags,
  summary: 'Forward a message',
  request: {
    params: z.object({ id: SessionParam, message_id: MessageIdParam }),
    body: jsonBody(
      z
        .object({
          to: z.string().trim().min(3).max(128),
          country: z.string().length(2).optional(),
          chat_id: ChatIdField.optional(),
        })
        .openapi('ForwardMessage'),
    ),
  },
  responses: { 202: json(AcceptedMessage, 'Accepted.'), ...errors(400, 401, 404, 503) },
});

const markRead = createRoute({
  method: 'post',
  path: '/api/v1/sessions/{id}/messages/read',
  tags,
  summary: 'Mark messages read',
  description: 'Sends read receipts (blue ticks) for messages of one chat.',
  request: {
    params: z.object({ id: SessionParam }),
    body: jsonBody(
      z
        .object({
          chat_id: ChatIdField,
          message_ids: z.array(z.string().min(1).max(128)).min(1).max(1000),
          participant: z
            .string()
            .min(3)
            .max(128)
            .optional()
            .openapi({ description: 'The sender, in groups' }),
        })
        .openapi('MarkRead'),
    ),
  },
  responses: commandResponses,
});

const sendPresence = createRoute({
  method: 'post',
  path: '/api/v1/sessions/{id}/presence',
  tags,
  summary: 'Typing indicator and presence',
  description:
    'Shows typing or recording in a chat (`composing`, `recording`, `paused`), or sets online/offline.',
  request: {
    params: z.object({ id: SessionParam }),
    body: jsonBody(
      z
        .object({
          chat_id: z.string().trim().min(3).max(128).optional(),
          presence: z.enum(['available', 'unavailable', 'composing', 'recording', 'paused']),
        })
        .openapi('Presence'),
    ),
  },
  responses: commandResponses,
});

/**
 * Messaging routes: send every type (202 once durable), history, get, edit, delete for everyone,
 * forward, mark read, typing/presence.
 *
 * @example
 * app.route('/', messageRoutes(deps, lookup));
 */
export function messageRoutes(deps: GatewayRouteDeps, lookup: AccountLookup) {
  const history = new MessageHistoryRepository(deps.db);
  const app = new OpenAPIHono<GatewayEnv>();

  /** The chat of a message: given, or from the history. */
  const chatOf = async (accountId: string, messageId: string, given: string | undefined) => {
    if (given) return recipientJid(given, undefined, 'chat_id');
    const row = await history.get(accountId, messageId);
    if (!row) throw new ApiError('not_found', `message "${messageId}" is not in the history; give chat_id`);
    return row.chatId;
  };

  app.openapi(sendMessage, async (c) => {
    const account = await lookup.require(c.get('principal'), c.req.valid('param').id);
    const body = c.req.valid('json');
    const accepted = await acceptSend(deps, account, {
      to: body.to,
      country: body.country,
      content: body.content,
      replyTo: body.reply_to,
      mentions: body.mentions,
      linkPreview: body.link_preview,
      simulateTyping: body.simulate_typing,
      sendAt: body.send_at,
    });
    return c.json(accepted, 202);
  });

  app.openapi(listMessages, async (c) => {
    const account = await lookup.require(c.get('principal'), c.req.valid('param').id);
    const query = c.req.valid('query');
    const { rows, total } = await history.list(account.id, {
      chatId: query.chat_id,
      fromMe: query.from_me,
      type: query.type,
      status: query.status,
      since: query.since,
      until: query.until,
      limit: query.limit,
      offset: query.offset,
    });
    return c.json({ messages: rows.map(messageView), total, limit: query.limit, offset: query.offset }, 200);
  });

  app.openapi(getMessage, async (c) => {
    const { id, message_id } = c.req.valid('param');
    const account = await lookup.require(c.get('principal'), id);
    const row = await history.get(account.id, message_id);
    if (!row) throw new ApiError('not_found', `message "${message_id}" does not exist`);
    return c.json(messageView(row), 200);
  });

  app.openapi(editMessage, async (c) => {
    const { id, message_id } = c.req.valid('param');
    const account = await lookup.require(c.get('principal'), id);
    const body = c.req.valid('json');
    const chatId = await chatOf(account.id, message_id, body.chat_id);
    const commandId = await sendCommand(
      deps,
      account.id,
      'message.edit',
      { chatId, messageId: message_id, text: body.text },
      { kind: account.kind },
    );
    return c.json({ command_id: commandId, status: 'accepted' as const }, 202);
  });

  app.openapi(deleteMessage, async (c) => {
    const { id, message_id } = c.req.valid('param');
    const account = await lookup.require(c.get('principal'), id);
    const chatId = await chatOf(account.id, message_id, c.req.valid('query').chat_id);
    const commandId = await sendCommand(
      deps,
      account.id,
      'message.delete',
      { chatId, messageId: message_id },
      { kind: account.kind },
    );
    return c.json({ command_id: commandId, status: 'accepted' as const }, 202);
  });

  app.openapi(forwardMessage, async (c) => {
    const { id, message_id } = c.req.valid('param');
    const account = await lookup.require(c.get('principal'), id);
    const body = c.req.valid('json');
    const to = recipientJid(body.to, body.country);
    const chatId = await chatOf(account.id, message_id, body.chat_id);
    const newId = newMessageId();
    const commandId = await sendCommand(
      deps,
      account.id,
      'message.forward',
      { chatId, messageId: message_id, to, newMessageId: newId },
      { kind: account.kind },
    );
    return c.json({ id: newId, status: 'pending' as const, to, command_id: commandId, send_at: null }, 202);
  });

  app.openapi(markRead, async (c) => {
    const account = await lookup.require(c.get('principal'), c.req.valid('param').id);
    const body = c.req.valid('json');
    const commandId = await sendCommand(
      deps,
      account.id,
      'chat.mark_read',
      {
        chatId: recipientJid(body.chat_id, undefined, 'chat_id'),
        messageIds: body.message_ids,
        ...(body.participant
          ? { participant: recipientJid(body.participant, undefined, 'participant') }
          : {}),
      },
      { kind: account.kind },
    );
    return c.json({ command_id: commandId, status: 'accepted' as const }, 202);
  });

  app.openapi(sendPresence, async (c) => {
    const account = await lookup.require(c.get('principal'), c.req.valid('param').id);
    const body = c.req.valid('json');
    const commandId = await sendCommand(
      deps,
      account.id,
      'presence.send',
      {
        presence: body.presence,
        ...(body.chat_id ? { chatId: recipientJid(body.chat_id, undefined, 'chat_id') } : {}),
      },
      { kind: account.kind },
    );
    return c.json({ command_id: commandId, status: 'accepted' as const }, 202);
  });

  return app;
}
