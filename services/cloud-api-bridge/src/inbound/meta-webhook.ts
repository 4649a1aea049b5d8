import { z } from 'zod';

/**
 * What Meta POSTs to a webhook for the `messages` field (CLOUD-API.md "Webhooks from Meta"), as far
 * as the bridge reads it. Objects are loose and each message is checked on its own, so a message
 * type Meta adds later becomes one `unsupported` message instead of a refused body.
 */

/**
 * The outer shape every webhook body has, whatever its field.
 *
 * @example
 * MetaWebhookEnvelope.parse(JSON.parse(rawBody)).entry[0]?.changes[0]?.field; // 'messages'
 */
export const MetaWebhookEnvelope = z.looseObject({
  object: z.string(),
  entry: z.array(
    z.looseObject({
      id: z.string(),
      changes: z.array(z.looseObject({ field: z.string(), value: z.unknown() })),
    }),
  ),
});
export type MetaWebhookEnvelope = z.infer<typeof MetaWebhookEnvelope>;

/**
 * An error Meta reports in a failed status or an unsupported message.
 *
 * @example
 * MetaWebhookError.parse({ code: 131047, title: 'Re-engagement message' });
 */
export const MetaWebhookError = z.looseObject({
  code: z.number().int(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
});
export type MetaWebhookError = z.infer<typeof MetaWebhookError>;

const UnixSecondsText = z.string().regex(/^\d+$/).transform(Number);

/**
 * A delivery update of a message the business sent.
 *
 * @example
 * MetaMessageStatus.parse(status).status; // 'read'
 */
export const MetaMessageStatus = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  timestamp: UnixSecondsText,
  recipient_id: z.string().min(1),
  errors: z.array(MetaWebhookError).optional(),
});
export type MetaMessageStatus = z.infer<typeof MetaMessageStatus>;

/**
 * What every inbound message has, whatever its type; the type's own object is read by `inboundContent`.
 *
 * @example
 * MetaInboundMessageBase.parse(message).type; // 'image'
 */
export const MetaInboundMessageBase = z.looseObject({
  from: z.string().regex(/^\d{3,20}$/),
  id: z.string().min(1),
  timestamp: UnixSecondsText,
  type: z.string(),
  context: z
    .looseObject({
      from: z.string().optional(),
      id: z.string().optional(),
      forwarded: z.boolean().optional(),
      frequently_forwarded: z.boolean().optional(),
    })
    .optional(),
  errors: z.array(MetaWebhookError).optional(),
});
export type MetaInboundMessageBase = z.infer<typeof MetaInboundMessageBase>;

/**
 * The `value` of a `messages` change: the number it is for, senders, messages, statuses.
 *
 * @example
 * MetaMessagesValue.parse(change.value).metadata.phone_number_id; // '106540352242922'
 */
export const MetaMessagesValue = z.looseObject({
  messaging_product: z.literal('whatsapp'),
  metadata: z.looseObject({ display_phone_number: z.string(), phone_number_id: z.string() }),
  contacts: z
    .array(z.looseObject({ wa_id: z.string(), profile: z.looseObject({ name: z.string() }).optional() }))
    .optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
  errors: z.array(MetaWebhookError).optional(),
});
export type MetaMessagesValue = z.infer<typeof MetaMessagesValue>;

/** Media a user sent: fetch it with `GET /{id}`. */
export const MetaInboundMedia = z.looseObject({
  id: z.string().min(1),
  mime_type: z.string().min(1),
  sha256: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  voice: z.boolean().optional(),
  animated: z.boolean().optional(),
});
export type MetaInboundMedia = z.infer<typeof MetaInboundMedia>;

/** The object of each inbound message type the product represents. */
export const META_INBOUND_OBJECTS = {
  text: z.looseObject({ body: z.string() }),
  location: z.looseObject({
    latitude: z.number(),
    longitude: z.number(),
    name: z.string().optional(),
    address: z.string().optional(),
  }),
  contacts: z
    .array(
      z.looseObject({
        name: z.looseObject({ formatted_name: z.string().min(1) }),
        phones: z
          .array(
            z.looseObject({
              phone: z.string().optional(),
              type: z.string().optional(),
              wa_id: z.string().optional(),
            }),
          )
          .optional(),
        emails: z.array(z.looseObject({ email: z.string().optional() })).optional(),
        org: z.looseObject({ company: z.string().optional() }).optional(),
      }),
    )
    .min(1),
  reaction: z.looseObject({ message_id: z.string().min(1), emoji: z.string().optional() }),
  interactive: z.discriminatedUnion('type', [
    z.looseObject({
      type: z.literal('button_reply'),
      button_reply: z.looseObject({ id: z.string(), title: z.string() }),
    }),
    z.looseObject({
      type: z.literal('list_reply'),
      list_reply: z.looseObject({ id: z.string(), title: z.string(), description: z.string().optional() }),
    }),
  ]),
  button: z.looseObject({ payload: z.string(), text: z.string() }),
} as const;
