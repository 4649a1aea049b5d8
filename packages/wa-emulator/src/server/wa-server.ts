import { randomBytes } from 'node:crypto';
import {
  type BinaryNode,
  Curve,
  encodeBigEndian,
  isJidGroup,
  jidNormalizedUser,
  type WAMediaUploadFunction,
} from '@whiskeysockets/baileys';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { MediaStore } from '../media/media-store';
import { PairingError, PairingService, type PendingRegistration } from '../pairing/pairing-service';
import type { GroupAction, PhoneNetwork } from '../phone/emulated-phone';
import {
  type ClientConnection,
  ClientConnection as Connection,
  type ConnectionHandler,
} from '../protocol/client-connection';
import type { ClientHandshake } from '../protocol/noise-responder';
import { createCertificateChain } from '../protocol/noise-responder';
import { GroupService } from '../stanzas/group-service';
import { answerIq } from '../stanzas/iq-handler';
import { MessageRouter, type StanzaSender } from '../stanzas/message-router';
import { childrenOf, IqRejection, iqError, iqResult, readUInt, unixSeconds } from '../stanzas/nodes';
import { PresenceHub } from '../stanzas/presence-hub';
import { type Account, DeviceRegistry, type LinkedDevice } from '../state/device-registry';
import { FaultPlan } from '../state/fault-plan';
import { GroupDirectory } from '../state/group-directory';
import { deviceJid, parseUserJid, SERVER_JID } from '../state/jid';
import { SocketLedger, type SocketRecord } from '../state/socket-ledger';

/** One authenticated socket of a linked device. */
interface DeviceSession {
  readonly connection: ClientConnection;
  readonly account: Account;
  readonly device: LinkedDevice;
  readonly record: SocketRecord;
  /** Set by `passive active`: from then on stanzas go to the socket instead of the queue. */
  ready: boolean;
}

/** How long the server waits for a client to answer one of its own iqs. */
const CLIENT_REPLY_TIMEOUT_MS = 30_000;
/** One-time prekeys below which the server asks a device to upload more (Baileys' MIN_PREKEY_COUNT). */
const MIN_PREKEYS = 5;

export interface WaServerOptions {
  readonly logger: Logger;
  /** `host:port` that media uploads and downloads use. */
  readonly mediaHost: () => string;
}

/** Why the server ended a socket, recorded in the socket history. */
export type SocketEnd = 'conflict' | 'logged-out' | 'dropped' | 'banned';

/**
 * The emulated WhatsApp server: accepts client sockets, pairs and logs in devices, and routes
 * stanzas between linked devices and emulated phones. Holds all server-side state.
 */
export class WaServer implements ConnectionHandler, PhoneNetwork {
  readonly registry = new DeviceRegistry();
  readonly groups = new GroupDirectory();
  readonly ledger = new SocketLedger();
  readonly faults = new FaultPlan();
  readonly media = new MediaStore();
  readonly logger: Logger;
  readonly pairing: PairingService;
  /** Added before every frame the server sends (the `delay` fault), per device jid or `*`. */
  readonly responseDelays = new Map<string, number>();
  stanzasRouted = 0;
  /** usync queries answered (device lists and contact checks of linked devices). */
  usyncQueries = 0;
  private readonly noiseKey = Curve.generateKeyPair();
  private readonly certificateChain = createCertificateChain(this.noiseKey);
  private readonly registrations = new Map<number, PendingRegistration>();
  private readonly sessions = new Map<number, DeviceSession>();
  private readonly sessionByDevice = new Map<string, DeviceSession>();
  private readonly connections = new Set<ClientConnection>();
  private readonly awaited = new Map<
    string,
    { resolve: (node: BinaryNode) => void; reject: (error: Error) => void }
  >();
  private readonly groupService: GroupService;
  private readonly router: MessageRouter;
  private readonly presence: PresenceHub;
  private lastStanzaId = 0;
  private readonly stanzaIdPrefix = randomBytes(3).toString('hex').toUpperCase();

  constructor(private readonly options: WaServerOptions) {
    this.logger = options.logger;
    this.pairing = new PairingService({
      request: (connection, iq) => this.request(connection, iq),
      onLinked: (account, device, connection) => this.finishLinking(account, device, connection),
    });
    const deliverToNumber = (number: string, stanza: BinaryNode) => {
      for (const device of this.deviceIdsOf(number)) {
        this.deliver(number, device, stanza);
      }
    };
    this.groupService = new GroupService(this.groups, this.registry, deliverToNumber, () =>
      this.nextStanzaId(),
    );
    this.router = new MessageRouter(
      this.groups,
      this.faults,
      (number) => this.deviceIdsOf(number),
      (n, d, s) => this.deliver(n, d, s),
    );
    this.presence = new PresenceHub(
      this.groups,
      (jid, stanza) => this.sendLive(jid, stanza),
      (number, stanza, except) => {
        for (const device of this.deviceIdsOf(number)) {
          const jid = deviceJid(number, device);
          if (jid !== except) {
            this.sendLive(jid, stanza);
          }
        }
      },
    );
  }

  /** Takes over an accepted WebSocket. */
  accept(socket: WebSocket): ClientConnection {
    const connection = new Connection(
      socket,
      { staticKey: this.noiseKey, certificateChain: this.certificateChain },
      this,
      this.logger,
    );
    connection.sendDelayMs = this.responseDelays.get('*') ?? 0;
    this.connections.add(connection);
    return connection;
  }

  /** Sockets currently open, authenticated or not. */
  get openSockets(): number {
    return this.connections.size;
  }

  /** Closes every socket (server shutdown). */
  closeAll(): void {
    for (const connection of this.connections) {
      connection.terminate();
    }
  }

  nextStanzaId(): string {
    return `${this.stanzaIdPrefix}.${++this.lastStanzaId}`;
  }

  // ---- connection lifecycle ------------------------------------------------------------------

  async onHandshake(connection: ClientConnection, { noiseKey, payload }: ClientHandshake): Promise<void> {
    if (payload.username !== null && payload.username !== undefined && Number(payload.username) !== 0) {
      await this.login(connection, noiseKey, String(payload.username), payload.device ?? 0);
      return;
    }
    const pairingData = payload.devicePairingData;
    if (!pairingData?.eIdent || !pairingData.eSkeyVal || !pairingData.eSkeySig || !pairingData.eRegid) {
      await this.refuse(connection, 400);
      return;
    }
    const registration: PendingRegistration = {
      connection,
      noiseKey,
      keys: {
        registrationId: readUInt(pairingData.eRegid),
        identityKey: Buffer.from(pairingData.eIdent),
        signedPreKey: {
          keyId: pairingData.eSkeyId ? readUInt(pairingData.eSkeyId) : 1,
          publicKey: Buffer.from(pairingData.eSkeyVal),
          signature: Buffer.from(pairingData.eSkeySig),
        },
      },
      platform: 'web',
    };
    this.registrations.set(connection.id, registration);
    this.pairing.offerQr(registration).catch((error) => {
      this.logger.debug({ err: error, connection: connection.id }, 'pair-device not answered');
    });
  }

  async onStanza(connection: ClientConnection, stanza: BinaryNode): Promise<void> {
    if (this.resolveAwaited(connection, stanza)) {
      return;
    }
    const session = this.sessions.get(connection.id);
    if (session) {
      try {
        await this.handleDeviceStanza(session, stanza);
      } catch (error) {
        // A well-framed stanza the server cannot make sense of is dropped, not fatal to the socket.
        this.logger.warn({ err: error, tag: stanza.tag, device: session.device.jid }, 'stanza dropped');
      }
      return;
    }
    const registration = this.registrations.get(connection.id);
    if (registration && stanza.tag === 'iq') {
      await this.handleRegistrationIq(registration, stanza);
    }
  }

  onClose(connection: ClientConnection): void {
    this.connections.delete(connection);
    this.pairing.forget(connection);
    this.registrations.delete(connection.id);
    for (const [key, waiter] of this.awaited) {
      if (key.startsWith(`${connection.id}|`)) {
        this.awaited.delete(key);
        waiter.reject(new Error('connection closed'));
      }
    }
    const session = this.sessions.get(connection.id);
    if (!session) {
      return;
    }
    this.sessions.delete(connection.id);
    this.ledger.closed(session.device.jid, session.record);
    if (this.sessionByDevice.get(session.device.jid) === session) {
      this.sessionByDevice.delete(session.device.jid);
      session.device.connection = undefined;
      session.device.queue.requeueInFlight();
      this.presence.forgetSubscriber(session.device.jid);
    }
  }

  // ---- login ---------------------------------------------------------------------------------

  private async login(connection: ClientConnection, noiseKey: Buffer, number: string, deviceId: number) {
    const account = this.registry.get(number);
    const device = account?.devices.get(deviceId);
    if (!account || !device?.noiseKey.equals(noiseKey)) {
      await this.refuse(connection, 401);
      return;
    }
    if (account.banned) {
      await this.refuse(connection, 403);
      return;
    }
    const record = this.ledger.opened(device.jid, connection.id);
    const session: DeviceSession = { connection, account, device, record, ready: false };
    connection.deviceJid = device.jid;
    connection.sendDelayMs = this.responseDelays.get(device.jid) ?? this.responseDelays.get('*') ?? 0;
    const replaced = this.sessionByDevice.get(device.jid);
    this.sessions.set(connection.id, session);
    this.sessionByDevice.set(device.jid, session);
    device.connection = connection;
    if (replaced) {
      // A newer login of the same device wins; WhatsApp tells the old socket it was replaced.
      replaced.device.queue.requeueInFlight();
      this.endSession(replaced, 'conflict');
    }
    if (this.faults.takeLostLoginReply(device.jid)) {
      return;
    }
    await connection.send({
      tag: 'success',
      attrs: {
        t: unixSeconds(),
        props: '1',
        abprops: '1',
        location: 'emulator',
        creation: account.lastSeen.toString(),
        lid: `${account.lid}:${device.id}@lid`,
      },
    });
  }

  private async refuse(connection: ClientConnection, reason: number): Promise<void> {
    await connection.send({ tag: 'failure', attrs: { reason: reason.toString(), location: 'emulator' } });
    connection.close();
  }

  /** Ends a device's socket the way WhatsApp would for `reason`. */
  endSession(session: DeviceSession, reason: SocketEnd): void {
    this.ledger.closed(session.device.jid, session.record, reason);
    const { connection } = session;
    switch (reason) {
      case 'conflict':
        void connection.send({
          tag: 'stream:error',
          attrs: {},
          content: [{ tag: 'conflict', attrs: { type: 'replaced' } }],
        });
        connection.close();
        return;
      case 'logged-out':
        void connection.send({
          tag: 'stream:error',
          attrs: { code: '401' },
          content: [{ tag: 'conflict', attrs: { type: 'device_removed' } }],
        });
        connection.close();
        return;
      case 'banned':
        void connection.send({ tag: 'failure', attrs: { reason: '403', location: 'emulator' } });
        connection.close();
        return;
      default:
        connection.terminate();
    }
  }

  /** The live session of a device, if it is connected. */
  sessionOf(deviceJidToFind: string): DeviceSession | undefined {
    return this.sessionByDevice.get(deviceJidToFind);
  }

  // ---- pairing -------------------------------------------------------------------------------

  private async handleRegistrationIq(registration: PendingRegistration, iq: BinaryNode): Promise<void> {
    const { connection } = registration;
    const stage = childrenOf(iq).find((child) => child.tag === 'link_code_companion_reg');
    try {
      if (iq.attrs.xmlns === 'md' && stage?.attrs.stage === 'companion_hello') {
        await connection.send(iqResult(iq, this.pairing.companionHello(registration, stage)));
      } else if (iq.attrs.xmlns === 'md' && stage?.attrs.stage === 'companion_finish') {
        await connection.send(iqResult(iq));
        this.pairing.companionFinish(stage);
      } else if (iq.attrs.xmlns === 'w:p') {
        await connection.send(iqResult(iq));
      } else {
        await connection.send(iqError(iq, 401));
      }
    } catch (error) {
      this.logger.debug({ err: error }, 'pairing iq refused');
      await connection.send(iqError(iq, error instanceof PairingError ? 400 : 500));
    }
  }

  /** After `pair-device-sign`: share the app-state key as the phone does, then require a restart. */
  private async finishLinking(account: Account, device: LinkedDevice, connection: ClientConnection) {
    const keyShare = this.appStateKeyShareStanza(account);
    const acked = this.awaitReply(connection, `ack|${keyShare.attrs.id}`, 10_000);
    await connection.send(keyShare);
    try {
      await acked;
      device.appStateKeyDelivered = true;
    } catch {
      device.queue.enqueue(keyShare);
    }
    await connection.send({ tag: 'stream:error', attrs: { code: '515' } });
    connection.close();
  }

  private appStateKeyShareStanza(account: Account): BinaryNode {
    return {
      tag: 'message',
      attrs: { from: account.jid, id: this.nextStanzaId(), t: unixSeconds(), type: 'text', category: 'peer' },
      content: [{ tag: 'plaintext', attrs: {}, content: account.phone.appStateKeyShare() }],
    };
  }

  /** Sends an iq to a client and resolves with its answer. */
  private async request(connection: ClientConnection, iq: BinaryNode): Promise<BinaryNode> {
    const id = this.nextStanzaId();
    const reply = this.awaitReply(connection, `iq|${id}`, CLIENT_REPLY_TIMEOUT_MS);
    await connection.send({ ...iq, attrs: { ...iq.attrs, id } });
    return reply;
  }

  private awaitReply(connection: ClientConnection, key: string, timeoutMs: number): Promise<BinaryNode> {
    return new Promise((resolve, reject) => {
      const fullKey = `${connection.id}|${key}`;
      const timer = setTimeout(() => {
        this.awaited.delete(fullKey);
        reject(new Error(`no ${key} from the client within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      this.awaited.set(fullKey, {
        resolve: (node) => {
          clearTimeout(timer);
          resolve(node);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  private resolveAwaited(connection: ClientConnection, stanza: BinaryNode): boolean {
    const { id, type } = stanza.attrs;
    let key: string | undefined;
    if (stanza.tag === 'iq' && (type === 'result' || type === 'error')) {
      key = `${connection.id}|iq|${id}`;
    } else if (stanza.tag === 'ack' && stanza.attrs.class === 'message') {
      key = `${connection.id}|ack|${id}`;
    }
    const waiter = key ? this.awaited.get(key) : undefined;
    if (!key || !waiter) {
      return false;
    }
    this.awaited.delete(key);
    waiter.resolve(stanza);
    return stanza.tag === 'iq';
  }

  // ---- stanzas from linked devices -----------------------------------------------------------

  private async handleDeviceStanza(session: DeviceSession, stanza: BinaryNode): Promise<void> {
    const { account, device, connection } = session;
    const sender: StanzaSender = { account, deviceId: device.id };
    switch (stanza.tag) {
      case 'iq':
        await this.handleIq(session, stanza);
        return;
      case 'message': {
        this.stanzasRouted += 1;
        const error = this.router.routeMessage(sender, stanza);
        await connection.send({
          tag: 'ack',
          attrs: {
            class: 'message',
            id: stanza.attrs.id ?? '',
            from: stanza.attrs.to ?? SERVER_JID,
            t: unixSeconds(),
            ...(error ? { error } : {}),
          },
        });
        return;
      }
      case 'receipt':
        this.router.routeReceipt(sender, stanza);
        await connection.send({
          tag: 'ack',
          attrs: {
            class: 'receipt',
            id: stanza.attrs.id ?? '',
            from: stanza.attrs.to ?? SERVER_JID,
            ...(stanza.attrs.type ? { type: stanza.attrs.type } : {}),
          },
        });
        return;
      case 'ack':
        device.queue.acknowledge(
          stanza.attrs.class ?? '',
          stanza.attrs.id ?? '',
          stanza.attrs.to ?? '',
          stanza.attrs.type,
        );
        return;
      case 'presence':
        this.handlePresence(session, stanza);
        return;
      case 'chatstate':
        this.presence.relayChatState(account, device.jid, stanza);
        return;
      default:
        this.logger.debug({ tag: stanza.tag, device: device.jid }, 'ignoring unknown stanza');
    }
  }

  private handlePresence(session: DeviceSession, stanza: BinaryNode): void {
    const { type, to, name } = stanza.attrs;
    if (type === 'subscribe' && to) {
      this.presence.subscribe(session.device.jid, this.registry.get(to));
    } else if (type === 'unsubscribe' && to) {
      this.presence.unsubscribe(session.device.jid, jidNormalizedUser(to));
    } else if (type === 'available' || type === 'unavailable') {
      if (name && name !== '~') {
        session.account.pushName = name;
      }
      session.account.presence = type;
      session.account.lastSeen = Math.floor(Date.now() / 1000);
      this.presence.announce(session.account);
    }
  }

  private async handleIq(session: DeviceSession, iq: BinaryNode): Promise<void> {
    const { connection, device, account } = session;
    const failure = this.faults.takeIqFailure(device.jid, iq.attrs.xmlns, iq.attrs.type);
    if (failure) {
      await connection.send(iqError(iq, failure.code));
      return;
    }
    const from = isJidGroup(iq.attrs.to) ? iq.attrs.to : SERVER_JID;
    if (iq.attrs.xmlns === 'usync') this.usyncQueries += 1;
    let answer: BinaryNode;
    try {
      answer = iqResult(iq, answerIq(this.iqContext, account, device, iq), from);
    } catch (error) {
      if (!(error instanceof IqRejection)) {
        this.logger.warn({ err: error, xmlns: iq.attrs.xmlns }, 'iq handler failed');
      }
      answer = iqError(iq, error instanceof IqRejection ? error.code : 500, from);
    }
    await connection.send(answer);
    if (iq.attrs.xmlns === 'passive' && session.ready) {
      await this.flushQueue(session);
    }
  }

  private readonly iqContext = {
    findAccount: (numberOrJid: string) => this.registry.get(numberOrJid),
    bundlesFor: (jids: string[]) => this.bundlesFor(jids),
    groupIq: (actor: Account, _device: LinkedDevice, iq: BinaryNode) =>
      this.groupService.handleIq(actor.jid, iq),
    mediaConnection: (): BinaryNode => {
      const { auth, ttlSeconds } = this.media.issueAuthToken();
      return {
        tag: 'media_conn',
        attrs: { auth, ttl: ttlSeconds.toString(), auth_ttl: ttlSeconds.toString(), max_buckets: '1' },
        content: [
          { tag: 'host', attrs: { hostname: this.options.mediaHost(), maxContentLengthBytes: '104857600' } },
        ],
      };
    },
    removeDevice: (account: Account, jid: string) => {
      const target = parseUserJid(jid);
      if (!target || target.number !== account.number) {
        throw new IqRejection(403);
      }
      this.unlinkDevice(account, jid);
    },
    activate: (device: LinkedDevice) => {
      const session = this.sessionByDevice.get(device.jid);
      if (session) {
        session.ready = true;
      }
    },
  };

  /** Delivers what the device missed (unacknowledged first), then `<ib><offline count/></ib>`. */
  private async flushQueue(session: DeviceSession): Promise<void> {
    const { device, connection } = session;
    if (!device.appStateKeyDelivered) {
      device.appStateKeyDelivered = true;
      const keyShare = this.appStateKeyShareStanza(session.account);
      device.queue.markInFlight(keyShare);
      await connection.send(keyShare);
    }
    const backlog = device.queue.drain();
    for (const stanza of backlog) {
      const offline =
        stanza.attrs.category === 'peer' ? stanza : { ...stanza, attrs: { ...stanza.attrs, offline: '1' } };
      device.queue.markInFlight(stanza);
      await connection.send(offline);
    }
    await connection.send({
      tag: 'ib',
      attrs: { from: SERVER_JID },
      content: [{ tag: 'offline', attrs: { count: backlog.length.toString() } }],
    });
  }

  // ---- delivery ------------------------------------------------------------------------------

  /** Device ids of a number: 0 (the phone) and its linked devices. */
  deviceIdsOf(number: string): number[] {
    return this.registry.get(number)?.deviceIds ?? [];
  }

  /** Persistent delivery: to the socket if the device is ready, else its offline queue. */
  deliver(number: string, deviceId: number, stanza: BinaryNode): void {
    const account = this.registry.get(number);
    if (!account) {
      return;
    }
    if (deviceId === 0) {
      void account.phone.receive(stanza);
      return;
    }
    const device = account.devices.get(deviceId);
    if (!device) {
      return;
    }
    const session = this.sessionByDevice.get(device.jid);
    if (session?.ready) {
      device.queue.markInFlight(stanza);
      void session.connection.send(stanza);
    } else {
      device.queue.enqueue(stanza);
    }
  }

  /** Live-only delivery (presence, chat states): dropped for devices that are not online. */
  private sendLive(jid: string, stanza: BinaryNode): void {
    const target = parseUserJid(jid);
    if (!target) {
      return;
    }
    if (target.device === 0) {
      void this.registry.get(target.number)?.phone.receive(stanza);
      return;
    }
    const session = this.sessionByDevice.get(jid);
    if (session?.ready) {
      void session.connection.send(stanza);
    }
  }

  // ---- keys ----------------------------------------------------------------------------------

  /** Signal bundles for device jids, each taking one uploaded one-time prekey when there is one. */
  bundlesFor(jids: string[]): BinaryNode {
    const users: BinaryNode[] = jids.map((jid) => {
      const target = parseUserJid(jid);
      const account = target && this.registry.get(target.number);
      if (!target || !account) {
        return {
          tag: 'user',
          attrs: { jid },
          content: [{ tag: 'error', attrs: { code: '404', text: 'item-not-found' } }],
        };
      }
      if (target.device === 0) {
        const bundle = account.phone.signalBundle();
        return bundleNode(jid, bundle.registrationId, bundle.identityKey, bundle.signedPreKey, bundle.preKey);
      }
      const device = this.registry.findDevice(jid);
      if (!device) {
        return {
          tag: 'user',
          attrs: { jid },
          content: [{ tag: 'error', attrs: { code: '404', text: 'item-not-found' } }],
        };
      }
      const preKey = device.preKeys.shift();
      if (device.preKeys.length < MIN_PREKEYS && !device.removed) {
        this.sendLive(device.jid, {
          tag: 'notification',
          attrs: { from: SERVER_JID, type: 'encrypt', id: this.nextStanzaId(), t: unixSeconds() },
          content: [{ tag: 'count', attrs: { value: device.preKeys.length.toString() } }],
        });
      }
      return bundleNode(
        jid,
        device.keys.registrationId,
        device.keys.identityKey,
        device.keys.signedPreKey,
        preKey,
      );
    });
    return { tag: 'list', attrs: {}, content: users };
  }

  // ---- phone network -------------------------------------------------------------------------

  async sendAsPhone(account: Account, stanza: BinaryNode): Promise<string | undefined> {
    const sender: StanzaSender = { account, deviceId: 0 };
    switch (stanza.tag) {
      case 'message':
        this.stanzasRouted += 1;
        return this.router.routeMessage(sender, stanza);
      case 'receipt':
        this.router.routeReceipt(sender, stanza);
        return undefined;
      case 'chatstate':
        this.presence.relayChatState(account, account.jid, stanza);
        return undefined;
      default:
        return undefined;
    }
  }

  devicesOf(jid: string): string[] {
    if (isJidGroup(jid)) {
      const group = this.groups.get(jid);
      return group ? [...group.participants.keys()].flatMap((member) => this.devicesOf(member)) : [];
    }
    const target = parseUserJid(jid);
    return target ? this.deviceIdsOf(target.number).map((device) => deviceJid(target.number, device)) : [];
  }

  readonly uploadMedia: WAMediaUploadFunction = async (stream, { mediaType }) => {
    const media = await this.media.putStream(stream, mediaType);
    return {
      mediaUrl: `http://${this.options.mediaHost()}/media/${media.id}`,
      directPath: MediaStore.directPath(media),
    };
  };

  async scanQr(account: Account, qr: string): Promise<string> {
    return (await this.pairing.scanQr(account, qr)).jid;
  }

  async enterPairingCode(account: Account, code: string): Promise<string> {
    return (await this.pairing.enterPairingCode(account, code, account.phone.identityKey)).jid;
  }

  unlinkDevice(account: Account, jid: string): void {
    const target = parseUserJid(jid);
    if (!target || target.number !== account.number || target.device === 0) {
      throw new Error(`${jid} is not a linked device of ${account.number}`);
    }
    account.unlinkDevice(target.device);
    const session = this.sessionByDevice.get(jid);
    if (session) {
      this.endSession(session, 'logged-out');
    }
  }

  announcePresence(account: Account): void {
    this.presence.announce(account);
  }

  async groupAction(account: Account, action: GroupAction): Promise<unknown> {
    const actor = account.jid;
    switch (action.kind) {
      case 'create': {
        const group = this.groupService.create(actor, action.subject, action.participants);
        return {
          id: group.id,
          subject: group.subject,
          participants: [...group.participants].map(([jid, role]) => ({ jid, role })),
        };
      }
      case 'participants':
        return this.groupService.changeParticipants(
          actor,
          this.groupService.require(action.groupJid),
          action.action,
          action.participants,
        );
      case 'subject':
        this.groupService.setSubject(actor, this.groupService.require(action.groupJid), action.subject);
        return undefined;
      case 'leave':
        this.groupService.leave(actor, this.groupService.require(action.groupJid));
        return undefined;
    }
  }
}

const bundleNode = (
  jid: string,
  registrationId: number,
  identityKey: Buffer,
  signedPreKey: { keyId: number; publicKey: Buffer; signature: Buffer },
  preKey: { keyId: number; publicKey: Buffer } | undefined,
): BinaryNode => ({
  tag: 'user',
  attrs: { jid },
  content: [
    { tag: 'registration', attrs: {}, content: encodeBigEndian(registrationId) },
    { tag: 'type', attrs: {}, content: Buffer.from([5]) },
    { tag: 'identity', attrs: {}, content: identityKey },
    {
      tag: 'skey',
      attrs: {},
      content: [
        { tag: 'id', attrs: {}, content: encodeBigEndian(signedPreKey.keyId, 3) },
        { tag: 'value', attrs: {}, content: signedPreKey.publicKey },
        { tag: 'signature', attrs: {}, content: signedPreKey.signature },
      ],
    },
    ...(preKey
      ? [
          {
            tag: 'key',
            attrs: {},
            content: [
              { tag: 'id', attrs: {}, content: encodeBigEndian(preKey.keyId, 3) },
              { tag: 'value', attrs: {}, content: preKey.publicKey },
            ],
          },
        ]
      : []),
  ],
});
