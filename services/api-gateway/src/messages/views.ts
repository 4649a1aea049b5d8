import { z } from '@hono/zod-openapi';
import { AccountId, MessageContent, OutboundContent } from '@wagate/contracts';
import type { MessageRow } from '@wagate/db';

export const SessionParam = AccountId.meta({ param: { name: 'id', in: 'path' }, example: 'business-1' });
export const MessageIdParam = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:=+-]+$/, 'must be a message id')
  .openapi({ param: { name: 'message_id', in: 'path' }, example: '3EB0C431C26A1916E0A5' });

const Recipient = z.string().trim().min(3).max(128).openapi({
  description:
    'A JID (with "@"), a number with its country code (`+62812…`, or with `country`), or 7-15 digits (seed 002 rules).',
  example: '628123456789',
});

/** The body of a send: where to, what, and how. */
export const SendMessageBody = z
  .object({
    to: Recipient,
    country: z
      .string()
      .length(2)
      .optional()
      .openapi({ description: 'ISO 3166 country of a national number', example: 'ID' }),
    content: OutboundContent.meta({
      description:
        'What to send: text, image, video, audio, document, sticker, location, contacts, reaction, poll, buttons, list, template, cta_url.',
      example: { type: 'text', text: 'Hello from wagate' },
    }),
    reply_to: z.string().min(1).max(128).optional().openapi({ description: 'Id of the message to quote' }),
    mentions: z
      .array(z.string().min(3).max(128))
      .max(256)
      .optional()
      .openapi({ description: 'JIDs or numbers to @mention' }),
    link_preview: z.boolean().optional().openapi({ description: 'Preview the first URL of a text' }),
    simulate_typing: z
      .boolean()
      .optional()
      .openapi({ description: 'Show "typing…" first, as a person would' }),
    send_at: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: 'Send at this time, not before (scheduled sending)' }),
  })
  .openapi('SendMessage');

export const AcceptedMessage = z
  .object({
    id: z
      .string()
      .openapi({ description: 'The WhatsApp message id it will have', example: '3EB0C431C26A1916E0A5' }),
    status: z.literal('pending'),
    to: z.string().openapi({ example: '628123456789@s.whatsapp.net' }),
    command_id: z.string(),
    send_at: z.string().nullable(),
  })
  .openapi('AcceptedMessage');

export const AcceptedCommand = z
  .object({ command_id: z.string(), status: z.literal('accepted') })
  .openapi('AcceptedCommand');

export const MessageView = z
  .object({
    id: z.string(),
    chat_id: z.string(),
    from_me: z.boolean(),
    sender: z.string(),
    push_name: z.string().nullable(),
    type: z.string(),
    content: MessageContent.meta({ description: 'Normalized content; media by stored id' }),
    quoted_id: z.string().nullable(),
    mentions: z.array(z.string()),
    status: z.string().openapi({ example: 'delivered' }),
    error: z.object({ code: z.union([z.number(), z.string()]), message: z.string() }).nullable(),
    timestamp: z.number().int().openapi({ description: 'Unix seconds' }),
    edited_at: z.string().nullable(),
    deleted_at: z.string().nullable(),
  })
  .openapi('Message');
export type MessageView = z.infer<typeof MessageView>;

export function messageView(row: MessageRow): MessageView {
  return {
    id: row.id,
    chat_id: row.chatId,
    from_me: row.fromMe,
    sender: row.sender,
    push_name: row.pushName,
    type: row.type,
    content: row.content,
    quoted_id: row.quotedId,
    mentions: row.mentions,
    status: row.status,
    error: row.error ?? null,
    timestamp: row.sentAt,
    edited_at: row.editedAt?.toISOString() ?? null,
    deleted_at: row.deletedAt?.toISOString() ?? null,
  };
}
