/**
 * A local fake of Meta's WhatsApp Business Cloud API (Graph API), faithful to Meta's documents,
 * for testing the cloud-api-bridge with real HTTP. See README.md.
 */
export { FakeSetupError } from './accounts/accounts';
export {
  AccessTokenRegistration,
  BusinessManagerMessagingLimit,
  BusinessRegistration,
  GraphObjectId,
  GraphVersion,
  MessagingLimitTier,
  PhoneNumberRegistration,
  PhoneNumberUpdate,
  QualityRating,
  TemplateCategory,
  TemplateRegistration,
  TemplateStatus,
  WebhookSubscription,
} from './accounts/schemas';
export {
  type ErrorDelivery,
  META_ERROR_CATALOG,
  type MetaErrorDefinition,
  metaErrorDefinition,
} from './errors/catalog';
export { type GraphErrorResponse, MetaErrorBody, whatsAppError } from './errors/graph-error';
export { ErrorInjection } from './errors/injections';
export {
  type BusinessSnapshot,
  FakeGraphApi,
  FakeGraphApiOptions,
  startFakeGraphApi,
} from './fake-graph-api';
export { newWamid } from './ids';
export { SUPPORTED_MEDIA_TYPES } from './media/limits';
export { PairRateLimit } from './messages/rate-limits';
export { MetaMarkReadBody, MetaSendMessageBody, MetaSendMessageResponse } from './messages/send-schemas';
export { serializeLikeMeta, signMetaPayload, verifyMetaSignature } from './meta-json';
export { CustomerServiceWindowPolicyPatch } from './platform';
export { type GraphOperation, INJECTABLE_OPERATIONS, type RecordedRequest } from './recording/request-log';
export { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver';
export { type WebhookDeliveryAttempt, WebhookDeliveryPolicyPatch } from './webhooks/dispatcher';
export { InboundMessageContent, InboundMessageInput } from './webhooks/inbound';
export {
  MetaInboundMessage,
  MetaMessageStatus,
  MetaMessagesValue,
  MetaWebhookError,
  MetaWebhookPayload,
} from './webhooks/payload-schemas';
export { RecipientBehaviorPatch, type SentMessage, StatusTimingPatch } from './webhooks/statuses';
export type { WebhookVerificationResult } from './webhooks/verification';
