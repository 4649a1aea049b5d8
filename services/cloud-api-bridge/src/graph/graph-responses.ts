import { z } from 'zod';

/**
 * What Meta's Graph API answers, as far as the bridge reads it. Objects are loose because Meta adds
 * fields over time; numbers Meta writes as strings (`file_size`) are accepted either way.
 */

/**
 * Meta's error body: `{"error":{"message","type","code","error_subcode"?,"error_data":{"details"},"fbtrace_id"}}`.
 *
 * @example
 * MetaErrorBody.parse(JSON.parse(body)).error.code; // 130429
 */
export const MetaErrorBody = z.looseObject({
  error: z.looseObject({
    message: z.string().optional(),
    type: z.string().optional(),
    code: z.number().int(),
    error_subcode: z.number().int().optional(),
    error_data: z.looseObject({ details: z.string().optional() }).optional(),
    fbtrace_id: z.string().optional(),
  }),
});
export type MetaErrorBody = z.infer<typeof MetaErrorBody>;

/**
 * The answer to an accepted send: the wamid of the new message.
 *
 * @example
 * SendMessageResponse.parse(body).messages[0].id; // 'wamid.HBgL…'
 */
export const SendMessageResponse = z.looseObject({
  messaging_product: z.literal('whatsapp'),
  contacts: z.array(z.looseObject({ input: z.string(), wa_id: z.string() })).optional(),
  messages: z.array(z.looseObject({ id: z.string().min(1), message_status: z.string().optional() })).min(1),
});
export type SendMessageResponse = z.infer<typeof SendMessageResponse>;

/** `{"success":true}` of mark-read and typing indicators. */
export const SuccessResponse = z.looseObject({ success: z.boolean() });

/** The id of uploaded media. */
export const MediaUploadResponse = z.looseObject({ id: z.string().min(1) });

/**
 * `GET /{media-id}`: a download URL valid for 5 minutes, the type, hex SHA-256 and size.
 *
 * @example
 * MediaInfo.parse(body).file_size; // 303833
 */
export const MediaInfo = z.looseObject({
  url: z.url({ protocol: /^https?$/ }),
  mime_type: z.string().min(1),
  sha256: z.string().optional(),
  file_size: z
    .union([z.string().regex(/^\d+$/).transform(Number), z.number().int().nonnegative()])
    .optional(),
  id: z.string().min(1),
});
export type MediaInfo = z.infer<typeof MediaInfo>;

/**
 * `GET /{phone-number-id}?fields=…`: what Meta says of a business number.
 *
 * @example
 * PhoneNumberFacts.parse(body).quality_rating; // 'GREEN'
 */
export const PhoneNumberFacts = z.looseObject({
  id: z.string(),
  display_phone_number: z.string().optional(),
  verified_name: z.string().optional(),
  quality_rating: z.string().optional(),
  messaging_limit_tier: z.string().optional(),
  whatsapp_business_manager_messaging_limit: z.string().optional(),
  throughput: z.looseObject({ level: z.string() }).optional(),
  status: z.string().optional(),
});
export type PhoneNumberFacts = z.infer<typeof PhoneNumberFacts>;
