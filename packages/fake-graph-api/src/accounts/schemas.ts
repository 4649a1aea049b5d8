import { z } from 'zod';

/**
 * A Graph object id: Meta's are all-digit strings.
 *
 * @example
 * GraphObjectId.parse('106540352242922');
 */
export const GraphObjectId = z
  .string()
  .regex(/^[1-9][0-9]{4,20}$/, 'a Graph object id is a string of digits');

/**
 * The version segment of every Graph path, e.g. `v21.0`.
 *
 * @example
 * GraphVersion.parse('v21.0');
 */
export const GraphVersion = z.string().regex(/^v[0-9]{1,3}\.[0-9]{1,2}$/, 'a Graph version looks like v21.0');

/**
 * Meta's rating of a number from recent user feedback.
 *
 * @example
 * fake.updatePhoneNumber(phoneNumberId, { qualityRating: QualityRating.parse('YELLOW') });
 */
export const QualityRating = z.enum(['GREEN', 'YELLOW', 'RED', 'NA', 'UNKNOWN']);
export type QualityRating = z.infer<typeof QualityRating>;

/**
 * The deprecated `messaging_limit_tier` field's values (the seeds' `TIER_1K`).
 *
 * @example
 * fake.updatePhoneNumber(phoneNumberId, { messagingLimitTier: 'TIER_10K' });
 */
export const MessagingLimitTier = z.enum([
  'TIER_50',
  'TIER_250',
  'TIER_1K',
  'TIER_10K',
  'TIER_100K',
  'TIER_UNLIMITED',
]);
export type MessagingLimitTier = z.infer<typeof MessagingLimitTier>;

/**
 * The `whatsapp_business_manager_messaging_limit` values: 250 → 2,000 → 10,000 → 100,000 → unlimited.
 *
 * @example
 * fake.updatePhoneNumber(phoneNumberId, { businessManagerMessagingLimit: 'TIER_2K' });
 */
export const BusinessManagerMessagingLimit = z.enum([
  'TIER_250',
  'TIER_2K',
  'TIER_10K',
  'TIER_100K',
  'TIER_UNLIMITED',
]);
export type BusinessManagerMessagingLimit = z.infer<typeof BusinessManagerMessagingLimit>;

const CodeVerificationStatus = z.enum(['VERIFIED', 'NOT_VERIFIED', 'EXPIRED']);
const NameStatus = z.enum([
  'APPROVED',
  'AVAILABLE_WITHOUT_REVIEW',
  'DECLINED',
  'EXPIRED',
  'PENDING_REVIEW',
  'NONE',
]);

/**
 * What Meta reports about a number and changes over time (quality, limits, verification).
 *
 * @example
 * fake.updatePhoneNumber('106540352242922', { qualityRating: 'RED', throughputPerSecond: 1000 });
 */
export const PhoneNumberUpdate = z.strictObject({
  verifiedName: z.string().min(1).optional(),
  qualityRating: QualityRating.optional(),
  messagingLimitTier: MessagingLimitTier.optional(),
  /** Derived from `messagingLimitTier` when absent (Meta replaced the 1K tier by 2K). */
  businessManagerMessagingLimit: BusinessManagerMessagingLimit.optional(),
  /** Messages per second (inbound + outbound) before 130429; Meta's default is 80, upgraded to 1,000. */
  throughputPerSecond: z.number().int().positive().optional(),
  codeVerificationStatus: CodeVerificationStatus.optional(),
  nameStatus: NameStatus.optional(),
});
export type PhoneNumberUpdate = z.input<typeof PhoneNumberUpdate>;

/**
 * One business phone number of a WABA; unset traits take the values of a new, healthy number.
 *
 * @example
 * fake.addPhoneNumber(wabaId, { displayPhoneNumber: '+1 555-078-3881', verifiedName: 'Jaspers Market' });
 */
export const PhoneNumberRegistration = PhoneNumberUpdate.extend({
  /** Generated like Meta's when absent. */
  phoneNumberId: GraphObjectId.optional(),
  /** As `GET /{phone-number-id}` shows it, e.g. `+1 555-078-3881`; webhooks carry its digits. */
  displayPhoneNumber: z.string().regex(/^\+?[0-9][0-9 ().-]{5,30}$/, 'a phone number like +1 555-078-3881'),
  verifiedName: z.string().min(1),
}).transform((registration) => ({
  ...registration,
  qualityRating: registration.qualityRating ?? 'GREEN',
  messagingLimitTier: registration.messagingLimitTier ?? 'TIER_1K',
  throughputPerSecond: registration.throughputPerSecond ?? 80,
  codeVerificationStatus: registration.codeVerificationStatus ?? 'VERIFIED',
  nameStatus: registration.nameStatus ?? 'APPROVED',
}));
export type PhoneNumberRegistration = z.input<typeof PhoneNumberRegistration>;

/**
 * A bearer token the fake accepts; `expiresAt` (epoch ms) makes it answer 190/463 from then on.
 *
 * @example
 * fake.addAccessToken(wabaId, { token: 'EAAG…', expiresAt: Date.now() + 60_000 });
 */
export const AccessTokenRegistration = z.union([
  z.string().min(1),
  z.object({ token: z.string().min(1), expiresAt: z.number().int().positive().optional() }),
]);
export type AccessTokenRegistration = z.input<typeof AccessTokenRegistration>;

/**
 * The app's webhook: where Meta POSTs events, the secret it signs them with, the verify token.
 *
 * @example
 * fake.subscribeWebhook(wabaId, { callbackUrl, appSecret: 'secret', verifyToken: 'token' });
 */
export const WebhookSubscription = z.object({
  callbackUrl: z.url({ protocol: /^https?$/ }),
  verifyToken: z.string().min(1),
  appSecret: z.string().min(1),
  /** The app's webhook version; from v24.0 status webhooks leave out `conversation`. */
  apiVersion: GraphVersion.default('v21.0'),
});
export type WebhookSubscription = z.input<typeof WebhookSubscription>;

/**
 * Where a template is in Meta's review and quality process.
 *
 * @example
 * fake.setTemplateStatus(wabaId, 'spring_sale', 'en_US', 'PAUSED'); // sends now fail with 132015
 */
export const TemplateStatus = z.enum([
  'APPROVED',
  'PENDING',
  'REJECTED',
  'PAUSED',
  'DISABLED',
  'IN_APPEAL',
  'PENDING_DELETION',
  'DELETED',
  'LIMIT_EXCEEDED',
]);
export type TemplateStatus = z.infer<typeof TemplateStatus>;

/**
 * A template's category, which sets its pricing category.
 *
 * @example
 * fake.addTemplate(wabaId, { name: 'otp', language: 'en_US', category: 'AUTHENTICATION' });
 */
export const TemplateCategory = z.enum(['MARKETING', 'UTILITY', 'AUTHENTICATION']);
export type TemplateCategory = z.infer<typeof TemplateCategory>;

/**
 * A message template as `GET /{waba-id}/message_templates` lists it.
 *
 * @example
 * fake.addTemplate(wabaId, { name: 'order_update', language: 'en_US', components: [{ type: 'BODY', text: 'Hi {{1}}' }] });
 */
export const TemplateRegistration = z.object({
  id: GraphObjectId.optional(),
  name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'template names are lowercase letters, digits and _'),
  /** Locale code, e.g. `en_US`. */
  language: z.string().min(2),
  status: TemplateStatus.default('APPROVED'),
  category: TemplateCategory.default('UTILITY'),
  parameterFormat: z.enum(['POSITIONAL', 'NAMED']).default('POSITIONAL'),
  components: z
    .array(
      z.looseObject({
        type: z.enum(['HEADER', 'BODY', 'FOOTER', 'BUTTONS']),
        format: z.enum(['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION']).optional(),
        text: z.string().optional(),
      }),
    )
    .default([]),
});
export type TemplateRegistration = z.input<typeof TemplateRegistration>;

/**
 * A WhatsApp Business Account with what belongs to it.
 *
 * @example
 * fake.registerBusiness({ wabaId: '102290129340398', phoneNumbers: [{ displayPhoneNumber: '+1 555-078-3881', verifiedName: 'Jaspers' }], accessTokens: ['EAAG…'] });
 */
export const BusinessRegistration = z.object({
  wabaId: GraphObjectId.optional(),
  name: z.string().min(1).default('Fake Business'),
  phoneNumbers: z.array(PhoneNumberRegistration).default([]),
  accessTokens: z.array(AccessTokenRegistration).default([]),
  webhook: WebhookSubscription.optional(),
  templates: z.array(TemplateRegistration).default([]),
});
export type BusinessRegistration = z.input<typeof BusinessRegistration>;
