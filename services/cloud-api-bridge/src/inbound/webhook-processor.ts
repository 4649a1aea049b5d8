import { type ConsumerLoop, type Delivery, PermanentError, RetryableError } from '@wagate/bus';
import type { MessageAckEvent, MessageContent, MessageEvent, MessageStatus } from '@wagate/contracts';
import {
  type CloudOutboundRef,
  type MessageFailure,
  type MessageStatusChange,
  statusMayMove,
} from '@wagate/db';
import { describeError } from '@wagate/runtime';
import type { CloudAccountView } from '../accounts/account-directory';
import type { BridgeContext } from '../bridge-context';
import { KeyedSerialQueue } from '../keyed-serial-queue';
import { inboundContent, mediaMessageContent } from './inbound-content';
import type { InboundMedia } from './inbound-media';
import {
  MetaInboundMessageBase,
  MetaMessageStatus,
  MetaMessagesValue,
  MetaWebhookEnvelope,
  type MetaWebhookError,
} from './meta-webhook';

/**
 * Deliveries of a body whose statuses name wamids the bridge does not know yet: a status can
 * overtake the bridge's own record of the send it is about, so the body is tried again a few times
 * before such statuses are announced under Meta's id alone.
 */
const UNKNOWN_STATUS_DELIVERIES = 5;
/** Wait before such a body comes back, times its delivery count (0.5 s, 1 s, 1.5 s, 2 s). */
const UNKNOWN_STATUS_RETRY_MS = 500;

/** Fields whose changes may move a number's quality rating, limit or status: refresh its facts. */
const ACCOUNT_FIELDS = new Set([
  'phone_number_quality_update',
  'account_update',
  'business_capability_update',
]);

/** Meta's statuses in the product's words (`deleted` has none). */
const STATUS_OF: Readonly<Record<string, MessageStatus>> = {
  sent: 'server',
  delivered: 'delivered',
  read: 'read',
  played: 'played',
  failed: 'failed',
};

export interface WebhookProcessorDeps extends BridgeContext {
  media: InboundMedia;
  concurrency: number;
}

const jidOf = (waId: string) => `${waId}@s.whatsapp.net`;

function failureOf(errors: MetaWebhookError[] | undefined): MessageFailure | undefined {
  const error = errors?.[0];
  if (!error) return undefined;
  const title = error.title ?? error.message ?? `Meta error ${error.code}`;
  const details = error.error_data?.details;
  return { code: error.code, message: details && details !== title ? `${title}: ${details}` : title };
}

/**
 * Consumes `cloud-inbound`: the raw bodies of Meta's webhooks that the gateway verified and
 * accepted. Each change is routed to the account of its `phone_number_id` (the receiving account, or
 * one that shares its app secret, since one Meta app signs for all its numbers); messages become
 * `message.received` (media fetched into the store first), statuses become `message.ack`, each
 * published under Meta's id so repeats are stored once, and each stored once in history.
 *
 * @example
 * const loop = startWebhookProcessor({ ...deps, concurrency: 16 });
 */
export function startWebhookProcessor(deps: WebhookProcessorDeps): ConsumerLoop<Uint8Array> {
  const { topology } = deps.bus;
  const subjectPrefix = topology.cloudInboundSubject('');
  const inOrder = new KeyedSerialQueue();
  return deps.bus.consume<Uint8Array>({
    stream: topology.streams.cloudInbound,
    consumer: topology.consumers.cloudInbound,
    concurrency: deps.concurrency,
    decode: (bytes) => bytes,
    handle: (delivery) => {
      const accountId = delivery.subject.slice(subjectPrefix.length);
      // An account's webhooks are handled in the order Meta sent them, so its statuses never go back.
      return inOrder.run(accountId, () => processWebhook(deps, delivery, accountId));
    },
  });
}

async function processWebhook(deps: WebhookProcessorDeps, delivery: Delivery<Uint8Array>, accountId: string) {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(delivery.data).toString('utf8'));
  } catch {
    throw new PermanentError('a Meta webhook body that is not JSON');
  }
  const envelope = MetaWebhookEnvelope.safeParse(json);
  if (!envelope.success) throw new PermanentError('a Meta webhook body without object and entry');
  if (envelope.data.object !== 'whatsapp_business_account') {
    deps.log.info(
      { account: accountId, object: envelope.data.object },
      'ignoring a webhook that is not about WhatsApp',
    );
    return;
  }
  const receiving = await deps.directory.get(accountId);
  if (!receiving) throw new PermanentError(`webhook for cloud account "${accountId}", which does not exist`);
  let retryStatuses = false;
  for (const entry of envelope.data.entry) {
    for (const change of entry.changes) {
      if (change.field !== 'messages') {
        if (ACCOUNT_FIELDS.has(change.field)) await deps.facts.refresh(receiving.accountId);
        continue;
      }
      const value = MetaMessagesValue.safeParse(change.value);
      if (!value.success) {
        deps.log.warn(
          { account: accountId, issues: value.error.issues.slice(0, 3) },
          'skipping a malformed messages change',
        );
        continue;
      }
      const account = await accountOfChange(deps, receiving, value.data.metadata.phone_number_id);
      if (!account) continue;
      if (value.data.errors?.length) {
        deps.log.warn(
          { account: account.accountId, errors: value.data.errors },
          'Meta reported errors for the number',
        );
      }
      await receiveMessages(deps, account, value.data, delivery);
      retryStatuses =
        (await applyStatuses(deps, account, value.data.statuses ?? [], delivery)) || retryStatuses;
    }
  }
  if (retryStatuses) {
    throw new RetryableError('statuses of sends the bridge has not recorded yet', {
      delayMs: UNKNOWN_STATUS_RETRY_MS * delivery.deliveryCount,
    });
  }
}

/**
 * The account a change is for: the receiving account, or the account of the change's number when
 * it has the same app secret (the signature vouches for that app only).
 */
async function accountOfChange(
  deps: WebhookProcessorDeps,
  receiving: CloudAccountView,
  phoneNumberId: string,
): Promise<CloudAccountView | undefined> {
  if (phoneNumberId === receiving.credentials.phoneNumberId) return receiving;
  const owner = await deps.accounts.byPhoneNumberId(phoneNumberId);
  const account = owner ? await deps.directory.get(owner.account.id) : undefined;
  if (account?.appSecret && account.appSecret === receiving.appSecret) return account;
  deps.log.warn(
    { account: receiving.accountId, phoneNumberId },
    'skipping a change for a number that is not this account’s nor signed with its app secret',
  );
  return undefined;
}

async function receiveMessages(
  deps: WebhookProcessorDeps,
  account: CloudAccountView,
  value: MetaMessagesValue,
  delivery: Delivery<Uint8Array>,
): Promise<void> {
  const { accountId } = account;
  for (const raw of value.messages ?? []) {
    const parsed = MetaInboundMessageBase.safeParse(raw);
    if (!parsed.success) {
      deps.log.warn(
        { account: accountId, issues: parsed.error.issues.slice(0, 3) },
        'skipping a malformed inbound message',
      );
      continue;
    }
    const message = parsed.data;
    const chatId = jidOf(message.from);
    if (await deps.messages.has(accountId, chatId, message.id)) continue;
    delivery.working();
    const inbound = inboundContent(message);
    const content: MessageContent =
      inbound.kind === 'ready'
        ? inbound.content
        : mediaMessageContent(inbound.type, inbound.media, await deps.media.fetch(account, inbound.media));
    // Replies and reactions to the bridge's own sends name Meta's wamid; events use the product's id.
    const referenced = [
      message.context?.id,
      content.type === 'reaction' ? content.messageId : undefined,
    ].filter((id): id is string => id !== undefined);
    const ours = await deps.messages.outboundByWamid(accountId, referenced);
    const productId = (wamid: string) => ours.get(wamid)?.messageId ?? wamid;
    const normalized: MessageContent =
      content.type === 'reaction' ? { ...content, messageId: productId(content.messageId) } : content;
    const pushName = value.contacts?.find((contact) => contact.wa_id === message.from)?.profile?.name;
    const quotedId = message.context?.id ? productId(message.context.id) : undefined;
    const event: MessageEvent = {
      id: message.id,
      chatId,
      chatType: 'contact',
      sender: chatId,
      fromMe: false,
      ...(pushName ? { pushName } : {}),
      timestamp: message.timestamp,
      content: normalized,
      ...(quotedId
        ? {
            quoted: {
              id: quotedId,
              ...(message.context?.from ? { sender: jidOf(message.context.from) } : {}),
            },
          }
        : {}),
      mentions: [],
      ...(message.context?.forwarded || message.context?.frequently_forwarded ? { forwarded: true } : {}),
    };
    await deps.events.publish('message.received', accountId, event, message.id);
    if (normalized.type === 'reaction') {
      await deps.events.publish(
        'message.reaction',
        accountId,
        {
          id: message.id,
          chatId,
          sender: chatId,
          fromMe: false,
          targetId: normalized.messageId,
          emoji: normalized.emoji,
          timestamp: message.timestamp,
        },
        message.id,
      );
    }
    await deps.messages.recordInbound({
      accountId,
      chatId,
      id: message.id,
      sender: chatId,
      ...(pushName ? { pushName } : {}),
      content: normalized,
      ...(quotedId ? { quotedId } : {}),
      sentAt: message.timestamp,
      raw,
    });
    if (account.autoRead && normalized.type !== 'reaction') {
      await deps.graph.markRead(account.credentials, message.id, false).catch((error: unknown) => {
        deps.log.warn(
          { account: accountId, err: describeError(error) },
          'marking a received message read failed',
        );
      });
    }
  }
}

/** Longest wait for this process to finish recording a send whose status arrived first. */
const RECORDING_WAIT_MS = 5_000;

/**
 * The sends that statuses name, with their current status. A send this process is still recording
 * (Meta's status overtook the write and `message.sent` that follow Meta's answer) is waited for,
 * so its statuses come after `message.sent` and in order.
 */
async function knownSends(
  deps: WebhookProcessorDeps,
  accountId: string,
  wamids: string[],
): Promise<Map<string, CloudOutboundRef>> {
  const recording = wamids.flatMap((wamid) => deps.accepted.recorded(accountId, wamid) ?? []);
  if (recording.length > 0) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(recording),
      new Promise((resolve) => {
        timer = setTimeout(resolve, RECORDING_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }
  return deps.messages.outboundByWamid(accountId, wamids);
}

/**
 * Announces and records the statuses of one change, forward only, in one database statement.
 * Returns true when some name a send not recorded yet and the body should come back later.
 */
async function applyStatuses(
  deps: WebhookProcessorDeps,
  account: CloudAccountView,
  rawStatuses: readonly unknown[],
  delivery: Delivery<Uint8Array>,
): Promise<boolean> {
  const { accountId } = account;
  const statuses = rawStatuses.flatMap((raw) => {
    const parsed = MetaMessageStatus.safeParse(raw);
    if (!parsed.success) deps.log.warn({ account: accountId }, 'skipping a malformed status');
    return parsed.success && STATUS_OF[parsed.data.status] ? [parsed.data] : [];
  });
  if (statuses.length === 0) return false;
  const known = await knownSends(
    deps,
    accountId,
    statuses.map((status) => status.id),
  );
  const lastTry = delivery.deliveryCount >= UNKNOWN_STATUS_DELIVERIES;
  const current = new Map([...known].map(([wamid, ref]) => [wamid, ref.status]));
  const acks: Array<{ ack: MessageAckEvent; key: string }> = [];
  // The newest status of each message: one row may be updated only once per statement.
  const changes = new Map<string, MessageStatusChange>();
  let unknown = false;
  for (const status of statuses) {
    const next = STATUS_OF[status.status]!;
    const error = next === 'failed' ? failureOf(status.errors) : undefined;
    const ref = known.get(status.id);
    const key = `${status.id}:${status.status}`;
    const ack = { status: next, timestamp: status.timestamp, ...(error ? { error } : {}) };
    if (ref) {
      const previous = current.get(status.id) ?? 'pending';
      if (!statusMayMove(previous, next)) continue;
      current.set(status.id, next);
      changes.set(status.id, {
        chatId: ref.chatId,
        messageId: ref.messageId,
        status: next,
        ...(error ? { error } : {}),
      });
      acks.push({
        key,
        ack: {
          id: ref.messageId,
          chatId: ref.chatId,
          ...ack,
          ...(ref.commandId ? { commandId: ref.commandId } : {}),
          wamid: status.id,
        },
      });
    } else if (lastTry) {
      // A message sent outside the product (or forgotten): announced under Meta's id.
      acks.push({
        key,
        ack: { id: status.id, chatId: jidOf(status.recipient_id), ...ack, wamid: status.id },
      });
    } else {
      unknown = true;
    }
  }
  // One message's statuses are published in order; different messages' at once.
  const byMessage = new Map<string, typeof acks>();
  for (const entry of acks) byMessage.set(entry.ack.id, [...(byMessage.get(entry.ack.id) ?? []), entry]);
  await Promise.all(
    [...byMessage.values()].map(async (ordered) => {
      for (const { ack, key } of ordered) await deps.events.publish('message.ack', accountId, ack, key);
    }),
  );
  await deps.messages.applyStatuses(accountId, [...changes.values()]);
  return unknown;
}
