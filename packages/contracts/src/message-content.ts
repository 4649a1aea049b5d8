import { z } from 'zod';

/** Media of a message as the product stores it: downloadable through the API by `id`. */
export const StoredMedia = z.object({
  /** Key in the product's media store; absent until the media was downloaded from WhatsApp/Meta. */
  id: z.string().min(1).optional(),
  mimeType: z.string().min(1),
  fileName: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
  sha256: z.string().optional(),
});
export type StoredMedia = z.infer<typeof StoredMedia>;

/** Where the media of an outbound message comes from: a URL, inline base64, or an earlier upload. */
export const MediaSource = z
  .object({
    url: z.url({ protocol: /^https?$/ }).optional(),
    base64: z.string().min(1).optional(),
    mediaId: z.string().min(1).optional(),
    mimeType: z.string().min(1).optional(),
    fileName: z.string().max(255).optional(),
  })
  .refine((media) => [media.url, media.base64, media.mediaId].filter(Boolean).length === 1, {
    message: 'give exactly one of url, base64 or mediaId',
  });
export type MediaSource = z.infer<typeof MediaSource>;

export const ContactCard = z.object({
  name: z.string().min(1).max(256),
  phones: z
    .array(
      z.object({
        number: z.string().min(3).max(32),
        type: z.string().max(32).optional(),
        waId: z.string().optional(),
      }),
    )
    .max(20)
    .default([]),
  emails: z.array(z.string().max(256)).max(20).optional(),
  organization: z.string().max(256).optional(),
  /** A full vCard; when present it is sent as is. */
  vcard: z.string().max(16_384).optional(),
});
export type ContactCard = z.infer<typeof ContactCard>;

const ReplyButton = z.object({ id: z.string().min(1).max(256), title: z.string().min(1).max(20) });
const ListSection = z.object({
  title: z.string().max(24).optional(),
  rows: z
    .array(
      z.object({
        id: z.string().min(1).max(200),
        title: z.string().min(1).max(24),
        description: z.string().max(72).optional(),
      }),
    )
    .min(1)
    .max(10),
});

/** Message types, as webhook filters (`message_types`) and history filters name them. */
export const MessageType = z.enum([
  'text',
  'image',
  'video',
  'audio',
  'document',
  'sticker',
  'location',
  'contacts',
  'reaction',
  'poll',
  'buttons',
  'list',
  'interactive_reply',
  'template',
  'cta_url',
  'unsupported',
]);
export type MessageType = z.infer<typeof MessageType>;

function sendableVariants<M extends z.ZodType>(media: M) {
  return [
    z.object({ type: z.literal('text'), text: z.string().min(1).max(65_536) }),
    z.object({ type: z.literal('image'), media, caption: z.string().max(4096).optional() }),
    z.object({
      type: z.literal('video'),
      media,
      caption: z.string().max(4096).optional(),
      gifPlayback: z.boolean().optional(),
    }),
    z.object({ type: z.literal('audio'), media, voiceNote: z.boolean().optional() }),
    z.object({
      type: z.literal('document'),
      media,
      caption: z.string().max(4096).optional(),
      fileName: z.string().max(255).optional(),
    }),
    z.object({ type: z.literal('sticker'), media }),
    z.object({
      type: z.literal('location'),
      latitude: z.number().min(-90).max(90),
      longitude: z.number().min(-180).max(180),
      name: z.string().max(1000).optional(),
      address: z.string().max(1000).optional(),
    }),
    z.object({ type: z.literal('contacts'), contacts: z.array(ContactCard).min(1).max(20) }),
    z.object({
      type: z.literal('reaction'),
      /** The message reacted to. */
      messageId: z.string().min(1).max(128),
      /** An emoji; empty removes the reaction. */
      emoji: z.string().max(32),
    }),
    z.object({
      type: z.literal('poll'),
      name: z.string().min(1).max(255),
      options: z.array(z.string().min(1).max(100)).min(2).max(12),
      selectableCount: z.number().int().min(0).max(12).default(1),
    }),
    z.object({
      type: z.literal('buttons'),
      text: z.string().min(1).max(1024),
      footer: z.string().max(60).optional(),
      buttons: z.array(ReplyButton).min(1).max(3),
    }),
    z.object({
      type: z.literal('list'),
      text: z.string().min(1).max(4096),
      buttonText: z.string().min(1).max(20),
      title: z.string().max(60).optional(),
      footer: z.string().max(60).optional(),
      sections: z.array(ListSection).min(1).max(10),
    }),
    z.object({
      type: z.literal('template'),
      name: z.string().min(1).max(512),
      language: z.string().min(2).max(15),
      /** Meta's `components` array, passed through as documented by Meta. */
      components: z.array(z.record(z.string(), z.unknown())).max(20).optional(),
    }),
    z.object({
      type: z.literal('cta_url'),
      text: z.string().min(1).max(1024),
      displayText: z.string().min(1).max(20),
      url: z.url(),
    }),
  ] as const;
}

/** A tap on a reply button or list row of an interactive message. */
const InteractiveReply = z.object({
  type: z.literal('interactive_reply'),
  replyType: z.enum(['button', 'list']),
  id: z.string(),
  title: z.string(),
  description: z.string().optional(),
});

/** Content the product cannot represent (yet); `reason` says what it was. */
const Unsupported = z.object({ type: z.literal('unsupported'), reason: z.string().optional() });

/**
 * The normalized content of a message as events and history carry it (media by stored id).
 *
 * @example
 * MessageContent.parse({ type: 'text', text: 'hi' });
 */
export const MessageContent = z.discriminatedUnion('type', [
  ...sendableVariants(StoredMedia),
  InteractiveReply,
  Unsupported,
]);
export type MessageContent = z.infer<typeof MessageContent>;

/**
 * The content of a message to send (media from a URL, base64 or earlier upload).
 *
 * @example
 * OutboundContent.parse({ type: 'image', media: { url: 'https://example.com/a.jpg' }, caption: 'hi' });
 */
export const OutboundContent = z.discriminatedUnion('type', sendableVariants(MediaSource));
export type OutboundContent = z.infer<typeof OutboundContent>;
