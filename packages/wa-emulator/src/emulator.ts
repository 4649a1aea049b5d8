import { randomInt } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import pino, { type Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { handlePhoneApiRequest } from './http/phone-api';
import { handleMediaRequest } from './media/media-http';
import { MEDIA_TLS_CERTIFICATE, MEDIA_TLS_PRIVATE_KEY } from './media/self-signed-certificate';
import { type ProvisionedDevice, provisionLinkedDevice } from './pairing/provisioning';
import { EmulatedPhone } from './phone/emulated-phone';
import { WaServer } from './server/wa-server';
import { Account } from './state/device-registry';
import type { IqMatch } from './state/fault-plan';
import { normalizeNumber, parseUserJid } from './state/jid';
import type { SocketRecord } from './state/socket-ledger';

/**
 * Where the emulator listens and how it logs.
 *
 * @example
 * await startEmulator({ port: 8080, logger: pino({ level: 'debug' }) });
 */
export interface EmulatorOptions {
  /** Interface to bind; loopback only by default. */
  readonly host?: string;
  /** Port to listen on; 0 (default) picks a free one. */
  readonly port?: number;
  /** pino logger for the emulator's own diagnostics; silent by default. */
  readonly logger?: Logger;
}

/**
 * Counters for tests and the dashboard.
 *
 * @example
 * expect(emulator.stats().connectedDevices).toBe(300);
 */
export interface EmulatorStats {
  readonly accounts: number;
  /** Devices with at least one authenticated socket now. */
  readonly connectedDevices: number;
  /** Authenticated sockets now (more than connectedDevices if a device has two). */
  readonly connectedSockets: number;
  /** All open WebSockets, including ones still handshaking or pairing. */
  readonly openSockets: number;
  /** Highest number of sockets one device had open at the same instant since start. */
  readonly maxConcurrentSocketsPerDevice: number;
  /** Message stanzas routed (from linked devices and phones). */
  readonly messagesRouted: number;
  /** usync queries answered (device lists and contact checks of linked devices). */
  readonly usyncQueries: number;
}

/**
 * A running emulator: the WhatsApp server side that Baileys connects to, with a phone API and
 * faults on demand. Created by {@link startEmulator}.
 *
 * @example
 * const emulator = await startEmulator();
 * emulator.replaceConnection('15550001111:1@s.whatsapp.net'); // the client sees 440
 * expect(emulator.maxConcurrentSocketsPerDevice).toBeLessThanOrEqual(1);
 */
export class WaEmulator {
  constructor(
    private readonly server: WaServer,
    private readonly listener: ReturnType<typeof createTcpServer>,
    private readonly sockets: Set<Socket>,
    private readonly webSockets: WebSocketServer,
    /** `ws://host:port/ws/chat`, for Baileys' `waWebSocketUrl`. */
    readonly wsUrl: string,
    /** `http://host:port`, for the phone HTTP API and media downloads. */
    readonly httpUrl: string,
  ) {}

  /**
   * Creates a phone number with its primary phone (device 0) and returns that phone.
   *
   * @example
   * const alice = emulator.createPhone({ number: '+1 555 000 1111', pushName: 'Alice' });
   */
  createPhone({ number, pushName }: { number: string; pushName?: string }): EmulatedPhone {
    const digits = normalizeNumber(number);
    const phone = new EmulatedPhone(digits, this.server);
    const lid = `${randomInt(10 ** 13, 10 ** 14)}${digits.slice(-1)}`;
    const account = new Account(digits, lid, pushName ?? digits, phone);
    phone.attach(account);
    this.server.registry.add(account);
    return phone;
  }

  /** The phone of a number created earlier. */
  phone(number: string): EmulatedPhone {
    return this.server.registry.require(number).phone;
  }

  phones(): EmulatedPhone[] {
    return [...this.server.registry.all()].map((account) => account.phone);
  }

  /**
   * Links a new device to `number` without a QR scan and returns Baileys credentials and keys for
   * it, ready to log in. For tests that need many paired accounts quickly.
   *
   * @example
   * const { creds, keys } = emulator.provisionLinkedDevice('15550001111');
   * const { state } = createMemoryAuthState(creds, keys);
   */
  provisionLinkedDevice(number: string): ProvisionedDevice {
    return provisionLinkedDevice(this.server.registry.require(number));
  }

  /** Counters: connected devices, sockets, the per-device concurrency high-water mark, usync queries. */
  stats(): EmulatorStats {
    const { ledger } = this.server;
    return {
      accounts: [...this.server.registry.all()].length,
      connectedDevices: ledger.connectedDevices,
      connectedSockets: ledger.connectedSockets,
      openSockets: this.server.openSockets,
      maxConcurrentSocketsPerDevice: ledger.maxConcurrentSocketsPerDevice,
      messagesRouted: this.server.stanzasRouted,
      usyncQueries: this.server.usyncQueries,
    };
  }

  /** Highest number of sockets one device had open at the same instant since start. */
  get maxConcurrentSocketsPerDevice(): number {
    return this.server.ledger.maxConcurrentSocketsPerDevice;
  }

  /** Authenticated sockets of one device right now. */
  liveSockets(deviceJid: string): number {
    return this.server.ledger.liveSockets(deviceJid);
  }

  /** Every authenticated socket a device had, with open/close times and what ended it. */
  socketHistory(deviceJid: string): readonly SocketRecord[] {
    return this.server.ledger.socketHistory(deviceJid);
  }

  /** Whether a device is logged in and past its `passive active` (so it receives live stanzas). */
  isConnected(deviceJid: string): boolean {
    return this.server.sessionOf(deviceJid)?.ready === true;
  }

  // ---- faults --------------------------------------------------------------------------------

  /** Drops a device's TCP connection without a close handshake (Baileys: 428 connectionClosed). */
  dropSocket(deviceJid: string): void {
    const session = this.requireSession(deviceJid);
    this.server.endSession(session, 'dropped');
  }

  /** Sends `<stream:error><conflict type="replaced"/>` as when the device logs in elsewhere (Baileys: 440). */
  replaceConnection(deviceJid: string): void {
    this.server.endSession(this.requireSession(deviceJid), 'conflict');
  }

  /**
   * Spoils the next frame sent to a logged-in device so that the client cannot decrypt it, as a
   * client whose noise keys fell out of step would see (Baileys rejects inside its frame decoder).
   */
  corruptNextFrame(deviceJid: string): void {
    this.requireSession(deviceJid).connection.corruptNextFrame = true;
  }

  /**
   * Loses the reply to the next login of a device: its socket opens and completes the handshake,
   * but `<success>` never comes (Baileys then waits without a deadline of its own).
   */
  loseNextLoginReply(deviceJid: string): void {
    this.server.faults.loseNextLoginReply(deviceJid);
  }

  /**
   * Answers the next iq from `deviceJid` (or from any device, with `*`) that matches `match` with
   * an error `code` instead of its result.
   *
   * @example
   * emulator.failNextIq('15550001111:1@s.whatsapp.net', { xmlns: 'w:g2' }, 500);
   */
  failNextIq(deviceJid: string, match: IqMatch, code: number): void {
    this.server.faults.failNextIq(deviceJid, match, code);
  }

  /** Delays every frame the server sends, to one device (from its next login) or to all (`*`), by `ms`. */
  delay(ms: number, deviceJid = '*'): void {
    this.server.responseDelays.set(deviceJid, ms);
    const session = deviceJid === '*' ? undefined : this.server.sessionOf(deviceJid);
    if (session) {
      session.connection.sendDelayMs = ms;
    }
  }

  /**
   * WhatsApp's anti-spam: an account sending more than `messagesPerSecond` messages in a second
   * gets `<ack error="429">` (Baileys: `messages.update` with status ERROR, `["429"]`) and the
   * message is not delivered. `undefined` lifts the limit.
   */
  setRateLimit(messagesPerSecond: number | undefined): void {
    this.server.faults.messagesPerSecond = messagesPerSecond;
  }

  /** Bans a number: its sockets get `<failure reason="403"/>` (Baileys: 403 forbidden), logins too. */
  ban(number: string): void {
    const account = this.server.registry.require(number);
    account.banned = true;
    for (const device of account.devices.values()) {
      const session = this.server.sessionOf(device.jid);
      if (session) {
        this.server.endSession(session, 'banned');
      }
    }
  }

  unban(number: string): void {
    this.server.registry.require(number).banned = false;
  }

  /** Stops listening, closes every socket and waits until the port is free. */
  async close(): Promise<void> {
    this.server.closeAll();
    for (const client of this.webSockets.clients) {
      client.terminate();
    }
    this.webSockets.close();
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.listener.close(() => resolve()));
  }

  private requireSession(deviceJid: string) {
    const session = this.server.sessionOf(deviceJid);
    if (!session || !parseUserJid(deviceJid)) {
      throw new Error(`${deviceJid} has no live socket`);
    }
    return session;
  }

  /** @internal the server behind the handle, for the HTTP API. */
  get internals(): WaServer {
    return this.server;
  }
}

/**
 * Starts an emulator on one loopback port serving the WhatsApp WebSocket (`/ws/chat`), the phone
 * HTTP API, media downloads (http) and media uploads (https, self-signed; TLS is told apart from
 * plain HTTP by its first byte).
 *
 * @example
 * const emulator = await startEmulator();
 * const sock = makeWASocket({ ...baileysSocketConfig(emulator), auth: state });
 * // …
 * await emulator.close();
 */
export const startEmulator = async (options: EmulatorOptions = {}): Promise<WaEmulator> => {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? pino({ level: 'silent' });
  let address = '';
  const server = new WaServer({ logger, mediaHost: () => address });
  let emulator: WaEmulator | undefined;

  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const handled =
      handleMediaRequest(server, request, response) ||
      (emulator && handlePhoneApiRequest(emulator, request, response));
    if (!handled) {
      response
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'not found' }));
    }
  };
  const httpServer = createHttpServer(onRequest);
  const httpsServer = createHttpsServer(
    { cert: MEDIA_TLS_CERTIFICATE, key: MEDIA_TLS_PRIVATE_KEY },
    onRequest,
  );
  const webSockets = new WebSocketServer({ noServer: true, maxPayload: 32 * 1024 * 1024 });
  const upgrade = (request: IncomingMessage, socket: Socket, head: Buffer): void => {
    webSockets.handleUpgrade(request, socket, head, (ws) => server.accept(ws));
  };
  httpServer.on('upgrade', upgrade);
  httpsServer.on('upgrade', upgrade);
  httpsServer.on('tlsClientError', (error) => logger.debug({ err: error }, 'tls client error'));

  const sockets = new Set<Socket>();
  const listener = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', (error) => logger.debug({ err: error }, 'tcp socket error'));
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      // A TLS ClientHello starts with record type 22; anything else is plain HTTP.
      (first[0] === 0x16 ? httpsServer : httpServer).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = listener.address() as AddressInfo;
  address = `${host}:${port}`;
  emulator = new WaEmulator(
    server,
    listener,
    sockets,
    webSockets,
    `ws://${address}/ws/chat`,
    `http://${address}`,
  );
  return emulator;
};
