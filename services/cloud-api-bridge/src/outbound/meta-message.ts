import type { ContactCard, MessageContent, OutboundContent, StoredMedia } from '@wagate/contracts';

/** How Meta is told where a message's media is: an uploaded media id or a public link. */
export type MetaMediaReference = { id: string } | { link: string };

/** Outbound content kinds that carry media. */
export type MediaContent = Extract<OutboundContent, { media: unknown }>;

/** Content the Cloud API cannot send (Meta has no polls). */
export class UnsupportedOnCloudError extends Error {
  override readonly name = 'UnsupportedOnCloudError';
}

/** Everything needed to write one send request, ids already translated to Meta's wamids. */
export interface MetaMessageInput {
  /** The recipient's number, digits only. */
  to: string;
  content: OutboundContent;
  /** Where the media of a media message is. */
  media?: MetaMediaReference;
  /** wamid of the message replied to. */
  replyToWamid?: string;
  /** wamid of the message a reaction is for. */
  reactionTargetWamid?: string;
  linkPreview?: boolean;
}

/**
 * Whether content carries media.
 *
 * @example
 * hasMedia({ type: 'image', media: { url } }); // true
 */
export function hasMedia(content: OutboundContent): content is MediaContent {
  return 'media' in content;
}

/** Meta wants at least one name part besides `formatted_name`. */
function contactName(name: string): Record<string, string> {
  const [first, ...rest] = name.trim().split(/\s+/);
  return rest.length > 0
    ? { formatted_name: name, first_name: first ?? name, last_name: rest.join(' ') }
    : { formatted_name: name, first_name: name };
}

/** `TEL;type=CELL;waid=16505551234:+1 650-555-1234` lines of a vCard. */
function vcardPhones(vcard: string): Array<{ phone: string; wa_id?: string }> {
  return vcard
    .split(/\r?\n/)
    .filter((line) => /^(item\d+\.)?TEL[;:]/i.test(line))
    .map((line) => {
      const phone = line.slice(line.indexOf(':') + 1).trim();
      const waId = /waid=(\d+)/i.exec(line)?.[1];
      return waId ? { phone, wa_id: waId } : { phone };
    })
    .filter((phone) => phone.phone.length > 0);
}

function metaContact(card: ContactCard): Record<string, unknown> {
  const phones =
    card.phones.length > 0
      ? card.phones.map((phone) => {
          const waId = phone.waId?.replace(/@.*$/, '');
          return {
            phone: phone.number,
            ...(phone.type ? { type: phone.type } : {}),
            ...(waId && /^\d+$/.test(waId) ? { wa_id: waId } : {}),
          };
        })
      : card.vcard
        ? vcardPhones(card.vcard)
        : [];
  return {
    name: contactName(card.name),
    ...(phones.length > 0 ? { phones } : {}),
    ...(card.emails?.length ? { emails: card.emails.map((email) => ({ email })) } : {}),
    ...(card.organization ? { org: { company: card.organization } } : {}),
  };
}

function mediaObject(content: MediaContent, media: MetaMediaReference): Record<string, unknown> {
  switch (content.type) {
    case 'image':
    case 'video':
      return { ...media, ...(content.caption ? { caption: content.caption } : {}) };
    case 'document': {
      const filename = content.fileName ?? content.media.fileName;
      return {
        ...media,
        ...(content.caption ? { caption: content.caption } : {}),
        ...(filename ? { filename } : {}),
      };
    }
    case 'audio':
    case 'sticker':
      return { ...media };
  }
}

function typedObject(input: MetaMessageInput): { type: string; value: unknown } {
  const { content } = input;
  if (hasMedia(content)) {
    if (!input.media) throw new Error(`a ${content.type} message needs its media resolved first`);
    return { type: content.type, value: mediaObject(content, input.media) };
  }
  switch (content.type) {
    case 'text':
      return {
        type: 'text',
        value: { body: content.text, ...(input.linkPreview ? { preview_url: true } : {}) },
      };
    case 'location':
      return {
        type: 'location',
        value: {
          latitude: content.latitude,
          longitude: content.longitude,
          ...(content.name ? { name: content.name } : {}),
          ...(content.address ? { address: content.address } : {}),
        },
      };
    case 'contacts':
      return { type: 'contacts', value: content.contacts.map(metaContact) };
    case 'reaction':
      return {
        type: 'reaction',
        value: { message_id: input.reactionTargetWamid ?? content.messageId, emoji: content.emoji },
      };
    case 'buttons':
      return {
        type: 'interactive',
        value: {
          type: 'button',
          body: { text: content.text },
          ...(content.footer ? { footer: { text: content.footer } } : {}),
          action: { buttons: content.buttons.map((button) => ({ type: 'reply', reply: button })) },
        },
      };
    case 'list':
      return {
        type: 'interactive',
        value: {
          type: 'list',
          ...(content.title ? { header: { type: 'text', text: content.title } } : {}),
          body: { text: content.text },
          ...(content.footer ? { footer: { text: content.footer } } : {}),
          action: {
            button: content.buttonText,
            sections: content.sections.map((section) => ({
              ...(section.title ? { title: section.title } : {}),
              rows: section.rows.map((row) => ({
                id: row.id,
                title: row.title,
                ...(row.description ? { description: row.description } : {}),
              })),
            })),
          },
        },
      };
    case 'cta_url':
      return {
        type: 'interactive',
        value: {
          type: 'cta_url',
          body: { text: content.text },
          action: { name: 'cta_url', parameters: { display_text: content.displayText, url: content.url } },
        },
      };
    case 'template':
      return {
        type: 'template',
        value: {
          name: content.name,
          language: { code: content.language },
          ...(content.components?.length ? { components: content.components } : {}),
        },
      };
    case 'poll':
      throw new UnsupportedOnCloudError('the Cloud API cannot send polls');
  }
}

/**
 * The body of `POST /{phone-number-id}/messages` for one outbound message, in the shape Meta
 * documents: `buttons`/`list`/`cta_url` become `interactive`, a reply gets `context.message_id`
 * (every type but reactions), contact cards get Meta's name parts.
 *
 * @example
 * metaMessageBody({ to: '16505551234', content: { type: 'text', text: 'hi' }, replyToWamid: 'wamid.X' });
 * // { messaging_product: 'whatsapp', recipient_type: 'individual', to: '16505551234', type: 'text',
 * //   text: { body: 'hi' }, context: { message_id: 'wamid.X' } }
 */
export function metaMessageBody(input: MetaMessageInput): Record<string, unknown> {
  const { type, value } = typedObject(input);
  const replies = input.replyToWamid !== undefined && input.content.type !== 'reaction';
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: input.to,
    type,
    [type]: value,
    ...(replies ? { context: { message_id: input.replyToWamid } } : {}),
  };
}

/**
 * The content as history and events carry it: media described by `StoredMedia` instead of where it
 * came from.
 *
 * @example
 * storedContent({ type: 'image', media: { url } }, { mimeType: 'image/jpeg' }); // { type: 'image', media: { mimeType: 'image/jpeg' } }
 */
export function storedContent(content: OutboundContent, media: StoredMedia | undefined): MessageContent {
  if (!hasMedia(content)) return content;
  if (!media) throw new Error(`a ${content.type} message needs its media described`);
  return { ...content, media } as MessageContent;
}
