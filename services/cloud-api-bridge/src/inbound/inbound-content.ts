import type { MessageContent, StoredMedia } from '@wagate/contracts';
import {
  META_INBOUND_OBJECTS,
  type MetaInboundMedia,
  MetaInboundMedia as MetaInboundMediaSchema,
  type MetaInboundMessageBase,
} from './meta-webhook';

const MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker'] as const;
export type InboundMediaType = (typeof MEDIA_TYPES)[number];

/** A received message's content, with its media still at Meta. */
export type InboundContent =
  | { kind: 'media'; type: InboundMediaType; media: MetaInboundMedia }
  | { kind: 'ready'; content: MessageContent };

const unsupported = (reason: string): InboundContent => ({
  kind: 'ready',
  content: { type: 'unsupported', reason },
});

/**
 * The content of a received media message once its file is described (downloaded, or not).
 *
 * @example
 * mediaMessageContent('audio', { id, mime_type: 'audio/ogg', voice: true }, stored); // { type: 'audio', media: stored, voiceNote: true }
 */
export function mediaMessageContent(
  type: InboundMediaType,
  media: MetaInboundMedia,
  stored: StoredMedia,
): MessageContent {
  const caption = media.caption ? { caption: media.caption } : {};
  switch (type) {
    case 'image':
    case 'video':
      return { type, media: stored, ...caption };
    case 'audio':
      return { type, media: stored, ...(media.voice ? { voiceNote: true } : {}) };
    case 'document':
      return { type, media: stored, ...caption, ...(media.filename ? { fileName: media.filename } : {}) };
    case 'sticker':
      return { type, media: stored };
  }
}

/**
 * The normalized content of one inbound message of Meta's webhook: text, the five media kinds
 * (media still to download), location, contacts, reaction, interactive replies (`button_reply`,
 * `list_reply`, template quick-reply `button`) and, for anything else, `unsupported` with why.
 *
 * @example
 * inboundContent({ ...base, type: 'text', text: { body: 'olá' } }); // { kind: 'ready', content: { type: 'text', text: 'olá' } }
 */
export function inboundContent(message: MetaInboundMessageBase): InboundContent {
  const raw = message as Record<string, unknown>;
  const type = message.type;
  if ((MEDIA_TYPES as readonly string[]).includes(type)) {
    const media = MetaInboundMediaSchema.safeParse(raw[type]);
    return media.success
      ? { kind: 'media', type: type as InboundMediaType, media: media.data }
      : unsupported(`a ${type} message without its media`);
  }
  switch (type) {
    case 'text': {
      const text = META_INBOUND_OBJECTS.text.safeParse(raw.text);
      return text.success
        ? { kind: 'ready', content: { type: 'text', text: text.data.body } }
        : unsupported('an empty text');
    }
    case 'location': {
      const location = META_INBOUND_OBJECTS.location.safeParse(raw.location);
      if (!location.success) return unsupported('a location without coordinates');
      const { latitude, longitude, name, address } = location.data;
      return {
        kind: 'ready',
        content: {
          type: 'location',
          latitude,
          longitude,
          ...(name ? { name } : {}),
          ...(address ? { address } : {}),
        },
      };
    }
    case 'contacts': {
      const contacts = META_INBOUND_OBJECTS.contacts.safeParse(raw.contacts);
      if (!contacts.success) return unsupported('contacts without names');
      return {
        kind: 'ready',
        content: {
          type: 'contacts',
          contacts: contacts.data.map((card) => ({
            name: card.name.formatted_name,
            phones: (card.phones ?? [])
              .filter((phone) => phone.phone ?? phone.wa_id)
              .map((phone) => ({
                number: phone.phone ?? phone.wa_id!,
                ...(phone.type ? { type: phone.type } : {}),
                ...(phone.wa_id ? { waId: `${phone.wa_id}@s.whatsapp.net` } : {}),
              })),
            ...(card.emails?.some((email) => email.email)
              ? { emails: card.emails.flatMap((email) => (email.email ? [email.email] : [])) }
              : {}),
            ...(card.org?.company ? { organization: card.org.company } : {}),
          })),
        },
      };
    }
    case 'reaction': {
      const reaction = META_INBOUND_OBJECTS.reaction.safeParse(raw.reaction);
      return reaction.success
        ? {
            kind: 'ready',
            content: {
              type: 'reaction',
              messageId: reaction.data.message_id,
              emoji: reaction.data.emoji ?? '',
            },
          }
        : unsupported('a reaction without its message');
    }
    case 'interactive': {
      const interactive = META_INBOUND_OBJECTS.interactive.safeParse(raw.interactive);
      if (!interactive.success)
        return unsupported('an interactive reply of a kind the product does not represent');
      const reply = interactive.data;
      return reply.type === 'button_reply'
        ? {
            kind: 'ready',
            content: {
              type: 'interactive_reply',
              replyType: 'button',
              id: reply.button_reply.id,
              title: reply.button_reply.title,
            },
          }
        : {
            kind: 'ready',
            content: {
              type: 'interactive_reply',
              replyType: 'list',
              id: reply.list_reply.id,
              title: reply.list_reply.title,
              ...(reply.list_reply.description ? { description: reply.list_reply.description } : {}),
            },
          };
    }
    case 'button': {
      const button = META_INBOUND_OBJECTS.button.safeParse(raw.button);
      return button.success
        ? {
            kind: 'ready',
            content: {
              type: 'interactive_reply',
              replyType: 'button',
              id: button.data.payload,
              title: button.data.text,
            },
          }
        : unsupported('a quick-reply button without its payload');
    }
    default: {
      const error = message.errors?.[0];
      const why = error ? (error.error_data?.details ?? error.title ?? error.message) : undefined;
      return unsupported(why ? `${type}: ${why}` : `a ${type} message`);
    }
  }
}
