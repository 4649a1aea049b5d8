import {
  type BinaryNode,
  Curve,
  encodeBinaryNode,
  generateLoginNode,
  type KeyPair,
  makeNoiseHandler,
  NOISE_WA_HEADER,
} from '@whiskeysockets/baileys';
import pino from 'pino';
import { WebSocket } from 'ws';
import { proto } from '../protocol/proto';

/**
 * A bare protocol client built from Baileys' own noise handler: opens a socket, can send raw bytes
 * or do a login handshake and exchange stanzas. Used where a full Baileys socket is too much:
 * malformed-input tests and the capacity check.
 */
export class RawWaClient {
  readonly closed: Promise<void>;
  private readonly ephemeral = Curve.generateKeyPair();
  private readonly noise = makeNoiseHandler({
    keyPair: this.ephemeral,
    NOISE_HEADER: NOISE_WA_HEADER,
    logger: pino({ level: 'silent' }),
  });
  private readonly received: (Uint8Array | BinaryNode)[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('message', (data: Buffer) => {
      void this.noise.decodeFrame(data, (frame) => {
        this.received.push(frame);
        for (const waiter of [...this.waiters]) {
          waiter();
        }
      });
    });
    socket.on('error', () => undefined);
  }

  static async open(url: string): Promise<RawWaClient> {
    const socket = new WebSocket(url, { origin: 'https://web.whatsapp.com' });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new RawWaClient(socket);
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  sendRaw(bytes: Uint8Array, binary = true): void {
    this.socket.send(bytes, { binary });
  }

  /** Sends one frame through Baileys' framing (intro first, encrypted after the handshake). */
  sendFrame(payload: Uint8Array): void {
    this.socket.send(this.noise.encodeFrame(payload));
  }

  /** Handshakes as `noiseKey` and logs in as `jid` (the device's creds.me.id). */
  async login(noiseKey: KeyPair, jid: string): Promise<void> {
    await this.handshake(noiseKey, proto.ClientPayload.encode(generateLoginNode(jid, loginConfig)).finish());
  }

  /** Runs the Noise handshake and sends `payload` as the encrypted ClientPayload. */
  async handshake(noiseKey: KeyPair, payload: Uint8Array): Promise<void> {
    this.sendFrame(
      proto.HandshakeMessage.encode({ clientHello: { ephemeral: this.ephemeral.public } }).finish(),
    );
    const serverHello = (await this.nextFrame()) as Uint8Array;
    const keyEnc = await this.noise.processHandshake(proto.HandshakeMessage.decode(serverHello), noiseKey);
    const payloadEnc = this.noise.encrypt(payload);
    this.sendFrame(
      proto.HandshakeMessage.encode({ clientFinish: { static: keyEnc, payload: payloadEnc } }).finish(),
    );
    await this.noise.finishInit();
  }

  sendNode(node: BinaryNode): void {
    this.sendFrame(encodeBinaryNode(node));
  }

  /** Resolves with the next received frame (a node after the handshake). */
  nextFrame(timeoutMs = 10_000): Promise<Uint8Array | BinaryNode> {
    return new Promise((resolve, reject) => {
      const take = (): boolean => {
        const frame = this.received.shift();
        if (frame) {
          this.waiters.delete(check);
          clearTimeout(timer);
          resolve(frame);
        }
        return !!frame;
      };
      const check = (): void => {
        take();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no frame within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!take()) {
        this.waiters.add(check);
      }
    });
  }

  close(): void {
    this.socket.terminate();
  }
}

const loginConfig = {
  version: [2, 3000, 1015901307] as [number, number, number],
  browser: ['Ubuntu', 'Chrome', '22.04.4'] as [string, string, string],
  countryCode: 'US',
  syncFullHistory: false,
} as Parameters<typeof generateLoginNode>[1];
