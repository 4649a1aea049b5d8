import { randomBytes } from 'node:crypto';
import type { proto as ProtoTypes } from '@whiskeysockets/baileys';
import {
  type AnyMessageContent,
  type AuthenticationCreds,
  type BinaryNode,
  Curve,
  cleanMessage,
  DEFAULT_CONNECTION_CONFIG,
  decryptMessageNode,
  encodeBigEndian,
  encodeWAMessage,
  generateMessageIDV2,
  generateWAMessage,
  initAuthCreds,
  isJidGroup,
  jidNormalizedUser,
  type KeyPair,
  type MiscMessageGenerationOptions,
  parseAndInjectE2ESessions,
  type WAMediaUploadFunction,
  type WAMessage,
  type WAMessageKey,
} from '@whiskeysockets/baileys';
import type { Logger } from 'pino';
import { proto } from '../protocol/proto';
import { unixSeconds } from '../stanzas/nodes';
import type { Account, PreKeyRecord } from '../state/device-registry';
import type { GroupRole } from '../state/group-directory';
import { userJid } from '../state/jid';
import { MemorySignalKeyStore } from './memory-auth-state';

/**
 * Typing states a phone can show in a chat.
 *
 * @example
 * await phone.sendChatState('15550002222@s.whatsapp.net', 'composing');
 */
export type ChatState = 'composing' | 'recording' | 'paused';

/**
 * Participant changes a group admin can make.
 *
 * @example
 * await phone.updateGroupParticipants(groupJid, ['15550002222@s.whatsapp.net'], 'promote');
 */
export type ParticipantAction = 'add' | 'remove' | 'promote' | 'demote';

/** What a phone needs from the emulated network it lives on. */
export interface PhoneNetwork {
  readonly logger: Logger;
  /** Routes a stanza as if device 0 of `account` had sent it; resolves with the server's ack error, if any. */
  sendAsPhone(account: Account, stanza: BinaryNode): Promise<string | undefined>;
  /** Device jids (including device 0) to encrypt a message to for a user or a group. */
  devicesOf(jid: string): string[];
  /** `<list><user jid>…bundle…</user></list>` for the given device jids, as `iq encrypt get` answers. */
  bundlesFor(jids: string[]): BinaryNode;
  readonly uploadMedia: WAMediaUploadFunction;
  scanQr(account: Account, qr: string): Promise<string>;
  enterPairingCode(account: Account, code: string): Promise<string>;
  unlinkDevice(account: Account, deviceJid: string): void;
  announcePresence(account: Account): void;
  groupAction(account: Account, action: GroupAction): Promise<unknown>;
}

/** Group operations the phone can perform as an ordinary participant or admin. */
export type GroupAction =
  | { readonly kind: 'create'; readonly subject: string; readonly participants: string[] }
  | {
      readonly kind: 'participants';
      readonly groupJid: string;
      readonly action: ParticipantAction;
      readonly participants: string[];
    }
  | { readonly kind: 'subject'; readonly groupJid: string; readonly subject: string }
  | { readonly kind: 'leave'; readonly groupJid: string };

/**
 * Result of a group creation by the phone.
 *
 * @example
 * const { id } = await phone.createGroup('Team', ['15550002222@s.whatsapp.net']);
 */
export interface CreatedGroup {
  readonly id: string;
  readonly subject: string;
  readonly participants: { readonly jid: string; readonly role: GroupRole }[];
}

/**
 * The primary phone (device 0) of an emulated number: a real Signal participant with its own
 * identity (which is also the account key that signs linked devices), one-time prekeys and sessions.
 * It encrypts what it sends with libsignal through Baileys' own repository and decrypts what it gets.
 *
 * @example
 * const phone = emulator.createPhone({ number: '15550001111', pushName: 'Alice' });
 * await phone.scanQr(qrFromBaileys);
 * await phone.sendMessage('15550002222@s.whatsapp.net', { text: 'hi' });
 * const reply = await phone.waitForMessage((m) => m.message?.conversation === 'hello');
 */
export class EmulatedPhone {
  readonly jid: string;
  private readonly keys = new MemorySignalKeyStore();
  /** Made on first use: signing the signed prekey costs ~20 ms of CPU, and most numbers never need it. */
  private signalState:
    | {
        creds: AuthenticationCreds;
        repository: ReturnType<typeof DEFAULT_CONNECTION_CONFIG.makeSignalRepository>;
      }
    | undefined;
  private readonly appStateKey = {
    keyId: randomBytes(6),
    keyData: randomBytes(32),
    timestamp: Date.now(),
  };
  private nextPreKeyId = 1;
  private online = true;
  private heldWhileOffline: BinaryNode[] = [];
  private readonly inbox: WAMessage[] = [];
  private readonly inboxWaiters = new Set<() => void>();
  private readonly senderKeyHolders = new Map<string, Set<string>>();
  /** Serializes Signal work: sessions must be read and written one operation at a time. */
  private signalQueue: Promise<unknown> = Promise.resolve();
  private account!: Account;

  constructor(
    readonly number: string,
    private readonly network: PhoneNetwork,
  ) {
    this.jid = userJid(number);
  }

  private get creds(): AuthenticationCreds {
    return this.signalIdentity().creds;
  }

  private get signal() {
    return this.signalIdentity().repository;
  }

  private signalIdentity() {
    if (!this.signalState) {
      const creds = initAuthCreds();
      this.signalState = {
        creds,
        repository: DEFAULT_CONNECTION_CONFIG.makeSignalRepository({ creds, keys: this.keys }),
      };
    }
    return this.signalState;
  }

  /** Binds the phone to its account; called once by the emulator when the number is created. */
  attach(account: Account): void {
    this.account = account;
  }

  get pushName(): string {
    return this.account.pushName;
  }

  /** The account identity key: signs linked devices (ADV) and is device 0's Signal identity. */
  get identityKey(): KeyPair {
    return this.creds.signedIdentityKey;
  }

  get isOnline(): boolean {
    return this.online;
  }

  /** Device 0's Signal bundle, taking a fresh one-time prekey as WhatsApp's server does. */
  signalBundle(): {
    registrationId: number;
    identityKey: Buffer;
    signedPreKey: { keyId: number; publicKey: Buffer; signature: Buffer };
    preKey: PreKeyRecord;
  } {
    const keyId = this.nextPreKeyId++;
    const pair = Curve.generateKeyPair();
    this.keys.set({ 'pre-key': { [keyId.toString()]: pair } });
    return {
      registrationId: this.creds.registrationId,
      identityKey: Buffer.from(this.creds.signedIdentityKey.public),
      signedPreKey: {
        keyId: this.creds.signedPreKey.keyId,
        publicKey: Buffer.from(this.creds.signedPreKey.keyPair.public),
        signature: Buffer.from(this.creds.signedPreKey.signature),
      },
      preKey: { keyId, publicKey: Buffer.from(pair.public) },
    };
  }

  /** The `APP_STATE_SYNC_KEY_SHARE` a phone sends a newly linked device, so it can sync app state. */
  appStateKeyShare(): Uint8Array {
    return proto.Message.encode({
      protocolMessage: {
        type: proto.Message.ProtocolMessage.Type.APP_STATE_SYNC_KEY_SHARE,
        appStateSyncKeyShare: {
          keys: [
            {
              keyId: { keyId: this.appStateKey.keyId },
              keyData: {
                keyData: this.appStateKey.keyData,
                fingerprint: { rawId: 1, currentIndex: 0, deviceIndexes: [0] },
                timestamp: this.appStateKey.timestamp,
              },
            },
          ],
        },
      },
    }).finish();
  }

  /** The same key share as Baileys stores it, for provisioning already-linked auth states. */
  appStateKeyForAuthState(): { id: string; data: ProtoTypes.Message.IAppStateSyncKeyData } {
    return {
      id: this.appStateKey.keyId.toString('base64'),
      data: proto.Message.AppStateSyncKeyData.fromObject({
        keyData: this.appStateKey.keyData,
        fingerprint: { rawId: 1, currentIndex: 0, deviceIndexes: [0] },
        timestamp: this.appStateKey.timestamp,
      }),
    };
  }

  /** Links the client showing this QR (`ref,noiseKey,identityKey,advSecret`); resolves with its device jid. */
  scanQr(qr: string): Promise<string> {
    return this.network.scanQr(this.account, qr);
  }

  /** Links the client that requested a pairing code for this number; resolves with its device jid. */
  enterPairingCode(code: string): Promise<string> {
    return this.network.enterPairingCode(this.account, code);
  }

  /** Removes a linked device ("Log out" in Linked devices): its socket gets 401 and it cannot log in. */
  unlinkDevice(deviceJidToRemove: string): void {
    this.network.unlinkDevice(this.account, deviceJidToRemove);
  }

  /** Device jids currently linked to this number. */
  linkedDevices(): string[] {
    return [...this.account.devices.values()].map((device) => device.jid);
  }

  setPushName(pushName: string): void {
    this.account.pushName = pushName;
  }

  /**
   * Takes the phone on or offline. Offline, it holds incoming stanzas (so senders see no delivery
   * receipt) and shows `unavailable` to presence subscribers; online again, it processes them.
   */
  async setOnline(online: boolean): Promise<void> {
    this.online = online;
    this.account.presence = online ? 'available' : 'unavailable';
    this.account.lastSeen = Math.floor(Date.now() / 1000);
    this.network.announcePresence(this.account);
    if (online) {
      const held = this.heldWhileOffline;
      this.heldWhileOffline = [];
      await Promise.all(held.map((stanza) => this.receive(stanza)));
    }
  }

  /**
   * Sends any message Baileys can build (text, media with real upload, location, contact, reaction,
   * poll, quote via `options.quoted`, mentions, edit, delete) to a user or a group, end-to-end
   * encrypted to every recipient device and synced to this number's own linked devices.
   */
  async sendMessage(toJid: string, content: AnyMessageContent, options: MiscMessageGenerationOptions = {}) {
    const to = isJidGroup(toJid) ? toJid : jidNormalizedUser(toJid);
    const message = await generateWAMessage(to, content, {
      logger: this.network.logger,
      userJid: this.jid,
      upload: this.network.uploadMedia,
      messageId: generateMessageIDV2(this.jid),
      ...options,
    });
    const attrs: Record<string, string> = { id: message.key.id!, to, type: 'text' };
    if (message.message?.pollCreationMessage || message.message?.pollCreationMessageV3) {
      attrs.type = 'poll';
    }
    if ('delete' in content && content.delete) {
      attrs.edit = isJidGroup(to) && !content.delete.fromMe ? '8' : '7';
    } else if ('edit' in content && content.edit) {
      attrs.edit = '1';
    }
    const stanza = await this.runSignal(() =>
      isJidGroup(to)
        ? this.groupStanza(to, message.message!, attrs)
        : this.directStanza(to, message.message!, attrs),
    );
    const error = await this.network.sendAsPhone(this.account, stanza);
    if (error) {
      throw new Error(`server refused the message with error ${error}`);
    }
    return message;
  }

  /** Sends read receipts for received messages (blue ticks for the senders). */
  async markRead(keys: WAMessageKey[]): Promise<void> {
    for (const key of keys) {
      if (key.fromMe || !key.remoteJid || !key.id) {
        continue;
      }
      await this.network.sendAsPhone(this.account, {
        tag: 'receipt',
        attrs: {
          id: key.id,
          to: key.remoteJid,
          type: 'read',
          t: unixSeconds(),
          ...(key.participant ? { participant: key.participant } : {}),
        },
      });
    }
  }

  /** Shows typing (or recording, or stops it) in a chat. */
  async sendChatState(toJid: string, state: ChatState): Promise<void> {
    const child: BinaryNode =
      state === 'recording' ? { tag: 'composing', attrs: { media: 'audio' } } : { tag: state, attrs: {} };
    await this.network.sendAsPhone(this.account, {
      tag: 'chatstate',
      attrs: { from: this.jid, to: toJid },
      content: [child],
    });
  }

  createGroup(subject: string, participants: string[]): Promise<CreatedGroup> {
    return this.network.groupAction(this.account, {
      kind: 'create',
      subject,
      participants,
    }) as Promise<CreatedGroup>;
  }

  async updateGroupParticipants(groupJid: string, participants: string[], action: ParticipantAction) {
    await this.network.groupAction(this.account, { kind: 'participants', groupJid, participants, action });
  }

  async updateGroupSubject(groupJid: string, subject: string): Promise<void> {
    await this.network.groupAction(this.account, { kind: 'subject', groupJid, subject });
  }

  async leaveGroup(groupJid: string): Promise<void> {
    await this.network.groupAction(this.account, { kind: 'leave', groupJid });
  }

  /** Every message this phone decrypted so far (including copies of what its linked devices sent). */
  received(): WAMessage[] {
    return [...this.inbox];
  }

  /** Resolves with the first received message (past or future) matching `predicate`. */
  waitForMessage(predicate: (message: WAMessage) => boolean, timeoutMs = 15_000): Promise<WAMessage> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const match = this.inbox.find(predicate);
        if (match) {
          this.inboxWaiters.delete(check);
          clearTimeout(timer);
          resolve(match);
        }
        return !!match;
      };
      const timer = setTimeout(() => {
        this.inboxWaiters.delete(check);
        reject(new Error(`phone ${this.number} received no matching message within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!check()) {
        this.inboxWaiters.add(check);
      }
    });
  }

  /** Handles a stanza the server delivers to device 0. */
  async receive(stanza: BinaryNode): Promise<void> {
    if (!this.online) {
      if (stanza.tag !== 'chatstate' && stanza.tag !== 'presence') {
        this.heldWhileOffline.push(stanza);
      }
      return;
    }
    if (stanza.tag !== 'message') {
      return;
    }
    try {
      await this.runSignal(async () => {
        // Signal work is CPU-bound and chained in promises: give sockets a turn before each message,
        // or a busy phone starves every connection's iq answers.
        await new Promise((resolve) => setImmediate(resolve));
        await this.receiveMessage(stanza);
      });
    } catch (error) {
      this.network.logger.warn({ err: error, id: stanza.attrs.id }, 'phone could not process a message');
    }
  }

  private async receiveMessage(stanza: BinaryNode): Promise<void> {
    const { fullMessage, category, decrypt } = decryptMessageNode(
      stanza,
      this.jid,
      '',
      this.signal,
      this.network.logger,
    );
    await decrypt();
    if (fullMessage.messageStubType === proto.WebMessageInfo.StubType.CIPHERTEXT) {
      await this.requestRetry(stanza);
      return;
    }
    if (category !== 'peer' && !fullMessage.key.fromMe) {
      await this.network.sendAsPhone(this.account, {
        tag: 'receipt',
        attrs: {
          id: stanza.attrs.id!,
          to: stanza.attrs.from!,
          ...(stanza.attrs.participant ? { participant: stanza.attrs.participant } : {}),
        },
      });
    }
    if (
      category === 'peer' ||
      (fullMessage.message?.senderKeyDistributionMessage && !hasContent(fullMessage))
    ) {
      return;
    }
    cleanMessage(fullMessage, this.jid);
    this.inbox.push(fullMessage);
    for (const waiter of [...this.inboxWaiters]) {
      waiter();
    }
  }

  /** Asks the sender to encrypt again with a fresh session, as Baileys' retry receipts do. */
  private async requestRetry(stanza: BinaryNode): Promise<void> {
    await this.network.sendAsPhone(this.account, {
      tag: 'receipt',
      attrs: {
        id: stanza.attrs.id!,
        type: 'retry',
        to: stanza.attrs.from!,
        ...(stanza.attrs.participant ? { participant: stanza.attrs.participant } : {}),
      },
      content: [
        {
          tag: 'retry',
          attrs: { count: '1', id: stanza.attrs.id!, t: stanza.attrs.t ?? unixSeconds(), v: '1' },
        },
        { tag: 'registration', attrs: {}, content: encodeBigEndian(this.creds.registrationId) },
      ],
    });
  }

  private runSignal<T>(work: () => Promise<T>): Promise<T> {
    const result = this.signalQueue.then(work);
    this.signalQueue = result.catch(() => undefined);
    return result;
  }

  private async ensureSessions(jids: string[]): Promise<void> {
    const missing: string[] = [];
    for (const jid of jids) {
      const address = this.signal.jidToSignalProtocolAddress(jid);
      const { [address]: session } = await this.keys.get('session', [address]);
      if (!session) {
        missing.push(jid);
      }
    }
    if (missing.length) {
      await parseAndInjectE2ESessions(
        { tag: 'iq', attrs: {}, content: [this.network.bundlesFor(missing)] },
        this.signal,
      );
    }
  }

  private async encryptFor(jids: string[], message: ProtoTypes.IMessage): Promise<BinaryNode[]> {
    await this.ensureSessions(jids);
    const bytes = encodeWAMessage(message);
    const nodes: BinaryNode[] = [];
    for (const jid of jids) {
      const { type, ciphertext } = await this.signal.encryptMessage({ jid, data: bytes });
      nodes.push({
        tag: 'to',
        attrs: { jid },
        content: [{ tag: 'enc', attrs: { v: '2', type }, content: ciphertext }],
      });
    }
    return nodes;
  }

  private async directStanza(
    to: string,
    message: ProtoTypes.IMessage,
    attrs: Record<string, string>,
  ): Promise<BinaryNode> {
    const own = this.network.devicesOf(this.jid).filter((jid) => jid !== this.jid);
    const others = to === this.jid ? [] : this.network.devicesOf(to);
    const participants = [
      ...(await this.encryptFor(others, message)),
      ...(await this.encryptFor(own, { deviceSentMessage: { destinationJid: to, message } })),
    ];
    return { tag: 'message', attrs, content: [{ tag: 'participants', attrs: {}, content: participants }] };
  }

  private async groupStanza(
    groupJid: string,
    message: ProtoTypes.IMessage,
    attrs: Record<string, string>,
  ): Promise<BinaryNode> {
    const devices = this.network.devicesOf(groupJid).filter((jid) => jid !== this.jid);
    const { ciphertext, senderKeyDistributionMessage } = await this.signal.encryptGroupMessage({
      group: groupJid,
      data: encodeWAMessage(message),
      meId: this.jid,
    });
    const holders = this.senderKeyHolders.get(groupJid) ?? new Set<string>();
    this.senderKeyHolders.set(groupJid, holders);
    const needKey = devices.filter((jid) => !holders.has(jid));
    const participants = await this.encryptFor(needKey, {
      senderKeyDistributionMessage: {
        groupId: groupJid,
        axolotlSenderKeyDistributionMessage: senderKeyDistributionMessage,
      },
    });
    for (const jid of needKey) {
      holders.add(jid);
    }
    return {
      tag: 'message',
      attrs,
      content: [
        { tag: 'participants', attrs: {}, content: participants },
        { tag: 'enc', attrs: { v: '2', type: 'skmsg' }, content: ciphertext },
      ],
    };
  }
}

/** True when a decrypted message carries more than a sender-key distribution. */
const hasContent = (message: WAMessage): boolean =>
  Object.keys(message.message ?? {}).some(
    (key) => key !== 'senderKeyDistributionMessage' && key !== 'messageContextInfo',
  );
