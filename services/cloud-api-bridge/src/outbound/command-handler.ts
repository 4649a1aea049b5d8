import { type ConsumerLoop, type Delivery, PermanentError, RetryableError } from '@wagate/bus';
import {
  jidUser,
  type MessageContent,
  type MessageEvent,
  type OutboundContent,
  parseCommand,
  type TypedCommand,
} from '@wagate/contracts';
import type { CloudMessagesRepository, MessageFailure, ProcessedCommand } from '@wagate/db';
import { describeError } from '@wagate/runtime';
import type { CloudAccountView } from '../accounts/account-directory';
import type { BridgeContext } from '../bridge-context';
import { GraphApiError } from '../graph/graph-error';
import { MicroBatch } from '../micro-batch';
import { hasMedia, metaMessageBody, storedContent, UnsupportedOnCloudError } from './meta-message';
import type { OutboundMedia } from './outbound-media';
import type { RecipientBackoff, ThroughputPacer } from './send-pacing';

/** A number paused for longer than this sends its waiting commands back to JetStream. */
const LONGEST_IN_PROCESS_PAUSE_MS = 10_000;
/** A wait for the number's throughput longer than this restarts the command's ack timer. */
const LONG_WAIT_MS = 5_000;
/** 130429 answers one delivery waits out in process before it goes back to JetStream. */
const THROTTLED_TRIES_PER_DELIVERY = 5;
/** Deliveries of a command that keeps failing transiently before its message fails. */
const TRANSIENT_DELIVERIES = 10;
/** How long a command waits while the account is in maintenance (131057). */
const MAINTENANCE_RETRY_MS = 30_000;

export interface CommandHandlerDeps extends BridgeContext {
  media: OutboundMedia;
  pacer: ThroughputPacer;
  recipients: RecipientBackoff;
  concurrency: number;
}

/** The handler's dependencies plus the database steps that concurrent commands share a statement for. */
interface CommandRun extends CommandHandlerDeps {
  processedLookups: MicroBatch<{ accountId: string; commandId: string }, ProcessedCommand | undefined>;
  acceptedWrites: MicroBatch<Parameters<CloudMessagesRepository['recordAccepted']>[0][number], undefined>;
}

type SendCommand = TypedCommand<'message.send'>;

const unixNow = () => Math.floor(Date.now() / 1000);

/** The recipient of a send: a phone number (the Cloud API has no groups, channels or broadcasts). */
function recipientOf(to: string): { digits: string; chatId: string } | undefined {
  const at = to.indexOf('@');
  const domain = at === -1 ? 's.whatsapp.net' : to.slice(at + 1);
  if (domain !== 's.whatsapp.net' && domain !== 'c.us') return undefined;
  const digits = jidUser(to).replace(/^\+/, '');
  return /^\d{5,20}$/.test(digits) ? { digits, chatId: `${digits}@s.whatsapp.net` } : undefined;
}

/**
 * Consumes the durable `cloud-commands` consumer: the same command envelopes the gateway sends to
 * web accounts, executed against Meta's Graph API. `message.send` (every content type; replies;
 * reactions; media by link or upload), `message.forward` (the stored content sent again),
 * `chat.mark_read` and `presence.send` (composing → Meta's typing indicator). A command runs once
 * (`processed_commands`); Meta's rate limits hold the number (130429) or only the recipient
 * (131056, 4^X s) instead of failing; an expired token fails the message and marks the account.
 *
 * @example
 * const loop = startCommandConsumer({ ...deps, concurrency: 256 });
 * await loop.stop();
 */
export function startCommandConsumer(settings: CommandHandlerDeps): ConsumerLoop<unknown> {
  const { messages } = settings;
  const deps: CommandRun = {
    ...settings,
    processedLookups: new MicroBatch((commands) => messages.processedCommands(commands)),
    acceptedWrites: new MicroBatch(async (sends) => {
      await messages.recordAccepted(sends);
      return sends.map(() => undefined);
    }),
  };
  return deps.bus.consume<unknown>({
    stream: deps.bus.topology.streams.commands,
    consumer: deps.bus.topology.consumers.cloudCommands,
    concurrency: deps.concurrency,
    handle: (delivery) => handleCommand(deps, delivery),
  });
}

async function handleCommand(deps: CommandRun, delivery: Delivery<unknown>): Promise<void> {
  const parsed = parseCommand(delivery.data);
  if (!parsed.ok) throw new PermanentError(`cloud command refused: ${parsed.message}`);
  const { command } = parsed;
  const waitMs = command.notBefore ? Date.parse(command.notBefore) - Date.now() : 0;
  if (waitMs > 0) {
    delivery.nak(waitMs);
    return;
  }
  const processed = await deps.processedLookups.submit({
    accountId: command.accountId,
    commandId: command.id,
  });
  if (processed) {
    await announceAgain(deps, command, processed);
    return;
  }
  const account = await deps.directory.get(command.accountId);
  if (!account) throw new PermanentError(`cloud account "${command.accountId}" does not exist`);
  switch (command.op) {
    case 'message.send':
      return sendMessage(deps, delivery, account, command as SendCommand);
    case 'message.forward':
      return forward(deps, delivery, account, command as TypedCommand<'message.forward'>);
    case 'chat.mark_read':
      return markRead(deps, account, command as TypedCommand<'chat.mark_read'>);
    case 'presence.send':
      return sendPresence(deps, account, command as TypedCommand<'presence.send'>);
    default:
      throw new PermanentError(
        `${command.op} is not available for cloud accounts (Meta's Cloud API has no such call)`,
      );
  }
}

/** A redelivered command that already ran: its events are published again (JetStream drops repeats). */
async function announceAgain(deps: CommandRun, command: TypedCommand, processed: ProcessedCommand) {
  const send = asSend(command);
  if (!send) return;
  const { payload } = send;
  const chatId = recipientOf(payload.to)?.chatId ?? payload.to;
  const result = processed.result as { wamid?: string; error?: MessageFailure } | null;
  if (processed.outcome === 'failed' && result?.error) {
    await announceFailure(deps, send, chatId, result.error);
    return;
  }
  const row = await deps.messages.message(command.accountId, chatId, payload.messageId);
  if (row && result?.wamid) {
    await announceSent(deps, send, { chatId, sender: row.sender, content: row.content }, result.wamid);
  }
}

/** The send a command stands for: itself, or a forward's new message (content filled in later). */
function asSend(command: TypedCommand): SendCommand | undefined {
  if (command.op === 'message.send') return command as SendCommand;
  if (command.op !== 'message.forward') return undefined;
  const { to, newMessageId } = (command as TypedCommand<'message.forward'>).payload;
  return {
    ...command,
    op: 'message.send',
    payload: { to, messageId: newMessageId, content: FORWARD_PLACEHOLDER },
  };
}

/** What a forward sends until the forwarded message's content is read. */
const FORWARD_PLACEHOLDER = { type: 'text', text: 'forward' } as const;

/**
 * The content of a stored message as it can be sent again: media by its stored id. Undefined for
 * what cannot be: reactions, replies to interactive messages, unsupported content, media the product
 * does not hold.
 */
function resendable(content: MessageContent): OutboundContent | undefined {
  switch (content.type) {
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker': {
      const { id, mimeType, fileName } = content.media;
      return id
        ? ({
            ...content,
            media: { mediaId: id, mimeType, ...(fileName ? { fileName } : {}) },
          } as OutboundContent)
        : undefined;
    }
    case 'reaction':
    case 'interactive_reply':
    case 'unsupported':
      return undefined;
    default:
      return content;
  }
}

/**
 * Meta's Cloud API has no forward: the stored message's content is sent again as a new message,
 * under the forward's `newMessageId`.
 */
async function forward(
  deps: CommandRun,
  delivery: Delivery<unknown>,
  account: CloudAccountView,
  command: TypedCommand<'message.forward'>,
): Promise<void> {
  const { chatId, messageId } = command.payload;
  const send = asSend(command)!;
  const original = await deps.messages.message(account.accountId, chatId, messageId);
  const content = original ? resendable(original.content) : undefined;
  if (content)
    return sendMessage(deps, delivery, account, { ...send, payload: { ...send.payload, content } });
  const error = original
    ? {
        code: 'unsupported_type',
        message: `a ${original.content.type} message cannot be forwarded through the Cloud API`,
      }
    : { code: 'not_found', message: `message ${messageId} is not in the history of ${chatId}` };
  const to = recipientOf(send.payload.to)?.chatId ?? send.payload.to;
  await deps.messages.recordFailed({
    accountId: account.accountId,
    chatId: to,
    messageId: send.payload.messageId,
    commandId: command.id,
    sender: account.senderJid,
    content: original?.content ?? { type: 'unsupported', reason: 'the forwarded message is not in history' },
    sentAt: unixNow(),
    op: command.op,
    error,
  });
  await announceFailure(deps, send, to, error);
}

async function announceSent(
  deps: CommandRun,
  command: SendCommand,
  message: { chatId: string; sender: string; content: MessageContent },
  wamid: string,
): Promise<void> {
  const { payload } = command;
  const event: MessageEvent = {
    id: payload.messageId,
    chatId: message.chatId,
    chatType: 'contact',
    sender: message.sender,
    fromMe: true,
    timestamp: unixNow(),
    content: message.content,
    ...(payload.quotedId ? { quoted: { id: payload.quotedId } } : {}),
    mentions: [],
    commandId: command.id,
    wamid,
  };
  await deps.events.publish('message.sent', command.accountId, event, `sent:${payload.messageId}`);
}

async function announceFailure(
  deps: CommandRun,
  command: SendCommand,
  chatId: string,
  error: MessageFailure,
) {
  await deps.events.publish(
    'message.ack',
    command.accountId,
    {
      id: command.payload.messageId,
      chatId,
      status: 'failed',
      timestamp: unixNow(),
      error,
      commandId: command.id,
    },
    `failed:${command.payload.messageId}`,
  );
}

async function sendMessage(
  deps: CommandRun,
  delivery: Delivery<unknown>,
  account: CloudAccountView,
  command: SendCommand,
): Promise<void> {
  const { payload } = command;
  const { accountId } = account;
  const recipient = recipientOf(payload.to);
  const chatId = recipient?.chatId ?? payload.to;
  const content = payload.content;
  const stored = hasMedia(content) ? await deps.media.describe(accountId, content) : undefined;
  const message = { chatId, sender: account.senderJid, content: storedContent(content, stored) };
  const outbound = {
    accountId,
    messageId: payload.messageId,
    commandId: command.id,
    ...message,
    ...(payload.quotedId ? { quotedId: payload.quotedId } : {}),
    sentAt: unixNow(),
  };
  const fail = async (error: MessageFailure) => {
    await deps.messages.recordFailed({ ...outbound, op: command.op, error });
    await announceFailure(deps, command, chatId, error);
  };
  if (!recipient) {
    return fail({
      code: 'unsupported_recipient',
      message: 'the Cloud API sends to phone numbers only, not to groups or channels',
    });
  }
  if (account.disabled)
    return fail({ code: 'account_disabled', message: `account ${accountId} is disabled` });

  const pairKey = `${account.credentials.phoneNumberId}:${recipient.digits}`;
  const recipientWaitMs = deps.recipients.remainingMs(pairKey);
  if (recipientWaitMs > 0) {
    delivery.nak(recipientWaitMs);
    return;
  }
  try {
    const reaction = content.type === 'reaction' ? content.messageId : undefined;
    const wamids = await deps.messages.wamidsOf(
      accountId,
      [payload.quotedId, reaction].filter((id) => id !== undefined),
    );
    const media = hasMedia(content)
      ? await deps.media.reference(account.credentials, accountId, content)
      : undefined;
    const body = metaMessageBody({
      to: recipient.digits,
      content,
      ...(media ? { media } : {}),
      ...(payload.quotedId ? { replyToWamid: wamids.get(payload.quotedId) ?? payload.quotedId } : {}),
      ...(reaction ? { reactionTargetWamid: wamids.get(reaction) ?? reaction } : {}),
      ...(payload.linkPreview ? { linkPreview: true } : {}),
    });
    if (payload.simulateTyping) {
      await showTyping(deps, account, chatId).catch((error: unknown) =>
        deps.log.warn({ account: accountId, chatId, err: describeError(error) }, 'typing indicator failed'),
      );
    }
    const wamid = await sendPaced(deps, delivery, account, body);
    const recorded = deps.accepted.recording(accountId, wamid);
    try {
      await deps.acceptedWrites.submit({ ...outbound, op: command.op, wamid });
      await announceSent(deps, command, message, wamid);
    } finally {
      recorded();
    }
    deps.recipients.accepted(pairKey);
    await deps.facts.succeeded(account);
  } catch (error) {
    if (error instanceof UnsupportedOnCloudError)
      return fail({ code: 'unsupported_type', message: error.message });
    if (error instanceof PermanentError) return fail({ code: 'invalid_media', message: error.message });
    if (!(error instanceof GraphApiError)) throw error;
    switch (error.kind) {
      case 'pair_rate':
        delivery.nak(deps.recipients.refused(pairKey));
        return;
      case 'throughput':
        throw new RetryableError(error.message, {
          delayMs: Math.max(1_000, deps.pacer.pausedUntil(account.credentials.phoneNumberId) - Date.now()),
        });
      case 'maintenance':
        throw new RetryableError(error.message, { delayMs: MAINTENANCE_RETRY_MS });
      case 'transient':
        if (delivery.deliveryCount < TRANSIENT_DELIVERIES) throw new RetryableError(error.message);
        return fail(error.toFailure());
      case 'token':
      case 'restricted':
        await deps.facts.failed(account, error);
        return fail(error.toFailure());
      case 'permanent':
        return fail(error.toFailure());
    }
  }
}

/** Sends within the number's throughput, waiting out 130429 pauses that are short enough. */
async function sendPaced(
  deps: CommandRun,
  delivery: Delivery<unknown>,
  account: CloudAccountView,
  body: Record<string, unknown>,
): Promise<string> {
  const { phoneNumberId } = account.credentials;
  if (account.backoffUntilMs && account.backoffUntilMs > Date.now()) {
    deps.pacer.pauseUntil(phoneNumberId, account.backoffUntilMs);
  }
  for (let tries = 1; ; tries += 1) {
    const pausedForMs = deps.pacer.pausedUntil(phoneNumberId) - Date.now();
    if (pausedForMs > LONGEST_IN_PROCESS_PAUSE_MS) {
      throw new RetryableError(`number ${phoneNumberId} is paused by Meta's throughput limit`, {
        delayMs: pausedForMs,
      });
    }
    const waitingSince = Date.now();
    const release = await deps.pacer.acquire(phoneNumberId, account.throughputPerSecond);
    let answeredAt: number | undefined;
    try {
      // A long wait for the number's throughput must not let JetStream think the handler died.
      if (Date.now() - waitingSince > LONG_WAIT_MS) delivery.working();
      const sent = await deps.graph.sendMessage(account.credentials, body);
      answeredAt = sent.answeredAt;
      deps.pacer.succeeded(phoneNumberId);
      return sent.wamid;
    } catch (error) {
      if (
        !(error instanceof GraphApiError) ||
        error.kind !== 'throughput' ||
        tries >= THROTTLED_TRIES_PER_DELIVERY
      ) {
        throw error;
      }
      const untilMs = deps.pacer.throttled(phoneNumberId);
      deps.log.warn(
        { account: account.accountId, pauseMs: untilMs - Date.now() },
        'Meta throughput limit hit; pausing the number',
      );
      await deps.accounts.setBackoff(account.accountId, untilMs);
    } finally {
      release(answeredAt);
    }
  }
}

/**
 * Meta shows "typing…" while marking the user's newest message read (dismissed by the reply or after
 * 25 s); false when the chat has no received message to hang it on.
 */
async function showTyping(deps: CommandRun, account: CloudAccountView, chatId: string): Promise<boolean> {
  const latest = await deps.messages.latestReceived(account.accountId, chatId);
  if (!latest) return false;
  await deps.graph.markRead(account.credentials, latest, true);
  return true;
}

/** Raises what a failed mark-read or typing call means for the command: retry, account trouble, or nothing. */
async function settleCallFailure(
  deps: CommandRun,
  account: CloudAccountView,
  error: unknown,
): Promise<MessageFailure> {
  if (!(error instanceof GraphApiError)) throw error;
  if (error.kind === 'transient' || error.kind === 'throughput' || error.kind === 'maintenance') {
    throw new RetryableError(error.message);
  }
  await deps.facts.failed(account, error);
  return error.toFailure();
}

async function markRead(
  deps: CommandRun,
  account: CloudAccountView,
  command: TypedCommand<'chat.mark_read'>,
) {
  const { accountId } = account;
  const { chatId, messageIds } = command.payload;
  const wamids = await deps.messages.wamidsOf(accountId, messageIds);
  const failures: Array<MessageFailure & { messageId: string }> = [];
  for (const messageId of messageIds) {
    try {
      await deps.graph.markRead(account.credentials, wamids.get(messageId) ?? messageId, false);
    } catch (error) {
      failures.push({ messageId, ...(await settleCallFailure(deps, account, error)) });
    }
  }
  const read = messageIds.filter((id) => !failures.some((failure) => failure.messageId === id));
  await deps.messages.applyStatuses(
    accountId,
    read.map((messageId) => ({ chatId, messageId, status: 'read' as const })),
  );
  if (failures.length > 0) {
    deps.log.warn({ account: accountId, chatId, failures }, 'Meta refused to mark some messages read');
  }
  await deps.messages.recordProcessed(
    accountId,
    command.id,
    command.op,
    failures.length === 0 ? 'done' : 'failed',
    {
      read,
      failures,
    },
  );
}

async function sendPresence(
  deps: CommandRun,
  account: CloudAccountView,
  command: TypedCommand<'presence.send'>,
) {
  const { chatId, presence } = command.payload;
  let result: { typingIndicator: boolean; failure?: MessageFailure } = { typingIndicator: false };
  // Meta has one indicator, "typing…"; the other presences have no equivalent on the Cloud API.
  if (chatId && (presence === 'composing' || presence === 'recording')) {
    try {
      result = { typingIndicator: await showTyping(deps, account, chatId) };
    } catch (error) {
      result = { typingIndicator: false, failure: await settleCallFailure(deps, account, error) };
    }
  }
  await deps.messages.recordProcessed(
    account.accountId,
    command.id,
    command.op,
    result.failure ? 'failed' : 'done',
    result,
  );
}
