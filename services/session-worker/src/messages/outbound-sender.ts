import { PermanentError, RetryableError } from '@wagate/bus';
import { COMMAND_CATALOG, type MediaSource } from '@wagate/contracts';
import { type OutboundRow, WebSessionStore } from '@wagate/db';
import { describeError } from '@wagate/runtime';
import type { proto as WAProto } from '@whiskeysockets/baileys';
import { generateWAMessageFromContent, type WAMessage } from '@whiskeysockets/baileys';
import { fromStoredJson, toStoredJsonText } from '../auth/account-auth-state';
import { outboxEvent } from '../events/event-outbox';
import type { WebSession } from '../sessions/web-session';
import { proto } from '../sessions/whatsapp-proto';
import { linkPreviewOf } from './link-preview';
import { buildOutbound, mediaBytes } from './outbound-content';
import { Pacer } from './pacing';

/** A queued outbound command, as the sender keeps it (payload read when it is due). */
export type QueuedSend = Pick<
  OutboundRow,
  'commandId' | 'seq' | 'op' | 'messageId' | 'chatId' | 'notBefore' | 'payload' | 'createdAt'
>;

const MAX_ATTEMPTS = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Failure = { code: number | string; message: string };

/**
 * The outbound queue of one account: commands accepted into `outbound_queue` leave in order, when
 * due (`notBefore`), paced (rate, jitter, per-recipient spacing, typing), and only while the
 * session is logged in. A send is recorded only once its frame left for WhatsApp. After a crash of
 * the previous owner, queued sends first wait for receipts that prove they already went out.
 *
 * @example
 * session.sender.push(row);
 */
export class OutboundSender {
  private queue: QueuedSend[] = [];
  private running: Promise<void> | undefined;
  private paused = true;
  private stopped = false;
  private wake: (() => void) | undefined;
  private pacer: Pacer | undefined;
  /**
   * The send under way. One at a time per account: overlapping Baileys sends of one socket fork
   * its Signal sessions (peers then fail to decrypt with "Key used already" or "Bad MAC"), which
   * the failover test showed as lost messages; accounts still send in parallel with each other.
   */
  private sending: Promise<void> | undefined;

  /** Commands that a crashed previous owner may already have sent. */
  private readonly uncertain = new Set<string>();
  private uncertainSince: number | undefined;

  constructor(private readonly session: WebSession) {}

  /**
   * Adds queued commands (from the database at start, or just accepted). `uncertain`: loaded after
   * a takeover from an owner that did not hand over cleanly, so they may have left already.
   */
  push(rows: QueuedSend[], options: { uncertain?: boolean } = {}): void {
    const known = new Set(this.queue.map((row) => row.commandId));
    for (const row of rows) {
      if (known.has(row.commandId)) continue;
      this.queue.push(row);
      if (options.uncertain) this.uncertain.add(row.commandId);
    }
    this.queue.sort((a, b) => a.seq - b.seq);
    this.kick();
  }

  /** The session logged in: sending may go on. */
  resume(): void {
    this.paused = false;
    this.kick();
  }

  /** The socket closed: wait for the next login. */
  pause(): void {
    this.paused = true;
  }

  /** Stops after the send in flight (handover). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.sending;
  }

  /** Stops at once (ownership lost): the next owner sends what is left. */
  abort(): void {
    this.stopped = true;
    this.queue = [];
    this.wake?.();
  }

  /** Fails everything queued (the session was logged out). */
  async failQueued(error: Failure): Promise<void> {
    const rows = await WebSessionStore.queuedOutbound(
      this.session.context.db,
      this.session.context.partition,
      [this.session.accountId],
    );
    for (const row of rows) await this.finish(row, { state: 'failed', error });
    this.queue = [];
  }

  private kick(): void {
    this.wake?.();
    if (this.running || this.stopped) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const next = this.nextDue();
      if (!next || this.paused || !this.session.isLoggedIn) {
        const earliest = this.queue.reduce(
          (soonest, row) => Math.min(soonest, row.notBefore?.getTime() ?? Date.now() + 1_000),
          Number.POSITIVE_INFINITY,
        );
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          if (this.queue.length > 0)
            setTimeout(resolve, Math.max(50, Math.min(earliest - Date.now(), 1_000))).unref();
        });
        continue;
      }
      const waitMs = this.delayBefore(next);
      if (waitMs > 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, waitMs).unref();
        });
        continue;
      }
      this.sending = this.sendOne(next).finally(() => {
        this.sending = undefined;
      });
      await this.sending;
    }
  }

  /** The first queued command that is due: a scheduled one never holds up those behind it. */
  private nextDue(): QueuedSend | undefined {
    const now = Date.now();
    return this.queue.find((row) => !row.notBefore || row.notBefore.getTime() <= now);
  }

  private remove(row: QueuedSend): void {
    const index = this.queue.indexOf(row);
    if (index !== -1) this.queue.splice(index, 1);
  }

  private policy(): Pacer {
    if (!this.pacer) {
      const { config } = this.session.context;
      const settings = this.session.account.settings;
      this.pacer = new Pacer({
        messagesPerMinute: settings.messagesPerMinute ?? config.PACING_MESSAGES_PER_MINUTE,
        jitterMs: settings.jitterMs ?? config.PACING_JITTER_MS,
        perRecipientMs: settings.perRecipientSpacingMs ?? config.PACING_PER_RECIPIENT_MS,
        simulateTyping: settings.simulateTyping ?? config.PACING_SIMULATE_TYPING,
        typingMaxMs: config.TYPING_MAX_MS,
      });
    }
    return this.pacer;
  }

  /** Milliseconds until `row` may go (schedule, pacing, proof of an earlier send). */
  private delayBefore(row: QueuedSend): number {
    const now = Date.now();
    if (this.uncertain.has(row.commandId)) {
      if (!this.session.caughtUp) return 200;
      this.uncertainSince ??= now;
      const left = this.uncertainSince + this.session.context.config.UNCERTAIN_SEND_WAIT_MS - now;
      if (left > 0) return left;
    }
    if (row.op === 'message.send' || row.op === 'message.forward')
      return this.policy().delayFor(row.chatId, now);
    return 0;
  }

  private async sendOne(row: QueuedSend): Promise<void> {
    const { context } = this.session;
    if (this.uncertain.delete(row.commandId) && (await this.alreadySent(row))) {
      this.remove(row);
      await this.finish(row, { state: 'sent' });
      return;
    }
    try {
      const message = await this.relay(row);
      this.remove(row);
      if (row.op === 'message.send' || row.op === 'message.forward') this.policy().sent(row.chatId);
      await this.recordSent(row, message);
    } catch (error) {
      if (this.stopped) return;
      if (!this.session.isLoggedIn) return;
      const attempts = ((row as { attempts?: number }).attempts ?? 0) + 1;
      (row as { attempts?: number }).attempts = attempts;
      if (error instanceof PermanentError || attempts >= MAX_ATTEMPTS) {
        this.remove(row);
        await this.finish(row, { state: 'failed', error: failureOf(error) });
        return;
      }
      const delayMs = error instanceof RetryableError ? (error.delayMs ?? 2_000) : 2_000 * attempts;
      context.log.warn(
        { account: this.session.accountId, command: row.commandId, err: describeError(error) },
        'send failed; retrying',
      );
      row.notBefore = new Date(Date.now() + delayMs);
    }
  }

  /** Whether the previous owner's send of this row reached WhatsApp (its receipts say so). */
  private async alreadySent(row: QueuedSend): Promise<boolean> {
    if (row.op !== 'message.send' && row.op !== 'message.forward') return false;
    const stored = await WebSessionStore.findMessage(
      this.session.context.db,
      this.session.accountId,
      row.messageId,
      row.chatId,
    );
    return Boolean(stored && stored.status !== 'pending' && stored.status !== 'failed');
  }

  /** Builds and sends one command; resolves with the message once its frame left. */
  private async relay(row: QueuedSend): Promise<WAMessage> {
    const { session } = this;
    const sock = session.sock;
    if (!sock) throw new RetryableError('socket not open');
    const { context } = session;
    const accountId = session.accountId;
    let sent: WAMessage;
    switch (row.op) {
      case 'message.send': {
        const payload = COMMAND_CATALOG['message.send'].parse(row.payload);
        const reactionKey =
          payload.content.type === 'reaction'
            ? await this.keyOf(payload.content.messageId, row.chatId)
            : undefined;
        const linkPreview =
          payload.linkPreview && payload.content.type === 'text'
            ? await linkPreviewOf(payload.content.text)
            : undefined;
        const built = await buildOutbound(
          payload.content,
          { mentions: payload.mentions, reactionKey, linkPreview },
          (source) => this.media(source),
        );
        const quoted = payload.quotedId ? await this.storedMessage(payload.quotedId, row.chatId) : undefined;
        if (
          payload.content.type === 'text' &&
          (payload.simulateTyping ?? this.policy().policy.simulateTyping)
        ) {
          await sock.sendPresenceUpdate('composing', row.chatId).catch(() => {});
          await sleep(this.policy().typingMs(payload.content.text));
          await sock.sendPresenceUpdate('paused', row.chatId).catch(() => {});
        }
        if ('content' in built) {
          sent = (await session.devices.sendingTo(row.chatId, () =>
            sock.sendMessage(row.chatId, built.content, {
              messageId: row.messageId,
              ...(quoted ? { quoted } : {}),
            }),
          ))!;
        } else {
          sent = generateWAMessageFromContent(row.chatId, built.message, {
            userJid: sock.authState.creds.me!.id,
            messageId: row.messageId,
            ...(quoted ? { quoted } : {}),
          });
          session.rememberSent(sent);
          const message = sent.message!;
          await session.devices.sendingTo(row.chatId, () =>
            sock.relayMessage(row.chatId, message, { messageId: row.messageId }),
          );
        }
        break;
      }
      case 'message.edit': {
        const payload = COMMAND_CATALOG['message.edit'].parse(row.payload);
        const key = await this.keyOf(payload.messageId, payload.chatId);
        if (!key?.fromMe) throw new PermanentError(`message ${payload.messageId} is not one of ours to edit`);
        sent = (await session.devices.sendingTo(payload.chatId, () =>
          sock.sendMessage(payload.chatId, { text: payload.text, edit: key }, { messageId: row.messageId }),
        ))!;
        break;
      }
      case 'message.delete': {
        const payload = COMMAND_CATALOG['message.delete'].parse(row.payload);
        const key = await this.keyOf(payload.messageId, payload.chatId);
        if (!key) throw new PermanentError(`message ${payload.messageId} is unknown`);
        sent = (await session.devices.sendingTo(payload.chatId, () =>
          sock.sendMessage(payload.chatId, { delete: key }, { messageId: row.messageId }),
        ))!;
        break;
      }
      case 'message.forward': {
        const payload = COMMAND_CATALOG['message.forward'].parse(row.payload);
        const original = await this.storedMessage(payload.messageId, payload.chatId);
        if (!original) throw new PermanentError(`message ${payload.messageId} is unknown`);
        sent = (await session.devices.sendingTo(payload.to, () =>
          sock.sendMessage(payload.to, { forward: original }, { messageId: row.messageId }),
        ))!;
        break;
      }
      default:
        throw new PermanentError(`unknown outbound op ${row.op}`);
    }
    if (!(await this.session.gateSent(row.messageId)))
      throw new RetryableError('socket closed before sending');
    context.log.debug({ account: accountId, id: row.messageId }, 'message sent');
    return sent;
  }

  private media(source: MediaSource): Promise<Buffer> {
    const { context } = this.session;
    return mediaBytes(source, this.session.accountId, {
      db: context.db,
      store: context.mediaStore,
      maxBytes: context.config.MEDIA_MAX_BYTES,
    });
  }

  private async storedMessage(id: string, chatId: string): Promise<WAMessage | undefined> {
    const row = await WebSessionStore.findMessage(
      this.session.context.db,
      this.session.accountId,
      id,
      chatId,
    );
    if (!row?.raw) return undefined;
    return proto.WebMessageInfo.fromObject(fromStoredJson<object>(row.raw)) as WAMessage;
  }

  private async keyOf(id: string, chatId: string): Promise<WAProto.IMessageKey | undefined> {
    const row = await WebSessionStore.findMessage(
      this.session.context.db,
      this.session.accountId,
      id,
      chatId,
    );
    if (!row) return undefined;
    return {
      remoteJid: chatId,
      id,
      fromMe: row.fromMe,
      ...(chatId.endsWith('@g.us') && !row.fromMe ? { participant: row.sender } : {}),
    };
  }

  private async recordSent(row: QueuedSend, message: WAMessage): Promise<void> {
    const { session } = this;
    const accountId = session.accountId;
    if (row.op !== 'message.send' && row.op !== 'message.forward') {
      await session.context.commit((tx) =>
        WebSessionStore.finishOutbound(tx, accountId, row.commandId, { state: 'sent' }),
      );
      return;
    }
    const timestamp = Number(message.messageTimestamp ?? Math.floor(Date.now() / 1000));
    const raw = toStoredJsonText(message);
    await session.context.commit(async (tx, emit) => {
      const stored = await WebSessionStore.recordSent(tx, accountId, row.commandId, {
        chatId: row.chatId,
        id: row.messageId,
        raw,
        sentAt: timestamp,
      });
      if (!stored) return;
      emit(
        outboxEvent('message.sent', accountId, `${accountId}:sent:${row.chatId}:${row.messageId}`, {
          id: row.messageId,
          chatId: row.chatId,
          chatType: row.chatId.endsWith('@g.us') ? 'group' : 'contact',
          sender: session.ownJid ?? stored.sender,
          fromMe: true,
          timestamp,
          content: stored.content,
          ...(stored.quotedId ? { quoted: { id: stored.quotedId } } : {}),
          mentions: stored.mentions,
          ...(row.op === 'message.forward' ? { forwarded: true } : {}),
          commandId: row.commandId,
        }),
      );
    });
  }

  private async finish(
    row: QueuedSend,
    outcome: { state: 'sent' } | { state: 'failed'; error: Failure },
  ): Promise<void> {
    const { session } = this;
    const accountId = session.accountId;
    const creates = row.op === 'message.send' || row.op === 'message.forward';
    const events =
      outcome.state === 'failed' && creates
        ? [
            outboxEvent('message.ack', accountId, `${accountId}:ack:${row.chatId}:${row.messageId}:failed:`, {
              id: row.messageId,
              chatId: row.chatId,
              status: 'failed',
              timestamp: Math.floor(Date.now() / 1000),
              error: outcome.error,
              commandId: row.commandId,
            }),
          ]
        : [];
    await session.context.commit(async (tx) => {
      await WebSessionStore.finishOutbound(tx, accountId, row.commandId, outcome);
      if (outcome.state === 'failed' && creates) {
        await WebSessionStore.advanceStatuses(tx, accountId, [
          { chatId: row.chatId, id: row.messageId, status: 'failed', error: outcome.error },
        ]);
      }
    }, events);
    if (outcome.state === 'failed') {
      session.context.log.warn(
        { account: accountId, command: row.commandId, error: outcome.error },
        'send failed',
      );
    }
  }
}

function failureOf(error: unknown): Failure {
  const status = (error as { output?: { statusCode?: number } }).output?.statusCode;
  return { code: status ?? 'send_failed', message: (error as Error).message ?? String(error) };
}
