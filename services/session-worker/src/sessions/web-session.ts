import { createHash } from 'node:crypto';
import {
  type ChatSummary,
  type ContactSummary,
  chatTypeOf,
  type DisconnectReason as DisconnectReasonName,
  type GroupInfo,
  jidUser,
  type MessageStatus,
  type SessionStatus,
  type SessionStatusEvent,
} from '@wagate/contracts';
import {
  type AccountRow,
  AccountsRepository,
  type Database,
  deleteAuthStateIn,
  FencedOutError,
  WebSessionStore,
} from '@wagate/db';
import { describeError } from '@wagate/runtime';
import type { proto as WAProto } from '@whiskeysockets/baileys';
import {
  type BaileysEventMap,
  type Chat,
  type Contact,
  DisconnectReason,
  type GroupMetadata,
  makeWASocket,
  type WAMessage,
  type WASocket,
} from '@whiskeysockets/baileys';
import { AccountAuthState, fromStoredJson, toStoredJson } from '../auth/account-auth-state';
import { outboxEvent, type PendingEvent } from '../events/event-outbox';
import { hasMedia, interpretMessage } from '../messages/inbound-content';
import { OutboundSender } from '../messages/outbound-sender';
import type { PartitionContext } from '../partitions/partition-context';
import type { DeviceListView } from './device-lists';
import { DurableSendGate } from './durable-send-gate';
import { containSocketFailures } from './socket-failures';
import { proto } from './whatsapp-proto';

/** How a session stops. */
export type StopKind = 'requested' | 'handover' | 'lost' | 'deleted';

const BAILEYS_STATUS: Record<number, MessageStatus> = {
  [proto.WebMessageInfo.Status.ERROR]: 'failed',
  [proto.WebMessageInfo.Status.SERVER_ACK]: 'server',
  [proto.WebMessageInfo.Status.DELIVERY_ACK]: 'delivered',
  [proto.WebMessageInfo.Status.READ]: 'read',
  [proto.WebMessageInfo.Status.PLAYED]: 'played',
};

const QR_FIRST_SECONDS = 60;
const RECENTLY_SENT_LIMIT = 64;
const STOP_SEND_WAIT_MS = 5_000;
const QR_NEXT_SECONDS = 20;
const PAIRING_CODE_SECONDS = 60;
/** How long a closing WebSocket may take to close before the next one of its device opens. */
const PREVIOUS_SOCKET_CLOSE_MS = 5_000;

/** The `ws` WebSocket under a Baileys socket, as far as closing it goes. */
interface RawWebSocket {
  readonly readyState: number;
  once(event: 'close', listener: () => void): unknown;
  terminate(): void;
}
const WEBSOCKET_CLOSED = 3;

/**
 * Resolves once `webSocket` has closed: Baileys' `end()` only starts the close handshake, and a
 * reconnect before it finished would give the device two sockets. After `timeoutMs` it is cut.
 */
async function closedWebSocket(webSocket: RawWebSocket | undefined, timeoutMs: number): Promise<void> {
  if (!webSocket || webSocket.readyState === WEBSOCKET_CLOSED) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      webSocket.terminate();
      resolve();
    }, timeoutMs);
    webSocket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Status code of a Baileys disconnect (a Boom). */
const closeCode = (error: unknown): number | undefined =>
  (error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode;

/** A deterministic WhatsApp-style id for a message the worker creates on a command's behalf. */
export function derivedMessageId(commandId: string): string {
  return `3EB0${createHash('sha256').update(commandId).digest('hex').slice(0, 16).toUpperCase()}`;
}

const unixSeconds = (value: unknown): number => {
  const number = Number(value ?? 0);
  return Number.isFinite(number) && number > 0 ? Math.floor(number) : Math.floor(Date.now() / 1000);
};

/** Baileys group metadata in the contract's shape. */
export function groupInfo(metadata: GroupMetadata): GroupInfo {
  return {
    id: metadata.id,
    subject: metadata.subject ?? '',
    ...(metadata.desc ? { description: metadata.desc } : {}),
    ...(metadata.owner ? { owner: metadata.owner } : {}),
    ...(metadata.creation ? { createdAt: metadata.creation } : {}),
    announce: Boolean(metadata.announce),
    locked: Boolean(metadata.restrict),
    participants: (metadata.participants ?? []).map((participant) => ({
      id: participant.id,
      role:
        participant.admin === 'superadmin'
          ? 'superadmin'
          : participant.admin === 'admin'
            ? 'admin'
            : 'member',
    })),
    size: metadata.size ?? metadata.participants?.length,
  };
}

function chatSummary(chat: Partial<Chat> & { id: string }): ChatSummary & { type: string } {
  const muted =
    chat.muteEndTime === null || chat.muteEndTime === undefined ? undefined : Number(chat.muteEndTime);
  return {
    id: chat.id,
    type: chatTypeOf(chat.id),
    ...(chat.name ? { name: chat.name } : {}),
    ...(typeof chat.unreadCount === 'number' ? { unreadCount: Math.max(0, chat.unreadCount) } : {}),
    ...(typeof chat.archived === 'boolean' ? { archived: chat.archived } : {}),
    ...(chat.pinned !== undefined && chat.pinned !== null ? { pinned: Boolean(chat.pinned) } : {}),
    ...(muted !== undefined ? { mutedUntil: muted > 1e12 ? Math.floor(muted / 1000) : muted } : {}),
    ...(chat.conversationTimestamp ? { lastMessageAt: unixSeconds(chat.conversationTimestamp) } : {}),
  };
}

function contactSummary(contact: Partial<Contact> & { id: string }): ContactSummary {
  return {
    id: contact.id,
    ...(contact.name ? { name: contact.name } : {}),
    ...(contact.notify ? { notify: contact.notify } : {}),
    ...(contact.verifiedName ? { verifiedName: contact.verifiedName } : {}),
    ...(contact.lid ? { lid: contact.lid } : {}),
  };
}

/**
 * One web account's WhatsApp session on this worker: a Baileys socket whose auth state lives in
 * PostgreSQL, with its lifecycle (QR and pairing code, 515 restart, reconnect with backoff, 401
 * logout, 440 replacement), its events normalized into the product's contracts (stored and
 * published through the partition's outbox), and its outbound queue.
 *
 * @example
 * const session = new WebSession(context, account);
 * await session.start();
 * await session.waitForStatus('logged_in');
 */
export class WebSession {
  status: SessionStatus = 'disconnected';
  reason: DisconnectReasonName | undefined;
  sock: WASocket | undefined;
  readonly sender: OutboundSender;
  /** The worker's device lists as this session's sockets read them; sends go through it. */
  readonly devices: DeviceListView;
  private auth: AccountAuthState | undefined;
  private gate: DurableSendGate | undefined;
  private wanted = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectAttempts = 0;
  private qr: { code: string; expiresAt: number } | undefined;
  private qrCount = 0;
  private pairing: { phoneNumber: string; code?: string; expiresAt: number } | undefined;
  private pendingNotificationsReceived = false;
  /** The socket is up and unpaired: a pairing code may be requested. */
  private pairingReady = false;
  private readonly statusWaiters = new Set<() => void>();
  private readonly accounts: AccountsRepository;
  private socketGeneration = 0;
  /** The WebSocket of the last socket, until it has closed: a new one waits for it. */
  private lastWebSocket: RawWebSocket | undefined;
  private readonly recentlySent = new Map<string, WAProto.IMessage>();

  constructor(
    readonly context: PartitionContext,
    public account: AccountRow,
  ) {
    this.accounts = new AccountsRepository(context.db, context.bus.topology.partitions);
    this.sender = new OutboundSender(this);
    this.devices = context.baileys.deviceListView(() => this.auth?.state.creds.me?.id);
  }

  /**
   * Keeps a just-sent message at hand: a recipient's retry request may arrive before the sent
   * message is stored, and Baileys re-encrypts what `getMessage` returns.
   */
  rememberSent(message: WAMessage): void {
    if (!message.key.id || !message.message) return;
    this.recentlySent.set(message.key.id, message.message);
    if (this.recentlySent.size > RECENTLY_SENT_LIMIT) {
      this.recentlySent.delete(this.recentlySent.keys().next().value as string);
    }
  }

  /** Resolves true once the outbound message `id` left for WhatsApp, false if the socket closed first. */
  gateSent(id: string): Promise<boolean> {
    return this.gate?.whenSent(id) ?? Promise.resolve(false);
  }

  get accountId(): string {
    return this.account.id;
  }

  get log() {
    return this.context.log;
  }

  /** The account's own JID (`number@s.whatsapp.net`), once paired. */
  get ownJid(): string | undefined {
    const me = this.auth?.state.creds.me?.id;
    return me ? `${jidUser(me)}@s.whatsapp.net` : undefined;
  }

  get isLoggedIn(): boolean {
    return this.status === 'logged_in';
  }

  /** Whether Baileys handed over everything WhatsApp kept while the device was away. */
  get caughtUp(): boolean {
    return this.isLoggedIn && this.pendingNotificationsReceived;
  }

  get hasCredentials(): boolean {
    return Boolean(this.auth?.state.creds.me?.id);
  }

  /** The current QR and the seconds it stays valid. */
  currentQr(): { code: string; timeoutSeconds: number } | undefined {
    if (!this.qr || this.status !== 'waiting_for_qr') return undefined;
    return {
      code: this.qr.code,
      timeoutSeconds: Math.max(0, Math.ceil((this.qr.expiresAt - Date.now()) / 1000)),
    };
  }

  /** Opens the socket (no-op when it is open or opening). */
  async start(): Promise<void> {
    this.wanted = true;
    if (this.sock || this.reconnectTimer) return;
    await this.open();
  }

  /**
   * Pairs by phone number: returns the code to type on the phone. Starts the socket when it is
   * not running; a paired session refuses.
   */
  async requestPairingCode(phoneNumber: string): Promise<{ code: string; timeoutSeconds: number }> {
    if (
      this.pairing?.code &&
      this.pairing.phoneNumber === phoneNumber &&
      this.pairing.expiresAt > Date.now()
    ) {
      return {
        code: this.pairing.code,
        timeoutSeconds: Math.ceil((this.pairing.expiresAt - Date.now()) / 1000),
      };
    }
    this.pairing = { phoneNumber, expiresAt: Date.now() + PAIRING_CODE_SECONDS * 1000 };
    if (!this.sock) await this.start();
    await this.waitFor(() => this.pairingReady, 20_000);
    const raw = await this.sock!.requestPairingCode(phoneNumber);
    const code = `${raw.slice(0, 4)}-${raw.slice(4)}`.toUpperCase();
    this.pairing = { phoneNumber, code, expiresAt: Date.now() + PAIRING_CODE_SECONDS * 1000 };
    await this.setStatus({ status: 'waiting_for_pair_code' });
    await this.context.bus
      .publishEvent(
        outboxEvent('session.pairing_code', this.accountId, '', {
          code,
          phoneNumber,
          expiresInSeconds: PAIRING_CODE_SECONDS,
        }).event,
      )
      .catch((error: unknown) =>
        this.log.warn({ err: describeError(error) }, 'pairing code event not published'),
      );
    return { code, timeoutSeconds: PAIRING_CODE_SECONDS };
  }

  /** Resolves when `predicate` holds (checked on every status change), or rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.statusWaiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.statusWaiters.delete(check);
        reject(new Error(`session ${this.accountId} is ${this.status}`));
      }, timeoutMs);
      this.statusWaiters.add(check);
    });
  }

  /**
   * Stops the session. `requested`: close and stay offline; `handover`: close cleanly for the next
   * owner (sends in flight finish first); `lost`: close at once and write nothing (another worker
   * may own the account now); `deleted`: the account is gone.
   */
  async stop(kind: StopKind): Promise<void> {
    this.wanted = false;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (kind === 'lost') {
      this.sender.abort();
      this.closeSocket();
      return;
    }
    // A send in flight may finish, but a wedged one never holds up the handover.
    await Promise.race([
      this.sender.stop(),
      new Promise((resolve) => setTimeout(resolve, STOP_SEND_WAIT_MS)),
    ]);
    await this.drainGate();
    this.closeSocket();
    // The next owner may connect as soon as this stop returns (a handover releases the lease
    // then): the device must have no socket left by then.
    await Promise.all([closedWebSocket(this.lastWebSocket, PREVIOUS_SOCKET_CLOSE_MS), this.auth?.settle()]);
    if (kind === 'requested') await this.setStatus({ status: 'disconnected', reason: 'requested' });
    else if (kind === 'handover') await this.setStatus({ status: 'disconnected', reason: 'ownership_lost' });
  }

  /** Logs the device out of WhatsApp (unlink) and removes the credentials. */
  async logout(): Promise<void> {
    this.wanted = false;
    if (this.sock && this.isLoggedIn) {
      await this.sock.logout().catch((error: unknown) => {
        this.log.warn({ err: describeError(error) }, 'logout request failed; removing credentials anyway');
      });
    }
    this.closeSocket();
    await this.loggedOut('requested');
  }

  private async drainGate(): Promise<void> {
    const deadline = Date.now() + 3_000;
    while (this.gate?.holding && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
  }

  private closeSocket(): void {
    this.socketGeneration += 1;
    const sock = this.sock;
    this.sock = undefined;
    this.gate?.close();
    this.gate = undefined;
    this.qr = undefined;
    if (sock) {
      sock.ev.removeAllListeners('connection.update');
      sock.end(undefined);
    }
    if (this.status !== 'disconnected') this.status = 'disconnected';
    this.notifyWaiters();
  }

  private async open(): Promise<void> {
    const release = await this.context.connectSlots.acquire();
    const generation = ++this.socketGeneration;
    // The slot goes to the socket once it is made; every other way out gives it back.
    let slotHandedOver = false;
    try {
      if (!this.wanted) return;
      const fresh = await this.accounts.get(this.accountId);
      if (!fresh || fresh.disabled) {
        this.wanted = false;
        if (fresh?.disabled) this.log.info({ account: this.accountId }, 'not connecting a disabled account');
        return;
      }
      this.account = fresh;
      this.auth = await AccountAuthState.load(this.context.db, this.context.writer, this.accountId);
      if (generation !== this.socketGeneration || !this.wanted) return;
      const gate = new DurableSendGate(this.log);
      this.gate = gate;
      this.auth.orderWith(gate);
      gate.onSettled = () => this.auth?.requestFlush();
      const auth = this.auth;
      gate.durableThrough = () => auth.durableThrough();
      auth.onDurable = () => gate.writesDurable();
      this.qrCount = 0;
      this.pendingNotificationsReceived = false;
      this.pairingReady = false;
      await this.setStatus({ status: 'connecting' });
      // WhatsApp allows one socket per device: the last one must be gone before the next opens.
      await closedWebSocket(this.lastWebSocket, PREVIOUS_SOCKET_CLOSE_MS);
      if (generation !== this.socketGeneration || !this.wanted) return;
      const sock = makeWASocket({
        ...this.context.baileys.socketConfig(this.accountId, this.devices),
        auth: this.auth.state,
        getMessage: async (key) => {
          if (!key.id) return undefined;
          const recent = this.recentlySent.get(key.id);
          if (recent) return recent;
          const row = await WebSessionStore.findMessage(
            this.context.db,
            this.accountId,
            key.id,
            key.remoteJid ?? undefined,
          );
          const raw = row?.raw ? fromStoredJson<{ message?: object }>(row.raw) : undefined;
          return raw?.message ? proto.Message.fromObject(raw.message) : undefined;
        },
        cachedGroupMetadata: async (jid) => this.cachedGroupMetadata(jid),
        shouldSyncHistoryMessage: () => false,
      });
      gate.attach(sock);
      this.context.baileys.watch(sock);
      this.lastWebSocket = (sock.ws as unknown as { socket?: RawWebSocket | null }).socket ?? undefined;
      containSocketFailures(sock, (error) => {
        if (generation !== this.socketGeneration) return;
        this.log.warn(
          { account: this.accountId, err: describeError(error) },
          'the WhatsApp socket failed inside Baileys; closing it to reconnect',
        );
        sock.end(error);
      });
      const keys = sock.authState.keys;
      const setInTransaction = keys.set.bind(keys);
      keys.set = (data) => {
        auth.writeThrough(data);
        return setInTransaction(data);
      };
      this.sock = sock;
      sock.ev.process((events) => {
        void this.handleEvents(sock, generation, events);
      });
      // Release the slot once the socket opened or failed, so reconnects never pile up.
      slotHandedOver = true;
      void this.waitFor(
        () => this.status !== 'connecting' || this.socketGeneration !== generation,
        this.context.config.LOGIN_TIMEOUT_MS,
      )
        .catch(() => {
          // Baileys sets no deadline between its handshake and the server's <success>, and it loses
          // a reply that arrives before it derived its session keys: such a socket would wait forever.
          if (generation !== this.socketGeneration || this.sock !== sock) return;
          this.log.warn(
            { account: this.accountId },
            'the WhatsApp login did not complete in time; reconnecting',
          );
          sock.end(
            Object.assign(new Error('login timed out'), {
              output: { statusCode: DisconnectReason.timedOut },
            }),
          );
        })
        .finally(release);
    } catch (error) {
      if (error instanceof FencedOutError) return;
      this.log.error({ account: this.accountId, err: describeError(error) }, 'opening the session failed');
      this.scheduleReconnect();
    } finally {
      if (!slotHandedOver) release();
    }
  }

  private async cachedGroupMetadata(jid: string): Promise<GroupMetadata | undefined> {
    const row = await WebSessionStore.group(this.context.db, this.accountId, jid);
    if (!row || Date.now() - row.fetchedAt.getTime() > this.context.config.GROUP_CACHE_MS) return undefined;
    return {
      id: row.id,
      subject: row.subject,
      owner: row.owner ?? undefined,
      creation: row.createdAtWa ?? undefined,
      desc: row.description ?? undefined,
      announce: row.announce,
      restrict: row.locked,
      participants: row.participants.map((participant) => ({
        id: participant.id,
        admin: participant.role === 'member' ? null : participant.role,
      })),
    };
  }

  private async handleEvents(
    sock: WASocket,
    generation: number,
    events: Partial<BaileysEventMap>,
  ): Promise<void> {
    const gate = this.gate;
    if (!gate || generation !== this.socketGeneration) return;
    const emitted = gate.eventsEmitted();
    try {
      if (events['creds.update']) this.auth?.credsChanged();
      if (events['connection.update'])
        await this.onConnectionUpdate(sock, generation, events['connection.update']);
      await this.persistEvents(events);
      gate.eventsStored(emitted);
      if (events['presence.update']) this.publishPresence(events['presence.update']);
    } catch (error) {
      if (error instanceof FencedOutError) return;
      this.log.error(
        { account: this.accountId, err: describeError(error) },
        'handling WhatsApp events failed',
      );
    } finally {
      const upserted = events['messages.upsert']?.messages.map((message) => message.key.id ?? '') ?? [];
      // Stored, or failed for good: either way the acknowledgements may go (never wedge the socket).
      gate.settleMessages(upserted);
    }
  }

  private async onConnectionUpdate(
    sock: WASocket,
    generation: number,
    update: BaileysEventMap['connection.update'],
  ): Promise<void> {
    if (update.qr) {
      this.pairingReady = true;
      if (this.pairing) {
        this.notifyWaiters();
        return;
      }
      const seconds = this.qrCount === 0 ? QR_FIRST_SECONDS : QR_NEXT_SECONDS;
      this.qrCount += 1;
      this.qr = { code: update.qr, expiresAt: Date.now() + seconds * 1000 };
      if (this.status !== 'waiting_for_qr') await this.setStatus({ status: 'waiting_for_qr' });
      await this.context.bus
        .publishEvent(
          outboxEvent('session.qr', this.accountId, '', { qr: update.qr, expiresInSeconds: seconds }).event,
          { msgId: `${this.accountId}:qr:${update.qr.slice(0, 64)}` },
        )
        .catch((error: unknown) => this.log.warn({ err: describeError(error) }, 'QR event not published'));
      this.notifyWaiters();
    }
    if (update.isNewLogin) {
      this.pairing = undefined;
      this.qr = undefined;
      await this.setStatus({ status: 'connected' });
    }
    if (update.connection === 'open') {
      this.reconnectAttempts = 0;
      this.qr = undefined;
      this.pairing = undefined;
      const me = sock.authState.creds.me;
      const phoneNumber = me?.id ? jidUser(me.id) : null;
      const deviceId = me?.id?.includes(':') ? Number(me.id.split(':')[1]!.split('@')[0]) : null;
      await this.setStatus(
        { status: 'logged_in', phoneNumber, pushName: me?.name ?? null },
        { phoneNumber, pushName: me?.name ?? null, lid: me?.lid ?? null, deviceId },
      );
      this.sender.resume();
    }
    if (update.receivedPendingNotifications) {
      this.pendingNotificationsReceived = true;
      this.notifyWaiters();
    }
    if (update.connection === 'close' && generation === this.socketGeneration) {
      await this.onClose(update.lastDisconnect?.error);
    }
  }

  private async onClose(error: unknown): Promise<void> {
    const code = closeCode(error) ?? 0;
    this.sock = undefined;
    this.gate?.close();
    this.gate = undefined;
    this.sender.pause();
    const previousStatus = this.status;
    if (code === DisconnectReason.restartRequired) {
      await this.auth?.settle();
      await this.open();
      return;
    }
    if (code === DisconnectReason.loggedOut) {
      this.wanted = false;
      await this.loggedOut('logged_out', code);
      return;
    }
    if (code === DisconnectReason.connectionReplaced) {
      // Another socket holds the account: never fight it. Only a still-owning worker says so.
      this.wanted = false;
      await this.setStatus({ status: 'disconnected', reason: 'connection_replaced', disconnectCode: code });
      return;
    }
    if (code === DisconnectReason.forbidden) {
      this.wanted = false;
      await this.setStatus({ status: 'disconnected', reason: 'banned', disconnectCode: code });
      return;
    }
    // Only a QR or code that went unanswered ends pairing; a network failure retries.
    if (previousStatus === 'waiting_for_qr' || previousStatus === 'waiting_for_pair_code') {
      this.wanted = false;
      this.pairing = undefined;
      await this.setStatus({ status: 'disconnected', reason: 'pairing_timeout', disconnectCode: code });
      return;
    }
    await this.setStatus({ status: 'connecting', reason: 'connection_lost', disconnectCode: code });
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.wanted) return;
    const { RECONNECT_MIN_MS, RECONNECT_MAX_MS } = this.context.config;
    const base = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** this.reconnectAttempts);
    this.reconnectAttempts += 1;
    const delay = Math.floor(base / 2 + Math.random() * (base / 2));
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.open();
    }, delay);
  }

  /** Credentials are gone (401, or logout): remove them, fail what was queued, say so. */
  private async loggedOut(reason: 'logged_out' | 'requested', code?: number): Promise<void> {
    this.sender.abort();
    await this.auth?.settle();
    await this.context.commit((tx) => deleteAuthStateIn(tx, this.accountId));
    await this.sender.failQueued({ code: 401, message: 'the session was logged out' });
    this.auth = undefined;
    await this.setStatus(
      {
        status: 'disconnected',
        reason: reason === 'requested' ? 'requested' : 'logged_out',
        ...(code ? { disconnectCode: code } : {}),
      },
      { phoneNumber: null, pushName: null, lid: null, deviceId: null },
    );
  }

  /** Records the status (fenced) with its `session.status` event, and wakes waiters. */
  async setStatus(
    change: Omit<SessionStatusEvent, 'previousStatus' | 'workerId'>,
    facts: {
      phoneNumber?: string | null;
      pushName?: string | null;
      lid?: string | null;
      deviceId?: number | null;
    } = {},
  ): Promise<void> {
    const previousStatus = this.status;
    this.status = change.status;
    this.reason = change.reason;
    this.notifyWaiters();
    const event = outboxEvent('session.status', this.accountId, '', {
      ...change,
      previousStatus,
      workerId: this.context.workerId,
    });
    event.msgId = event.event.id;
    await this.context
      .commit(
        async (tx) => {
          await new AccountsRepository(tx, this.context.bus.topology.partitions).updateSessionState(
            this.accountId,
            {
              sessionStatus: change.status,
              statusReason: change.reason ?? null,
              ...facts,
              ...(change.status === 'logged_in'
                ? { status: 'active' as const, lastConnectedAt: new Date() }
                : {}),
              ...(change.reason === 'logged_out' || change.reason === 'banned'
                ? { status: 'disconnected' as const }
                : {}),
            },
          );
        },
        [event],
      )
      .catch((error: unknown) => {
        if (!(error instanceof FencedOutError))
          this.log.warn(
            { account: this.accountId, err: describeError(error) },
            'session status not recorded',
          );
      });
  }

  private notifyWaiters(): void {
    for (const waiter of [...this.statusWaiters]) waiter();
  }

  private publishPresence(update: BaileysEventMap['presence.update']): void {
    for (const [participant, presence] of Object.entries(update.presences)) {
      const value = presence.lastKnownPresence;
      if (!value) continue;
      const event = outboxEvent('presence.update', this.accountId, '', {
        chatId: update.id,
        participant,
        presence:
          value === 'available' || value === 'unavailable' || value === 'composing' || value === 'recording'
            ? value
            : 'paused',
        ...(presence.lastSeen ? { lastSeen: presence.lastSeen } : {}),
      });
      void this.context.bus.publishEvent(event.event).catch(() => {});
    }
  }

  /** Turns one batch of Baileys events into stored state and outbox events, in one transaction. */
  private async persistEvents(events: Partial<BaileysEventMap>): Promise<void> {
    const work: Array<(tx: Database, emit: (event: PendingEvent) => void) => Promise<void>> = [];
    const outbox: PendingEvent[] = [];
    const accountId = this.accountId;
    const upsert = events['messages.upsert'];
    if (upsert) this.collectMessages(upsert.messages, work, outbox);
    const updates = events['messages.update'];
    if (updates) {
      const changes = updates
        .filter(
          (update) =>
            update.key.fromMe && update.update.status !== undefined && update.update.status !== null,
        )
        .map((update) => ({
          chatId: update.key.remoteJid ?? '',
          id: update.key.id ?? '',
          status: BAILEYS_STATUS[update.update.status as number] ?? 'server',
          ...(update.update.status === proto.WebMessageInfo.Status.ERROR
            ? {
                error: {
                  code: Number(update.update.messageStubParameters?.[0]) || 'error',
                  message: `WhatsApp refused the message (${update.update.messageStubParameters?.[0] ?? 'error'})`,
                },
              }
            : {}),
        }))
        .filter((change) => change.status !== undefined);
      if (changes.length > 0) work.push((tx, emit) => this.advanceStatuses(tx, changes, emit));
    }
    const receipts = events['message-receipt.update'];
    if (receipts) {
      for (const receipt of receipts) {
        const status: MessageStatus = receipt.receipt.readTimestamp ? 'read' : 'delivered';
        const chatId = receipt.key.remoteJid ?? '';
        const id = receipt.key.id ?? '';
        const participant = receipt.receipt.userJid ?? '';
        outbox.push(
          outboxEvent('message.ack', accountId, `${accountId}:ack:${chatId}:${id}:${status}:${participant}`, {
            id,
            chatId,
            status,
            participant,
            timestamp: unixSeconds(receipt.receipt.readTimestamp ?? receipt.receipt.receiptTimestamp),
          }),
        );
        work.push(async (tx) => {
          await WebSessionStore.advanceStatuses(tx, accountId, [{ chatId, id, status }]);
        });
      }
    }
    const chats = [...(events['chats.upsert'] ?? []), ...(events['messaging-history.set']?.chats ?? [])];
    if (chats.length > 0) {
      const summaries = chats.map(chatSummary);
      work.push((tx) => WebSessionStore.upsertChats(tx, accountId, summaries));
      outbox.push(
        outboxEvent('chat.upsert', accountId, '', { chats: summaries.map(({ type: _t, ...chat }) => chat) }),
      );
    }
    if (events['chats.update']?.length) {
      const summaries = events['chats.update']
        .filter((chat): chat is typeof chat & { id: string } => Boolean(chat.id))
        .map(chatSummary);
      work.push((tx) => WebSessionStore.upsertChats(tx, accountId, summaries));
      outbox.push(
        outboxEvent('chat.update', accountId, '', { chats: summaries.map(({ type: _t, ...chat }) => chat) }),
      );
    }
    if (events['chats.delete']?.length) {
      const chatIds = events['chats.delete'];
      work.push((tx) => WebSessionStore.deleteChats(tx, accountId, chatIds));
      outbox.push(outboxEvent('chat.delete', accountId, '', { chatIds }));
    }
    const contacts = [
      ...(events['contacts.upsert'] ?? []),
      ...(events['messaging-history.set']?.contacts ?? []),
    ];
    if (contacts.length > 0) {
      const summaries = contacts.map(contactSummary);
      work.push((tx) => WebSessionStore.upsertContacts(tx, accountId, summaries));
      outbox.push(outboxEvent('contact.upsert', accountId, '', { contacts: summaries }));
    }
    if (events['contacts.update']?.length) {
      const summaries = events['contacts.update']
        .filter((contact): contact is typeof contact & { id: string } => Boolean(contact.id))
        .map(contactSummary);
      work.push((tx) => WebSessionStore.upsertContacts(tx, accountId, summaries));
      outbox.push(outboxEvent('contact.update', accountId, '', { contacts: summaries }));
    }
    if (events['groups.upsert']?.length) {
      const groups = events['groups.upsert'].map(groupInfo);
      work.push((tx) => WebSessionStore.upsertGroups(tx, accountId, groups));
      outbox.push(outboxEvent('group.upsert', accountId, '', { groups }));
    }
    for (const update of events['groups.update'] ?? []) {
      if (!update.id) continue;
      const changes = {
        ...(update.subject !== undefined ? { subject: update.subject } : {}),
        ...(update.desc !== undefined && update.desc !== null ? { description: update.desc } : {}),
        ...(update.announce !== undefined ? { announce: Boolean(update.announce) } : {}),
        ...(update.restrict !== undefined ? { locked: Boolean(update.restrict) } : {}),
      };
      const id = update.id;
      work.push((tx) =>
        WebSessionStore.patchGroup(tx, accountId, id, {
          ...changes,
          ...(changes.description !== undefined ? { description: changes.description } : {}),
        }),
      );
      outbox.push(
        outboxEvent('group.update', accountId, '', {
          id,
          ...(update.author ? { author: update.author } : {}),
          changes,
        }),
      );
    }
    const participantsUpdate = events['group-participants.update'];
    for (const update of participantsUpdate ? [participantsUpdate] : []) {
      if (update.participants.length === 0) continue;
      const action = update.action === 'modify' ? undefined : update.action;
      if (!action) continue;
      outbox.push(
        outboxEvent('group.participants', accountId, '', {
          id: update.id,
          ...(update.author ? { author: update.author } : {}),
          action,
          participants: update.participants,
        }),
      );
      work.push((tx) => this.applyParticipants(tx, update.id, action, update.participants));
    }
    for (const call of events.call ?? []) {
      outbox.push(
        outboxEvent('call.received', accountId, `${accountId}:call:${call.id}:${call.status}`, {
          id: call.id,
          from: call.from,
          ...(call.chatId ? { chatId: call.chatId } : {}),
          isVideo: Boolean(call.isVideo),
          isGroup: Boolean(call.isGroup),
          status: call.status,
          timestamp: Math.floor(new Date(call.date).getTime() / 1000),
        }),
      );
      if (call.status === 'offer' && this.account.settings.rejectCalls && this.sock) {
        void this.sock.rejectCall(call.id, call.from).catch(() => {});
      }
    }
    for (const pending of outbox) if (!pending.msgId) pending.msgId = pending.event.id;
    if (work.length === 0 && outbox.length === 0) return;
    await this.context.commit(async (tx, emit) => {
      for (const step of work) await step(tx, emit);
    }, outbox);
  }

  private async applyParticipants(
    tx: Database,
    groupId: string,
    action: 'add' | 'remove' | 'promote' | 'demote',
    participants: string[],
  ): Promise<void> {
    const row = await WebSessionStore.group(tx, this.accountId, groupId);
    if (!row) return;
    let members = [...row.participants];
    if (action === 'add') {
      for (const id of participants)
        if (!members.some((member) => member.id === id)) members.push({ id, role: 'member' });
    } else if (action === 'remove') {
      members = members.filter((member) => !participants.includes(member.id));
    } else {
      members = members.map((member) =>
        participants.includes(member.id)
          ? { ...member, role: action === 'promote' ? 'admin' : 'member' }
          : member,
      );
    }
    const leftOurselves =
      action === 'remove' && this.ownJid !== undefined && participants.includes(this.ownJid);
    await WebSessionStore.patchGroup(tx, this.accountId, groupId, {
      participants: members,
      size: members.length,
      ...(leftOurselves ? { active: false } : {}),
    });
  }

  private async advanceStatuses(
    tx: Database,
    changes: Array<{
      chatId: string;
      id: string;
      status: MessageStatus;
      error?: { code: number | string; message: string };
    }>,
    emit: (event: PendingEvent) => void,
  ): Promise<void> {
    const changed = await WebSessionStore.advanceStatuses(tx, this.accountId, changes);
    for (const row of changed) {
      if (row.status === 'server') continue;
      const error = changes.find((change) => change.id === row.id)?.error;
      const event = outboxEvent(
        'message.ack',
        this.accountId,
        `${this.accountId}:ack:${row.chatId}:${row.id}:${row.status}:`,
        {
          id: row.id,
          chatId: row.chatId,
          status: row.status,
          timestamp: Math.floor(Date.now() / 1000),
          ...(error ? { error } : {}),
          ...(row.commandId ? { commandId: row.commandId } : {}),
        },
      );
      emit(event);
    }
  }

  private collectMessages(
    messages: WAMessage[],
    work: Array<(tx: Database, emit: (event: PendingEvent) => void) => Promise<void>>,
    outbox: PendingEvent[],
  ): void {
    const accountId = this.accountId;
    const ownJid = this.ownJid ?? '';
    for (const message of messages) {
      const chatId = message.key.remoteJid;
      const id = message.key.id;
      if (!chatId || !id || chatId === 'status@broadcast') continue;
      const meaning = interpretMessage(message);
      if (!meaning) continue;
      const fromMe = Boolean(message.key.fromMe);
      const sender = fromMe ? ownJid : (message.key.participant ?? chatId);
      const timestamp = unixSeconds(message.messageTimestamp);
      if (meaning.kind === 'reaction') {
        outbox.push(
          outboxEvent('message.reaction', accountId, `${accountId}:reaction:${chatId}:${id}`, {
            id,
            chatId,
            sender,
            fromMe,
            targetId: meaning.targetId,
            emoji: meaning.emoji,
            timestamp,
          }),
        );
        continue;
      }
      if (meaning.kind === 'edit') {
        work.push((tx) =>
          WebSessionStore.recordEdit(tx, accountId, chatId, meaning.targetId, meaning.content),
        );
        outbox.push(
          outboxEvent('message.edited', accountId, `${accountId}:edited:${chatId}:${id}`, {
            id: meaning.targetId,
            chatId,
            sender,
            fromMe,
            timestamp,
            content: meaning.content,
          }),
        );
        continue;
      }
      if (meaning.kind === 'delete') {
        work.push((tx) => WebSessionStore.recordDeletion(tx, accountId, chatId, meaning.targetId));
        outbox.push(
          outboxEvent('message.deleted', accountId, `${accountId}:deleted:${chatId}:${id}`, {
            id: meaning.targetId,
            chatId,
            sender,
            fromMe,
            timestamp,
          }),
        );
        continue;
      }
      const mediaId = hasMedia(meaning.content)
        ? `m${createHash('sha256').update(`${accountId}/${chatId}/${id}`).digest('hex').slice(0, 31)}`
        : undefined;
      const type = fromMe ? 'message.sent' : 'message.received';
      const pending = outboxEvent(
        type,
        accountId,
        `${accountId}:${fromMe ? 'sent' : 'received'}:${chatId}:${id}`,
        {
          id,
          chatId,
          chatType: chatTypeOf(chatId),
          sender,
          fromMe,
          ...(message.pushName ? { pushName: message.pushName } : {}),
          timestamp,
          content: meaning.content,
          ...(meaning.quoted ? { quoted: meaning.quoted } : {}),
          mentions: meaning.mentions,
          ...(meaning.forwarded ? { forwarded: true } : {}),
        },
        mediaId ? { chatId, messageId: id, mediaId } : undefined,
      );
      const row = {
        accountId,
        chatId,
        id,
        fromMe,
        sender,
        pushName: message.pushName ?? null,
        type: meaning.content.type,
        content: meaning.content,
        quotedId: meaning.quoted?.id ?? null,
        mentions: meaning.mentions,
        status: (fromMe ? 'server' : 'delivered') as MessageStatus,
        sentAt: timestamp,
        raw: toStoredJson(message),
      };
      // Publish only what is new: a redelivered message (after a crash) is stored once.
      work.push(async (tx, emit) => {
        const inserted = await WebSessionStore.insertMessages(tx, [row]);
        if (!inserted.has(`${chatId}/${id}`)) return;
        await WebSessionStore.upsertChats(tx, accountId, [
          { id: chatId, type: chatTypeOf(chatId), lastMessageAt: timestamp },
        ]);
        emit(pending);
      });
    }
  }
}
