import { z } from 'zod';
import { MetaAccounts } from './accounts/accounts';
import { definedFields } from './defined-fields';
import type { ErrorDelivery } from './errors/catalog';
import { ErrorInjections } from './errors/injections';
import { digitsOf } from './ids';
import { MediaLibrary } from './media/library';
import { Conversations, CustomerServiceWindows } from './messages/conversations';
import { PairRateLimit, PairRateLimiter, ThroughputLimiter } from './messages/rate-limits';
import { RequestLog } from './recording/request-log';
import { WebhookDeliveryPolicy, WebhookDispatcher } from './webhooks/dispatcher';
import { type BuiltInboundMessage, buildInboundMessage, InboundMessageInput } from './webhooks/inbound';
import type { MetaWebhookError } from './webhooks/payload-schemas';
import {
  failedStatus,
  plannedStatuses,
  RecipientBehavior,
  RecipientBehaviorPatch,
  type SentMessage,
  StatusTiming,
} from './webhooks/statuses';

/**
 * Meta's 24-hour rule: free-form messages to a user who has not written within 24 h fail with
 * 131047. Tests that do not care can turn it off; `delivery` says whether the failure comes as a
 * status webhook (what Meta does) or in the send response.
 *
 * @example
 * fake.setCustomerServiceWindow({ enforced: false });
 */
export const CustomerServiceWindowPolicyPatch = z.strictObject({
  enforced: z.boolean().optional(),
  delivery: z.enum(['response', 'status']).optional(),
});
export type CustomerServiceWindowPolicyPatch = z.input<typeof CustomerServiceWindowPolicyPatch>;

const META_WINDOW_POLICY: { enforced: boolean; delivery: ErrorDelivery } = {
  enforced: true,
  delivery: 'status',
};

/** The 24-hour rule as Meta applies it: enforced, failing by status webhook. */
const CustomerServiceWindowPolicy = CustomerServiceWindowPolicyPatch.transform((patch) => ({
  ...META_WINDOW_POLICY,
  ...definedFields(patch),
}));
type CustomerServiceWindowPolicy = z.output<typeof CustomerServiceWindowPolicy>;

/**
 * The knobs of the simulated platform, each with Meta's value as default.
 *
 * @example
 * new MetaPlatform(PlatformSettings.parse({ mediaUrlTtlMs: 1000 }));
 */
export const PlatformSettings = z.object({
  /** How long a media download URL works; 5 minutes at Meta. */
  mediaUrlTtlMs: z
    .number()
    .int()
    .positive()
    .default(5 * 60 * 1000),
  pairRateLimit: PairRateLimit.prefault({}),
  customerServiceWindow: CustomerServiceWindowPolicy.prefault({}),
  statusTiming: StatusTiming.prefault({}),
  webhookDelivery: WebhookDeliveryPolicy.prefault({}),
});
export type PlatformSettings = z.input<typeof PlatformSettings>;

/** From webhook version v24.0 Meta leaves `conversation` out of status webhooks. */
function webhookCarriesConversations(apiVersion: string): boolean {
  return Number(/^v(\d+)/.exec(apiVersion)?.[1] ?? 0) < 24;
}

/**
 * The simulated Meta platform: accounts, media, message state, limits, injected errors, the
 * request log and the webhook dispatcher, shared by the Graph routes and the control API.
 *
 * @example
 * const platform = new MetaPlatform(PlatformSettings.parse({}));
 * platform.accounts.registerBusiness({ ... });
 */
export class MetaPlatform {
  readonly accounts = new MetaAccounts();
  readonly media: MediaLibrary;
  readonly windows = new CustomerServiceWindows();
  readonly conversations = new Conversations();
  readonly throughput = new ThroughputLimiter();
  readonly pairRate: PairRateLimiter;
  readonly injections = new ErrorInjections();
  readonly requestLog = new RequestLog();
  readonly webhooks: WebhookDispatcher;
  readonly sentMessages = new Map<string, SentMessage>();
  /** The wamid of each message users sent, to the business number that received it (for mark-read). */
  readonly receivedMessages = new Map<string, string>();
  readonly #recipients = new Map<string, RecipientBehavior>();
  windowPolicy: CustomerServiceWindowPolicy;
  statusTiming: StatusTiming;

  constructor(settings: z.output<typeof PlatformSettings>) {
    this.media = new MediaLibrary(settings.mediaUrlTtlMs);
    this.pairRate = new PairRateLimiter(settings.pairRateLimit);
    this.windowPolicy = settings.customerServiceWindow;
    this.statusTiming = settings.statusTiming;
    this.webhooks = new WebhookDispatcher(settings.webhookDelivery, (wabaId) => {
      const webhook = this.accounts.businesses.get(wabaId)?.webhook;
      return webhook === undefined
        ? undefined
        : { callbackUrl: webhook.callbackUrl, appSecret: webhook.appSecret };
    });
  }

  setWindowPolicy(patch: CustomerServiceWindowPolicyPatch): void {
    this.windowPolicy = {
      ...this.windowPolicy,
      ...definedFields(CustomerServiceWindowPolicyPatch.parse(patch)),
    };
  }

  recipientBehavior(waId: string): RecipientBehavior {
    return this.#recipients.get(digitsOf(waId)) ?? RecipientBehavior.parse({});
  }

  /** Changes how one user's phone answers; unspecified traits keep their current value. */
  setRecipientBehavior(waId: string, patch: RecipientBehaviorPatch): RecipientBehavior {
    const updated = {
      ...this.recipientBehavior(waId),
      ...definedFields(RecipientBehaviorPatch.parse(patch)),
    };
    this.#recipients.set(digitsOf(waId), updated);
    return updated;
  }

  /**
   * A user writes to a business number: the message opens the customer-service window, counts
   * toward the number's throughput and goes to the app's webhook.
   */
  receive(input: InboundMessageInput): BuiltInboundMessage {
    const parsed = InboundMessageInput.parse(input);
    const phoneNumber = this.accounts.phoneNumber(parsed.phoneNumberId);
    const now = Date.now();
    const built = buildInboundMessage(parsed, phoneNumber, this.media, now);
    this.windows.recordInbound(phoneNumber.phoneNumberId, parsed.from, now);
    this.throughput.record(phoneNumber.phoneNumberId, now);
    this.receivedMessages.set(built.message.id, phoneNumber.phoneNumberId);
    this.webhooks.enqueue({
      wabaId: phoneNumber.wabaId,
      phoneNumberId: phoneNumber.phoneNumberId,
      displayPhoneNumberDigits: phoneNumber.displayPhoneNumberDigits,
      dueAt: now + parsed.delayMs,
      update: { kind: 'message', contact: built.contact, message: built.message },
    });
    return built;
  }

  /** Queues the status webhooks of an accepted message: its lifecycle, or one `failed` status. */
  reportSentMessage(message: SentMessage, failure: MetaWebhookError | undefined): void {
    this.sentMessages.set(message.id, message);
    const phoneNumber = this.accounts.phoneNumber(message.phoneNumberId);
    const event = {
      wabaId: message.wabaId,
      phoneNumberId: message.phoneNumberId,
      displayPhoneNumberDigits: phoneNumber.displayPhoneNumberDigits,
    };
    if (failure !== undefined) {
      const at = message.acceptedAt + this.statusTiming.sentMs;
      this.webhooks.enqueue({
        ...event,
        dueAt: at,
        update: { kind: 'status', status: failedStatus(message, failure, at) },
      });
      return;
    }
    const webhook = this.accounts.business(message.wabaId).webhook;
    const conversation =
      webhook === undefined || webhookCarriesConversations(webhook.apiVersion)
        ? this.conversations.current(
            message.phoneNumberId,
            message.recipientWaId,
            message.category,
            message.acceptedAt,
          )
        : undefined;
    const planned = plannedStatuses(
      message,
      this.recipientBehavior(message.recipientWaId),
      this.statusTiming,
      conversation,
    );
    for (const { dueAt, status } of planned)
      this.webhooks.enqueue({ ...event, dueAt, update: { kind: 'status', status } });
  }
}
