import { z } from 'zod';
import { definedFields } from '../defined-fields';
import { metaErrorDefinition } from '../errors/catalog';
import { unixSeconds } from '../ids';
import type { Conversation, PricingCategory } from '../messages/conversations';
import type { MetaMessageStatus, MetaWebhookError } from './payload-schemas';

/**
 * A change to the status timing: how long after an accepted send each status webhook is due.
 *
 * @example
 * fake.setStatusTiming({ deliveredMs: 500 });
 */
export const StatusTimingPatch = z.strictObject({
  sentMs: z.number().int().nonnegative().optional(),
  deliveredMs: z.number().int().nonnegative().optional(),
  readMs: z.number().int().nonnegative().optional(),
});
export type StatusTimingPatch = z.input<typeof StatusTimingPatch>;

/**
 * The status timing, every delay defaulted.
 *
 * @example
 * StatusTiming.parse({}).readMs; // 90
 */
export const StatusTiming = StatusTimingPatch.transform((patch) => ({
  sentMs: 30,
  deliveredMs: 60,
  readMs: 90,
  ...definedFields(patch),
}));
export type StatusTiming = z.output<typeof StatusTiming>;

/**
 * A change to how a user's phone answers: delivery and read receipts, or undeliverable.
 *
 * @example
 * fake.setRecipientBehavior('16505551234', { reads: false });
 */
export const RecipientBehaviorPatch = z.strictObject({
  delivers: z.boolean().optional(),
  /** False for users who turned read receipts off: the last status is `delivered`. */
  reads: z.boolean().optional(),
  /** Read while the chat is open: Meta skips `delivered` and sends `read` with pricing. */
  skipsDelivered: z.boolean().optional(),
  /** Every message fails with 131026 (not on WhatsApp, old client, terms not accepted). */
  undeliverable: z.boolean().optional(),
});
export type RecipientBehaviorPatch = z.input<typeof RecipientBehaviorPatch>;

/**
 * How a user's phone answers; by default it delivers and reads.
 *
 * @example
 * RecipientBehavior.parse({ skipsDelivered: true }).reads; // true
 */
export const RecipientBehavior = RecipientBehaviorPatch.transform((patch) => ({
  delivers: true,
  reads: true,
  skipsDelivered: false,
  undeliverable: false,
  ...definedFields(patch),
}));
export type RecipientBehavior = z.output<typeof RecipientBehavior>;

/**
 * A message the business sent and the fake accepted.
 *
 * @example
 * fake.sentMessages()[0]?.category; // 'service'
 */
export interface SentMessage {
  id: string;
  wabaId: string;
  phoneNumberId: string;
  recipientWaId: string;
  category: PricingCategory;
  /** Inside an open customer-service window service and utility messages are free. */
  freeOfCharge: boolean;
  acceptedAt: number;
  bizOpaqueCallbackData: string | undefined;
}

const ERROR_CODES_HREF = 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/';

/**
 * An error as webhooks carry it: `code`, `title`, `message` (same as the title since v16), details.
 *
 * @example
 * webhookErrorOf(131047).title; // 'Re-engagement message'
 */
export function webhookErrorOf(
  code: number,
  overrides: { title?: string; details?: string } = {},
): MetaWebhookError {
  const definition = metaErrorDefinition(code);
  const title = overrides.title ?? definition.title;
  return {
    code,
    title,
    message: title,
    error_data: { details: overrides.details ?? definition.details },
    href: ERROR_CODES_HREF,
  };
}

function pricingOf(message: SentMessage) {
  return {
    billable: !message.freeOfCharge,
    pricing_model: 'PMP',
    category: message.category,
    type: message.freeOfCharge ? 'free_customer_service' : 'regular',
  };
}

/** What a lifecycle status carries besides its name and time. */
interface StatusExtras {
  /** Meta sends conversation (before v24.0) and pricing with `sent` and one of `delivered`/`read`. */
  withPricing: boolean;
  /** Only `sent` names when the conversation expires. */
  withExpiration: boolean;
}

function statusOf(
  message: SentMessage,
  status: 'sent' | 'delivered' | 'read',
  at: number,
  conversation: Conversation | undefined,
  extras: StatusExtras,
): MetaMessageStatus {
  return {
    id: message.id,
    status,
    timestamp: unixSeconds(at),
    recipient_id: message.recipientWaId,
    ...(message.bizOpaqueCallbackData === undefined
      ? {}
      : { biz_opaque_callback_data: message.bizOpaqueCallbackData }),
    ...(conversation === undefined || !extras.withPricing
      ? {}
      : {
          conversation: {
            id: conversation.id,
            ...(extras.withExpiration ? { expiration_timestamp: unixSeconds(conversation.expiresAt) } : {}),
            origin: { type: conversation.category },
          },
        }),
    ...(extras.withPricing ? { pricing: pricingOf(message) } : {}),
  };
}

interface PlannedStatus {
  dueAt: number;
  status: MetaMessageStatus;
}

/**
 * The status webhooks of a delivered message, as Meta sends them: `sent` with conversation (and its
 * expiration) and pricing, `delivered` with conversation and pricing, `read` bare — or, when the
 * user reads at once, no `delivered` and a `read` that carries them.
 *
 * @example
 * plannedStatuses(message, RecipientBehavior.parse({}), StatusTiming.parse({}), conversation);
 */
export function plannedStatuses(
  message: SentMessage,
  behavior: RecipientBehavior,
  timing: StatusTiming,
  conversation: Conversation | undefined,
): PlannedStatus[] {
  const readsAtOnce = behavior.reads && behavior.skipsDelivered;
  const steps: Array<[status: 'sent' | 'delivered' | 'read', delayMs: number, extras: StatusExtras]> = [
    ['sent', timing.sentMs, { withPricing: true, withExpiration: true }],
  ];
  if (behavior.delivers && !readsAtOnce) {
    steps.push(['delivered', timing.deliveredMs, { withPricing: true, withExpiration: false }]);
  }
  if (behavior.delivers && behavior.reads) {
    steps.push(['read', timing.readMs, { withPricing: readsAtOnce, withExpiration: false }]);
  }
  return steps.map(([status, delayMs, extras]) => {
    const dueAt = message.acceptedAt + delayMs;
    return { dueAt, status: statusOf(message, status, dueAt, conversation, extras) };
  });
}

/**
 * The `failed` status of a message Meta accepted but could not deliver.
 *
 * @example
 * failedStatus(message, webhookErrorOf(131026), Date.now()).status; // 'failed'
 */
export function failedStatus(message: SentMessage, error: MetaWebhookError, at: number): MetaMessageStatus {
  return {
    id: message.id,
    status: 'failed',
    timestamp: unixSeconds(at),
    recipient_id: message.recipientWaId,
    ...(message.bizOpaqueCallbackData === undefined
      ? {}
      : { biz_opaque_callback_data: message.bizOpaqueCallbackData }),
    errors: [error],
  };
}
