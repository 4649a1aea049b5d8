import { type BinaryNode, decodeBinaryNode, encodeBinaryNode } from '@whiskeysockets/baileys';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { encodeFrame, FrameDecoder } from './frame-codec';
import { type ClientHandshake, NoiseResponder } from './noise-responder';

/** What the server does with a connection once its handshake and its stanzas arrive. */
export interface ConnectionHandler {
  /** Called once with the decrypted client payload; decides between registration and login. */
  onHandshake(connection: ClientConnection, handshake: ClientHandshake): Promise<void>;
  onStanza(connection: ClientConnection, stanza: BinaryNode): Promise<void>;
  onClose(connection: ClientConnection): void;
}

type Phase = 'hello' | 'finish' | 'stanzas' | 'closed';

let lastConnectionId = 0;

/**
 * One WebSocket from a client: framing, the Noise handshake, then binary stanzas both ways.
 * Frames are processed one at a time in arrival order; anything malformed closes this socket only.
 */
export class ClientConnection {
  readonly id = ++lastConnectionId;
  readonly openedAt = Date.now();
  /** Device this socket logged in as (`number:device@s.whatsapp.net`), once authenticated. */
  deviceJid: string | undefined;
  /** Extra latency added before each frame this server sends (fault injection). */
  sendDelayMs = 0;
  /** Fault injection: the next frame this server sends fails the client's decryption. */
  corruptNextFrame = false;
  private phase: Phase = 'hello';
  private readonly decoder = new FrameDecoder();
  private readonly noise: NoiseResponder;
  private inbound: Promise<void> = Promise.resolve();
  private outbound: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: WebSocket,
    noise: { staticKey: { public: Uint8Array; private: Uint8Array }; certificateChain: Uint8Array },
    private readonly handler: ConnectionHandler,
    private readonly logger: Logger,
  ) {
    this.noise = new NoiseResponder(
      { public: Buffer.from(noise.staticKey.public), private: Buffer.from(noise.staticKey.private) },
      noise.certificateChain,
    );
    socket.on('message', (data: Buffer, isBinary: boolean) => this.receive(data, isBinary));
    socket.on('close', () => this.markClosed());
    socket.on('error', (error) => {
      this.logger.debug({ err: error, connection: this.id }, 'socket error');
      this.markClosed();
    });
  }

  get isOpen(): boolean {
    return this.phase !== 'closed';
  }

  /** Encodes, encrypts and sends one stanza; silently dropped once the socket is closed. */
  send(stanza: BinaryNode): Promise<void> {
    if (this.phase !== 'stanzas') {
      return Promise.resolve();
    }
    const ciphertext = this.noise.encrypt(encodeBinaryNode(stanza));
    if (this.corruptNextFrame) {
      this.corruptNextFrame = false;
      // One flipped bit fails the GCM tag; the counters of both ends still advance in step.
      ciphertext.writeUInt8(ciphertext.readUInt8(0) ^ 0x01, 0);
    }
    const frame = encodeFrame(ciphertext);
    const delay = this.sendDelayMs;
    // Encrypt now so the GCM counter follows call order, but keep delayed frames in that order too.
    this.outbound = this.outbound.then(async () => {
      if (delay > 0) {
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
      if (this.phase !== 'closed') {
        this.socket.send(frame);
      }
    });
    return this.outbound;
  }

  /** Closes the WebSocket after the frames already queued have gone out. */
  close(): void {
    void this.outbound.then(() => {
      this.socket.close();
      this.markClosed();
    });
  }

  /** Drops the TCP connection without a close handshake, as a network failure would. */
  terminate(): void {
    this.socket.terminate();
    this.markClosed();
  }

  private receive(data: Buffer, isBinary: boolean): void {
    if (this.phase === 'closed') {
      return;
    }
    this.inbound = this.inbound.then(async () => {
      if (this.phase === 'closed') {
        return;
      }
      try {
        if (!isBinary) {
          throw new Error('text frame on a binary protocol');
        }
        for (const frame of this.decoder.push(data)) {
          if (!this.isOpen) {
            return;
          }
          await this.processFrame(frame);
        }
      } catch (error) {
        this.logger.debug(
          { err: error, connection: this.id, phase: this.phase },
          'closing socket on bad input',
        );
        this.terminate();
      }
    });
  }

  private async processFrame(frame: Buffer): Promise<void> {
    switch (this.phase) {
      case 'hello': {
        const serverHello = await this.noise.respondToHello(frame);
        this.phase = 'finish';
        this.socket.send(encodeFrame(serverHello));
        return;
      }
      case 'finish': {
        const handshake = await this.noise.acceptFinish(frame);
        this.phase = 'stanzas';
        await this.handler.onHandshake(this, handshake);
        return;
      }
      case 'stanzas': {
        const stanza = await decodeBinaryNode(this.noise.decrypt(frame));
        await this.handler.onStanza(this, stanza);
        return;
      }
      default:
        return;
    }
  }

  private markClosed(): void {
    if (this.phase === 'closed') {
      return;
    }
    this.phase = 'closed';
    this.handler.onClose(this);
  }
}
