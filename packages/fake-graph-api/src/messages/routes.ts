import type { Context } from 'hono';
import type { PhoneNumberRecord } from '../accounts/accounts';
import { whatsAppError } from '../errors/graph-error';
import { type InjectedError, injectedErrorResponse } from '../errors/injections';
import { type GraphEnv, graphError, metaJson } from '../graph-http';
import { digitsOf, newWamid } from '../ids';
import type { MetaPlatform } from '../platform';
import type { MetaWebhookError } from '../webhooks/payload-schemas';
import { webhookErrorOf } from '../webhooks/statuses';
import type { PricingCategory } from './conversations';
import type { MetaSendMessageBody } from './send-schemas';
import { checkTemplateSend } from './templates';
import { isMarkReadRequest, parseMarkReadBody, parseSendMessageBody } from './validation';

async function jsonBodyOf(c: Context<GraphEnv>): Promise<{ ok: true; value: unknown } | { ok: false }> {
  const text = await c.req.text();
  c.set('recordedBody', text);
  try {
    const value: unknown = JSON.parse(text);
    c.set('recordedBody', value);
    return { ok: true, value };
  } catch {
    return { ok: false };
  }
}

function markRead(
  c: Context<GraphEnv>,
  platform: MetaPlatform,
  phoneNumber: PhoneNumberRecord,
  raw: unknown,
) {
  const parsed = parseMarkReadBody(raw);
  if (!parsed.ok) return graphError(c, parsed.error);
  if (platform.receivedMessages.get(parsed.value.message_id) !== phoneNumber.phoneNumberId) {
    return graphError(
      c,
      whatsAppError(100, {
        details: `Invalid message_id: ${parsed.value.message_id} was not received by this number.`,
      }),
    );
  }
  return metaJson(c, 200, { success: true });
}

/** Why an accepted message will fail by webhook, if it will: an injection, the user, the window. */
function asynchronousFailure(
  platform: MetaPlatform,
  injected: InjectedError | undefined,
  recipientWaId: string,
  windowClosed: boolean,
): MetaWebhookError | undefined {
  if (injected !== undefined) {
    return webhookErrorOf(injected.code, { title: injected.title, details: injected.details });
  }
  if (platform.recipientBehavior(recipientWaId).undeliverable) return webhookErrorOf(131026);
  if (windowClosed) return webhookErrorOf(131047);
  return undefined;
}

/**
 * `POST /{version}/{phone-number-id}/messages`: sends every message type, replies, mark-read and
 * typing indicators. Checks run in this order: injected errors, body, recipient, template, the
 * customer-service window, throughput (130429) and the pair rate (131056); then it answers with a
 * wamid and queues the status webhooks. The caller has checked the token and the number.
 *
 * @example
 * graph.post('/:version/:phoneNumberId/messages', (c) => sendMessage(c, platform, phoneNumber));
 */
export async function sendMessage(
  c: Context<GraphEnv>,
  platform: MetaPlatform,
  phoneNumber: PhoneNumberRecord,
): Promise<Response> {
  const now = Date.now();
  const { phoneNumberId } = phoneNumber;
  const body = await jsonBodyOf(c);
  if (!body.ok) return graphError(c, whatsAppError(100, { details: 'The request body is not valid JSON.' }));
  const readRequest = isMarkReadRequest(body.value);
  c.set('operation', readRequest ? 'mark_read' : 'send_message');
  const rawRecipient = (body.value as { to?: unknown }).to;
  const target = {
    operation: readRequest ? ('mark_read' as const) : ('send_message' as const),
    phoneNumberId,
    recipient: typeof rawRecipient === 'string' ? rawRecipient : undefined,
  };
  const injectedResponse = platform.injections.take({ ...target, delivery: 'response' });
  if (injectedResponse !== undefined) return graphError(c, injectedErrorResponse(injectedResponse));
  if (readRequest) return markRead(c, platform, phoneNumber, body.value);

  const parsed = parseSendMessageBody(body.value);
  if (!parsed.ok) return graphError(c, parsed.error);
  const message: MetaSendMessageBody = parsed.value;
  const recipientWaId = digitsOf(message.to);
  if (recipientWaId === phoneNumber.displayPhoneNumberDigits) return graphError(c, whatsAppError(131021));

  const business = platform.accounts.business(phoneNumber.wabaId);
  let category: PricingCategory = 'service';
  if (message.type === 'template') {
    const checked = checkTemplateSend(business, message.template);
    if (!checked.ok) return graphError(c, checked.error);
    category = checked.template.category.toLowerCase() as PricingCategory;
  }
  const windowOpen = platform.windows.isOpen(phoneNumberId, recipientWaId, now);
  const windowClosed = message.type !== 'template' && !windowOpen && platform.windowPolicy.enforced;
  if (windowClosed && platform.windowPolicy.delivery === 'response') {
    return graphError(c, whatsAppError(131047));
  }
  if (!platform.throughput.tryAcquire(phoneNumberId, phoneNumber.throughputPerSecond, now)) {
    return graphError(c, whatsAppError(130429));
  }
  if (!platform.pairRate.tryAcquire(`${phoneNumberId}:${recipientWaId}`, now)) {
    return graphError(c, whatsAppError(131056));
  }

  // Taken only now, so that a refused request does not use up a webhook failure meant for a send.
  const injectedFailure = platform.injections.take({ ...target, delivery: 'status' });
  const wamid = newWamid(recipientWaId, 'outbound');
  platform.reportSentMessage(
    {
      id: wamid,
      wabaId: phoneNumber.wabaId,
      phoneNumberId,
      recipientWaId,
      category,
      freeOfCharge: windowOpen && (category === 'service' || category === 'utility'),
      acceptedAt: now,
      bizOpaqueCallbackData: message.biz_opaque_callback_data,
    },
    asynchronousFailure(platform, injectedFailure, recipientWaId, windowClosed),
  );
  return metaJson(c, 200, {
    messaging_product: 'whatsapp',
    contacts: [{ input: message.to, wa_id: recipientWaId }],
    messages: [{ id: wamid, ...(message.type === 'template' ? { message_status: 'accepted' } : {}) }],
  });
}
