import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { FakeSetupError, type PhoneNumberRecord } from '../accounts/accounts';
import { newWamid, unixSeconds } from '../ids';
import type { MediaLibrary } from '../media/library';
import { mediaKindOf } from '../media/limits';
import type { MetaInboundMessage, MetaWebhookError } from './payload-schemas';
import { webhookErrorOf } from './statuses';

/** A reply quotes a message by id (the sender defaults to the business number); forwards are flagged. */
const InboundContext = z.union([
  z.strictObject({ id: z.string().min(1), from: z.string().regex(/^\d+$/).optional() }),
  z.strictObject({ forwarded: z.literal(true) }),
  z.strictObject({ frequently_forwarded: z.literal(true) }),
]);

const withContext = { context: InboundContext.optional() };
const MediaDescription = z.strictObject({ caption: z.string().optional() });

/**
 * The message a user writes, shaped as in Meta's webhook minus what Meta fills in (`from`, `id`,
 * `timestamp`, and for media `id`, `mime_type` and `sha256`).
 *
 * @example
 * fake.sendInboundMessage({ …, message: { type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'yes', title: 'Yes' } } } });
 */
export const InboundMessageContent = z.discriminatedUnion('type', [
  z.strictObject({
    ...withContext,
    type: z.literal('text'),
    text: z.strictObject({ body: z.string().min(1) }),
  }),
  z.strictObject({ ...withContext, type: z.literal('image'), image: MediaDescription.default({}) }),
  z.strictObject({ ...withContext, type: z.literal('video'), video: MediaDescription.default({}) }),
  z.strictObject({
    ...withContext,
    type: z.literal('audio'),
    audio: z.strictObject({ voice: z.boolean().optional() }).default({}),
  }),
  z.strictObject({
    ...withContext,
    type: z.literal('document'),
    document: z.strictObject({ caption: z.string().optional(), filename: z.string().optional() }).default({}),
  }),
  z.strictObject({
    ...withContext,
    type: z.literal('sticker'),
    sticker: z.strictObject({ animated: z.boolean().optional() }).default({}),
  }),
  z.strictObject({
    ...withContext,
    type: z.literal('location'),
    location: z.strictObject({
      latitude: z.number().min(-90).max(90),
      longitude: z.number().min(-180).max(180),
      name: z.string().optional(),
      address: z.string().optional(),
      url: z.string().optional(),
    }),
  }),
  z.strictObject({
    ...withContext,
    type: z.literal('contacts'),
    contacts: z.array(z.looseObject({ name: z.looseObject({ formatted_name: z.string().min(1) }) })).min(1),
  }),
  z.strictObject({
    type: z.literal('reaction'),
    reaction: z.strictObject({ message_id: z.string().min(1), emoji: z.string() }),
  }),
  z.strictObject({
    ...withContext,
    type: z.literal('interactive'),
    interactive: z.discriminatedUnion('type', [
      z.strictObject({
        type: z.literal('button_reply'),
        button_reply: z.strictObject({ id: z.string().min(1), title: z.string().min(1) }),
      }),
      z.strictObject({
        type: z.literal('list_reply'),
        list_reply: z.strictObject({
          id: z.string().min(1),
          title: z.string().min(1),
          description: z.string().optional(),
        }),
      }),
    ]),
  }),
  z.strictObject({
    ...withContext,
    type: z.literal('button'),
    button: z.strictObject({ payload: z.string(), text: z.string() }),
  }),
  z.strictObject({
    type: z.literal('unsupported'),
    errors: z
      .array(
        z.strictObject({
          code: z.number().int(),
          title: z.string().optional(),
          details: z.string().optional(),
        }),
      )
      .optional(),
  }),
]);
export type InboundMessageContent = z.input<typeof InboundMessageContent>;

/** Bytes as a Uint8Array, or as a base64 string (for the HTTP control API). */
const FileContent = z.union([
  z.instanceof(Uint8Array),
  z.base64().transform((text) => Buffer.from(text, 'base64')),
]);

/**
 * A user writing to a business number.
 *
 * @example
 * fake.sendInboundMessage({ phoneNumberId, from: '16505551234', profileName: 'Lucía', message: { type: 'text', text: { body: 'olá' } } });
 */
export const InboundMessageInput = z.object({
  phoneNumberId: z.string().min(1),
  /** The user's wa_id (digits). */
  from: z.string().regex(/^\d{5,20}$/),
  /** Shown in `contacts[].profile.name`; any unicode. */
  profileName: z.string().min(1),
  /** How long after the call the webhook is due. */
  delayMs: z.number().int().nonnegative().default(0),
  message: InboundMessageContent,
  /** The file of a media message; a small placeholder of the kind's usual type when absent. */
  file: z.object({ content: FileContent, mimeType: z.string().min(3) }).optional(),
});
export type InboundMessageInput = z.input<typeof InboundMessageInput>;

type MediaMessageKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

const PLACEHOLDER_TYPE: Record<MediaMessageKind, string> = {
  image: 'image/jpeg',
  video: 'video/mp4',
  audio: 'audio/ogg',
  document: 'application/pdf',
  sticker: 'image/webp',
};

/** How Meta describes an unsupported message (e.g. a poll or a view-once message). */
const UNSUPPORTED_MESSAGE_ERROR: MetaWebhookError = {
  code: 131051,
  title: 'Message type unknown',
  message: 'Message type unknown',
  error_data: { details: 'Message type is currently not supported.' },
};

/**
 * A user's message as the webhook carries it, with the sender's contact.
 *
 * @example
 * fake.sendInboundMessage(input).message.id; // 'wamid.HBgL…'
 */
export interface BuiltInboundMessage {
  contact: { profile: { name: string }; wa_id: string };
  message: MetaInboundMessage;
}

/**
 * The webhook form of a user's message; media is stored first so that it can be downloaded.
 *
 * @example
 * buildInboundMessage(InboundMessageInput.parse({ phoneNumberId, from: '16505551234',
 *   profileName: 'Lucía', message: { type: 'text', text: { body: 'olá' } } }), phoneNumber, media, Date.now());
 */
export function buildInboundMessage(
  input: z.output<typeof InboundMessageInput>,
  phoneNumber: PhoneNumberRecord,
  media: MediaLibrary,
  now: number,
): BuiltInboundMessage {
  const content = input.message;
  const contextOf = (): Record<string, unknown> => {
    if (!('context' in content) || content.context === undefined) return {};
    const context = content.context;
    return 'id' in context
      ? { context: { from: context.from ?? phoneNumber.displayPhoneNumberDigits, id: context.id } }
      : { context };
  };
  const base = {
    ...contextOf(),
    from: input.from,
    id: newWamid(input.from, 'inbound'),
    timestamp: unixSeconds(now),
  };
  const contact = { profile: { name: input.profileName }, wa_id: input.from };

  switch (content.type) {
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker': {
      const file = input.file ?? { content: randomBytes(1024), mimeType: PLACEHOLDER_TYPE[content.type] };
      if (mediaKindOf(file.mimeType) !== content.type) {
        throw new FakeSetupError(`${content.type} messages cannot carry files of type ${file.mimeType}`);
      }
      const description: Record<string, unknown> =
        content.type === 'image'
          ? content.image
          : content.type === 'video'
            ? content.video
            : content.type === 'audio'
              ? content.audio
              : content.type === 'document'
                ? content.document
                : content.sticker;
      const stored = media.store({
        wabaId: phoneNumber.wabaId,
        phoneNumberId: phoneNumber.phoneNumberId,
        bytes: file.content,
        mimeType: file.mimeType,
        filename: typeof description.filename === 'string' ? description.filename : undefined,
      });
      const mediaObject = {
        ...description,
        mime_type: stored.mimeType,
        sha256: stored.sha256Base64,
        id: stored.id,
      };
      return {
        contact,
        message: { ...base, type: content.type, [content.type]: mediaObject } as MetaInboundMessage,
      };
    }
    case 'unsupported': {
      const errors = content.errors?.map((error) =>
        webhookErrorOf(error.code, { title: error.title, details: error.details }),
      ) ?? [UNSUPPORTED_MESSAGE_ERROR];
      return { contact, message: { ...base, errors, type: 'unsupported' } };
    }
    default: {
      const { context: _context, ...rest } = content as typeof content & { context?: unknown };
      return { contact, message: { ...base, ...rest } as MetaInboundMessage };
    }
  }
}
