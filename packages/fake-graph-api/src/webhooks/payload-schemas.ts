import { z } from 'zod';

/**
 * What Meta POSTs to an app's webhook for the `messages` field, per its webhook reference and
 * OpenAPI examples. Objects are loose: Meta adds fields over time and a consumer must not fail on
 * them. Numbers are strings wherever Meta writes them as strings (timestamps, ids).
 */

const MetaWebhookMetadata = z.looseObject({
  display_phone_number: z.string(),
  phone_number_id: z.string(),
});

/**
 * An error in a failed status, an unsupported message, or a system-level `errors` array.
 *
 * @example
 * MetaWebhookError.parse(status.errors?.[0]).code; // 131047
 */
export const MetaWebhookError = z.looseObject({
  code: z.number().int(),
  title: z.string(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string() }).optional(),
  href: z.string().optional(),
});
export type MetaWebhookError = z.infer<typeof MetaWebhookError>;

/** The sender's profile, listed once per user next to their messages. */
const MetaWebhookContact = z.looseObject({
  profile: z.looseObject({ name: z.string() }),
  wa_id: z.string(),
});

/** Media the user sent: download it with `GET /{version}/{id}`. `sha256` is base64 here. */
const MetaInboundMedia = z.looseObject({
  id: z.string(),
  mime_type: z.string(),
  sha256: z.string(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  voice: z.boolean().optional(),
  animated: z.boolean().optional(),
});

/** A reply (`from` + `id` of the quoted message) or a forward marker. */
const MetaInboundContext = z.looseObject({
  from: z.string().optional(),
  id: z.string().optional(),
  forwarded: z.boolean().optional(),
  frequently_forwarded: z.boolean().optional(),
});

const inboundBase = {
  from: z.string(),
  id: z.string(),
  timestamp: z.string().regex(/^\d+$/),
  context: MetaInboundContext.optional(),
  errors: z.array(MetaWebhookError).optional(),
};

const InboundContactCard = z.looseObject({
  name: z.looseObject({ formatted_name: z.string() }),
  phones: z.array(z.looseObject({ phone: z.string().optional(), wa_id: z.string().optional() })).optional(),
});

/**
 * A message a user sent, one variant per `type` the fake produces.
 *
 * @example
 * if (message.type === 'image') download(message.image.id);
 */
export const MetaInboundMessage = z.discriminatedUnion('type', [
  z.looseObject({ ...inboundBase, type: z.literal('text'), text: z.looseObject({ body: z.string() }) }),
  z.looseObject({ ...inboundBase, type: z.literal('image'), image: MetaInboundMedia }),
  z.looseObject({ ...inboundBase, type: z.literal('video'), video: MetaInboundMedia }),
  z.looseObject({ ...inboundBase, type: z.literal('audio'), audio: MetaInboundMedia }),
  z.looseObject({ ...inboundBase, type: z.literal('document'), document: MetaInboundMedia }),
  z.looseObject({ ...inboundBase, type: z.literal('sticker'), sticker: MetaInboundMedia }),
  z.looseObject({
    ...inboundBase,
    type: z.literal('location'),
    location: z.looseObject({
      latitude: z.number(),
      longitude: z.number(),
      name: z.string().optional(),
      address: z.string().optional(),
      url: z.string().optional(),
    }),
  }),
  z.looseObject({
    ...inboundBase,
    type: z.literal('contacts'),
    contacts: z.array(InboundContactCard).min(1),
  }),
  z.looseObject({
    ...inboundBase,
    type: z.literal('reaction'),
    reaction: z.looseObject({ message_id: z.string(), emoji: z.string().optional() }),
  }),
  z.looseObject({
    ...inboundBase,
    type: z.literal('interactive'),
    interactive: z.discriminatedUnion('type', [
      z.looseObject({
        type: z.literal('button_reply'),
        button_reply: z.looseObject({ id: z.string(), title: z.string() }),
      }),
      z.looseObject({
        type: z.literal('list_reply'),
        list_reply: z.looseObject({ id: z.string(), title: z.string(), description: z.string().optional() }),
      }),
      z.looseObject({ type: z.literal('nfm_reply'), nfm_reply: z.looseObject({}) }),
    ]),
  }),
  z.looseObject({
    ...inboundBase,
    type: z.literal('button'),
    button: z.looseObject({ payload: z.string(), text: z.string() }),
  }),
  z.looseObject({ ...inboundBase, type: z.literal('unsupported'), errors: z.array(MetaWebhookError).min(1) }),
]);
export type MetaInboundMessage = z.infer<typeof MetaInboundMessage>;

/**
 * A delivery update of a message the business sent.
 *
 * @example
 * MetaMessageStatus.parse(value.statuses[0]).status; // 'delivered'
 */
export const MetaMessageStatus = z.looseObject({
  id: z.string(),
  status: z.enum(['sent', 'delivered', 'read', 'failed', 'played', 'deleted']),
  timestamp: z.string().regex(/^\d+$/),
  recipient_id: z.string(),
  biz_opaque_callback_data: z.string().optional(),
  conversation: z
    .looseObject({
      id: z.string(),
      expiration_timestamp: z.string().optional(),
      origin: z.looseObject({ type: z.string() }),
    })
    .optional(),
  pricing: z
    .looseObject({
      billable: z.boolean(),
      pricing_model: z.string(),
      category: z.string(),
      type: z.string().optional(),
    })
    .optional(),
  errors: z.array(MetaWebhookError).optional(),
});
export type MetaMessageStatus = z.infer<typeof MetaMessageStatus>;

/**
 * The `value` of a `messages` change: inbound messages with their senders, statuses, or errors.
 *
 * @example
 * MetaMessagesValue.parse(change.value).statuses ?? [];
 */
export const MetaMessagesValue = z.looseObject({
  messaging_product: z.literal('whatsapp'),
  metadata: MetaWebhookMetadata,
  contacts: z.array(MetaWebhookContact).optional(),
  messages: z.array(MetaInboundMessage).optional(),
  statuses: z.array(MetaMessageStatus).optional(),
  errors: z.array(MetaWebhookError).optional(),
});
export type MetaMessagesValue = z.infer<typeof MetaMessagesValue>;

/**
 * One WhatsApp webhook POST body (`object: whatsapp_business_account`).
 *
 * @example
 * const payload = MetaWebhookPayload.parse(JSON.parse(rawBody));
 */
export const MetaWebhookPayload = z.looseObject({
  object: z.literal('whatsapp_business_account'),
  entry: z
    .array(
      z.looseObject({
        id: z.string(),
        changes: z.array(z.looseObject({ field: z.literal('messages'), value: MetaMessagesValue })).min(1),
      }),
    )
    .min(1),
});
export type MetaWebhookPayload = z.infer<typeof MetaWebhookPayload>;
