import { z } from 'zod';

/**
 * What Meta accepts on `POST /{version}/{phone-number-id}/messages`, per its Cloud API reference and
 * OpenAPI description (`business-messaging-api_v23.0.yaml`). Objects are strict because Meta answers
 * unsupported parameters with code 100; limits are Meta's documented lengths and counts. A custom
 * issue may carry `params.metaCode` to pick the error code Meta uses for that rule.
 */

/**
 * Message types Meta sends to users, in the order its error text lists them.
 *
 * @example
 * SENDABLE_MESSAGE_TYPES.includes('reaction'); // true
 */
export const SENDABLE_MESSAGE_TYPES = [
  'audio',
  'contacts',
  'document',
  'image',
  'interactive',
  'location',
  'reaction',
  'sticker',
  'template',
  'text',
  'video',
] as const;
/**
 * One of the message types the business can send.
 *
 * @example
 * const type: SendableMessageType = 'interactive';
 */
export type SendableMessageType = (typeof SENDABLE_MESSAGE_TYPES)[number];

const HttpUrl = z.url({ protocol: /^https?$/ });

/** A media reference is by uploaded `id` or by `link`, never both (131008 / 131009). */
function mediaReference<Shape extends z.ZodRawShape>(extra: Shape) {
  return z
    .strictObject({ id: z.string().min(1).optional(), link: HttpUrl.optional(), ...extra })
    .superRefine((media, context) => {
      // The generic shape hides `id` and `link` from the checker; both are always in it.
      const { id, link } = media as { id?: string; link?: string };
      if (id === undefined && link === undefined) {
        context.addIssue({
          code: 'custom',
          message: 'The parameter id or link is required.',
          params: { metaCode: 131008 },
        });
      } else if (id !== undefined && link !== undefined) {
        context.addIssue({
          code: 'custom',
          message: 'Only one of the parameters id or link may be set.',
          params: { metaCode: 131009 },
        });
      }
    });
}

const Caption = z.string().max(1024);

const SendTextObject = z.strictObject({
  body: z.string().min(1).max(4096),
  preview_url: z.boolean().optional(),
});
const SendImageObject = mediaReference({ caption: Caption.optional() });
const SendVideoObject = mediaReference({ caption: Caption.optional() });
const SendAudioObject = mediaReference({});
const SendDocumentObject = mediaReference({
  caption: Caption.optional(),
  filename: z.string().min(1).max(240).optional(),
});
const SendStickerObject = mediaReference({});

/** Meta's reference types these as strings and its examples as numbers; both are accepted. */
const Coordinate = (limit: number) =>
  z
    .union([
      z.number(),
      z
        .string()
        .regex(/^-?\d+(\.\d+)?$/)
        .transform(Number),
    ])
    .pipe(z.number().min(-limit).max(limit));

const SendLocationObject = z.strictObject({
  latitude: Coordinate(90),
  longitude: Coordinate(180),
  name: z.string().optional(),
  address: z.string().optional(),
});

const ContactKind = z.enum(['HOME', 'WORK']);
const SendContactObject = z.strictObject({
  name: z.strictObject({
    formatted_name: z.string().min(1),
    first_name: z.string().optional(),
    last_name: z.string().optional(),
    middle_name: z.string().optional(),
    suffix: z.string().optional(),
    prefix: z.string().optional(),
  }),
  addresses: z
    .array(
      z.strictObject({
        street: z.string().optional(),
        city: z.string().optional(),
        state: z.string().optional(),
        zip: z.string().optional(),
        country: z.string().optional(),
        country_code: z.string().optional(),
        type: ContactKind.optional(),
      }),
    )
    .optional(),
  birthday: z.iso.date().optional(),
  emails: z.array(z.strictObject({ email: z.string().min(1), type: ContactKind.optional() })).optional(),
  org: z
    .strictObject({
      company: z.string().optional(),
      department: z.string().optional(),
      title: z.string().optional(),
    })
    .optional(),
  phones: z
    .array(
      z.strictObject({
        phone: z.string().min(1),
        type: z.string().optional(),
        wa_id: z.string().regex(/^\d+$/).optional(),
      }),
    )
    .optional(),
  urls: z.array(z.strictObject({ url: z.string().min(1), type: ContactKind.optional() })).optional(),
});

const SendReactionObject = z.strictObject({
  message_id: z.string().min(1),
  /** An empty string removes an earlier reaction. */
  emoji: z.string(),
});

const InteractiveBody = z.strictObject({ text: z.string().min(1).max(1024) });
const InteractiveFooter = z.strictObject({ text: z.string().min(1).max(60) });
const InteractiveHeader = z.strictObject({
  type: z.enum(['text', 'image', 'video', 'document']),
  text: z.string().min(1).max(60).optional(),
  sub_text: z.string().max(60).optional(),
  image: mediaReference({}).optional(),
  video: mediaReference({}).optional(),
  document: mediaReference({ filename: z.string().optional() }).optional(),
});

/** Titles and ids of buttons and rows must be unique within a message. */
function uniqueValues(values: readonly string[], what: string, context: z.RefinementCtx): void {
  if (new Set(values).size !== values.length) {
    context.addIssue({ code: 'custom', message: `${what} must be unique.`, params: { metaCode: 131009 } });
  }
}

const ReplyButtonsAction = z
  .strictObject({
    buttons: z
      .array(
        z.strictObject({
          type: z.literal('reply'),
          reply: z.strictObject({ id: z.string().min(1).max(256), title: z.string().min(1).max(20) }),
        }),
      )
      .min(1)
      .max(3),
  })
  .superRefine((action, context) => {
    uniqueValues(
      action.buttons.map((button) => button.reply.id),
      'Button ids',
      context,
    );
    uniqueValues(
      action.buttons.map((button) => button.reply.title),
      'Button titles',
      context,
    );
  });

const ListAction = z
  .strictObject({
    button: z.string().min(1).max(20),
    sections: z
      .array(
        z.strictObject({
          title: z.string().min(1).max(24).optional(),
          rows: z
            .array(
              z.strictObject({
                id: z.string().min(1).max(200),
                title: z.string().min(1).max(24),
                description: z.string().max(72).optional(),
              }),
            )
            .min(1)
            .max(10),
        }),
      )
      .min(1)
      .max(10),
  })
  .superRefine((action, context) => {
    const rows = action.sections.flatMap((section) => section.rows);
    if (rows.length > 10) {
      context.addIssue({
        code: 'custom',
        message: 'A list message can have at most 10 rows across all sections.',
        params: { metaCode: 131009 },
      });
    }
    if (action.sections.length > 1 && action.sections.some((section) => section.title === undefined)) {
      context.addIssue({
        code: 'custom',
        message: 'Each section needs a title when a list has more than one section.',
        params: { metaCode: 131008 },
      });
    }
    uniqueValues(
      rows.map((row) => row.id),
      'Row ids',
      context,
    );
  });

const CtaUrlAction = z.strictObject({
  name: z.literal('cta_url'),
  parameters: z.strictObject({ display_text: z.string().min(1).max(20), url: HttpUrl }),
});

/** Interactive kinds beyond the three the gateway sends are accepted as Meta shapes them, unchecked. */
const OTHER_INTERACTIVE_TYPES = [
  'product',
  'product_list',
  'catalog_message',
  'flow',
  'location_request_message',
  'address_message',
  'call_permission_request',
  'order_details',
  'order_status',
] as const;

const SendInteractiveObject = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('button'),
    header: InteractiveHeader.optional(),
    body: InteractiveBody,
    footer: InteractiveFooter.optional(),
    action: ReplyButtonsAction,
  }),
  z.strictObject({
    type: z.literal('list'),
    header: InteractiveHeader.optional(),
    body: InteractiveBody,
    footer: InteractiveFooter.optional(),
    action: ListAction,
  }),
  z.strictObject({
    type: z.literal('cta_url'),
    header: InteractiveHeader.optional(),
    body: InteractiveBody,
    footer: InteractiveFooter.optional(),
    action: CtaUrlAction,
  }),
  z.looseObject({ type: z.enum(OTHER_INTERACTIVE_TYPES), action: z.looseObject({}) }),
]);

const TemplateParameter = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text'), text: z.string(), parameter_name: z.string().optional() }),
  z.strictObject({
    type: z.literal('currency'),
    currency: z.strictObject({ fallback_value: z.string(), code: z.string(), amount_1000: z.number().int() }),
    parameter_name: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('date_time'),
    date_time: z.looseObject({ fallback_value: z.string() }),
    parameter_name: z.string().optional(),
  }),
  z.strictObject({ type: z.literal('image'), image: mediaReference({}) }),
  z.strictObject({ type: z.literal('video'), video: mediaReference({}) }),
  z.strictObject({
    type: z.literal('document'),
    document: mediaReference({ filename: z.string().optional() }),
  }),
  z.strictObject({ type: z.literal('payload'), payload: z.string() }),
  z.looseObject({ type: z.enum(['location', 'action', 'coupon_code', 'limited_time_offer', 'product']) }),
]);

/**
 * The `template` object of a send: name, language and component parameters.
 *
 * @example
 * SendTemplateObject.parse({ name: 'order_update', language: { code: 'en_US' } });
 */
export const SendTemplateObject = z.strictObject({
  name: z.string().min(1).max(512),
  language: z.strictObject({ code: z.string().min(2), policy: z.literal('deterministic').optional() }),
  components: z
    .array(
      z.strictObject({
        type: z.enum(['header', 'body', 'button', 'footer', 'carousel', 'limited_time_offer']),
        sub_type: z.string().optional(),
        index: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).optional(),
        parameters: z.array(TemplateParameter).optional(),
        cards: z.array(z.looseObject({})).optional(),
      }),
    )
    .optional(),
});

const SendEnvelope = {
  messaging_product: z.literal('whatsapp'),
  recipient_type: z.literal('individual').optional(),
  to: z.string().regex(/^\+?[0-9][0-9 ().-]{3,30}$/, 'a phone number or wa_id'),
  biz_opaque_callback_data: z.string().max(512).optional(),
};
const Reply = { context: z.strictObject({ message_id: z.string().min(1) }).optional() };

/**
 * The body of a message send, one variant per `type` (Meta defaults `type` to `text`).
 *
 * @example
 * MetaSendMessageBody.parse({ messaging_product: 'whatsapp', to: '16505551234', type: 'text', text: { body: 'hi' } });
 */
export const MetaSendMessageBody = z.discriminatedUnion('type', [
  z.strictObject({ ...SendEnvelope, ...Reply, type: z.literal('text'), text: SendTextObject }),
  z.strictObject({ ...SendEnvelope, ...Reply, type: z.literal('image'), image: SendImageObject }),
  z.strictObject({ ...SendEnvelope, ...Reply, type: z.literal('video'), video: SendVideoObject }),
  z.strictObject({ ...SendEnvelope, ...Reply, type: z.literal('audio'), audio: SendAudioObject }),
  z.strictObject({ ...SendEnvelope, ...Reply, type: z.literal('document'), document: SendDocumentObject }),
  z.strictObject({ ...SendEnvelope, ...Reply, type: z.literal('sticker'), sticker: SendStickerObject }),
  z.strictObject({ ...SendEnvelope, ...Reply, type: z.literal('location'), location: SendLocationObject }),
  z.strictObject({
    ...SendEnvelope,
    ...Reply,
    type: z.literal('contacts'),
    contacts: z.array(SendContactObject).min(1).max(5),
  }),
  z.strictObject({ ...SendEnvelope, type: z.literal('reaction'), reaction: SendReactionObject }),
  z.strictObject({
    ...SendEnvelope,
    ...Reply,
    type: z.literal('interactive'),
    interactive: SendInteractiveObject,
  }),
  z.strictObject({ ...SendEnvelope, ...Reply, type: z.literal('template'), template: SendTemplateObject }),
]);
export type MetaSendMessageBody = z.infer<typeof MetaSendMessageBody>;

/**
 * Marks an inbound message read, and with `typing_indicator` shows "typing…" for up to 25 s.
 *
 * @example
 * MetaMarkReadBody.parse({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.…', typing_indicator: { type: 'text' } });
 */
export const MetaMarkReadBody = z.strictObject({
  messaging_product: z.literal('whatsapp'),
  status: z.literal('read'),
  message_id: z.string().min(1),
  typing_indicator: z.strictObject({ type: z.literal('text') }).optional(),
});
export type MetaMarkReadBody = z.infer<typeof MetaMarkReadBody>;

/**
 * Meta's answer to an accepted send.
 *
 * @example
 * MetaSendMessageResponse.parse(response.body).messages[0].id; // 'wamid.HBgL…'
 */
export const MetaSendMessageResponse = z.object({
  messaging_product: z.literal('whatsapp'),
  contacts: z.array(z.object({ input: z.string(), wa_id: z.string() })).length(1),
  messages: z
    .array(
      z.object({
        id: z.string().startsWith('wamid.'),
        message_status: z.enum(['accepted', 'held_for_quality_assessment', 'paused']).optional(),
      }),
    )
    .length(1),
});
export type MetaSendMessageResponse = z.infer<typeof MetaSendMessageResponse>;
