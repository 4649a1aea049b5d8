import {
  type BaileysEventMap,
  DisconnectReason,
  makeWASocket,
  type UserFacingSocketConfig,
  type WAMessage,
  type WASocket,
} from '@whiskeysockets/baileys';
import { baileysSocketConfig } from '../baileys-config';
import type { WaEmulator } from '../emulator';
import type { EmulatedPhone } from '../phone/emulated-phone';
import { createMemoryAuthState, type MemoryAuthState } from '../phone/memory-auth-state';

/**
 * The text of a plain or extended text message (protobuf leaves absent strings as "").
 *
 * @example
 * await client.waitForMessage((m) => messageText(m) === 'hello');
 */
export const messageText = (message: WAMessage): string | null | undefined =>
  message.message?.conversation || message.message?.extendedTextMessage?.text;

/**
 * Status code of a Baileys disconnect error (a Boom).
 *
 * @example
 * sock.ev.on('connection.update', ({ lastDisconnect }) => disconnectCode(lastDisconnect?.error) === 440);
 */
export const disconnectCode = (error: unknown): number | undefined =>
  (error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode;

/**
 * A real Baileys socket wired to an emulator the way an app does it: restarts after 515, records
 * messages and disconnects, and offers waits. For tests that need a plain client next to the
 * code under test.
 *
 * @example
 * const client = new BaileysClient(emulator);
 * await client.pairByQr(emulator.createPhone({ number: '15550001111' }));
 * await client.sock.sendMessage('15550002222@s.whatsapp.net', { text: 'hi' });
 */
export class BaileysClient {
  sock!: WASocket;
  /** Every `messages.upsert` message, in arrival order. */
  readonly messages: WAMessage[] = [];
  /** Status codes of every close this client saw. */
  readonly disconnects: number[] = [];
  private qrListener: ((qr: string) => void) | undefined;

  constructor(
    private readonly emulator: WaEmulator,
    readonly auth: MemoryAuthState = createMemoryAuthState(),
    private readonly config: Partial<UserFacingSocketConfig> = {},
  ) {}

  get jid(): string {
    return this.auth.state.creds.me!.id;
  }

  /** Opens a socket; resolves on `open`, restarting once on 515 like apps do after pairing. */
  connect(onQr?: (qr: string) => void): Promise<void> {
    this.qrListener = onQr;
    return new Promise((resolve, reject) => {
      const start = (): void => {
        const sock = makeWASocket({
          ...baileysSocketConfig(this.emulator),
          ...this.config,
          auth: this.auth.state,
          getMessage: async (key) => this.messages.find((m) => m.key.id === key.id)?.message ?? undefined,
        });
        this.sock = sock;
        sock.ev.on('creds.update', () => void this.auth.saveCreds());
        sock.ev.on('messages.upsert', ({ messages }) => this.messages.push(...messages));
        sock.ev.on('connection.update', ({ connection, lastDisconnect, qr }) => {
          if (qr) {
            this.qrListener?.(qr);
          }
          if (connection === 'open') {
            resolve();
          }
          if (connection === 'close') {
            const code = disconnectCode(lastDisconnect?.error) ?? 0;
            this.disconnects.push(code);
            if (code === DisconnectReason.restartRequired) {
              start();
            } else {
              reject(lastDisconnect?.error ?? new Error('connection closed'));
            }
          }
        });
      };
      start();
    });
  }

  /** Pairs a fresh client by letting `phone` scan its first QR. */
  async pairByQr(phone: EmulatedPhone): Promise<void> {
    await this.connect((qr) => {
      phone.scanQr(qr).catch(() => undefined);
    });
  }

  /** Pairs a fresh client with a pairing code that `phone` enters. */
  async pairByCode(phone: EmulatedPhone): Promise<void> {
    let requested = false;
    await this.connect(() => {
      if (requested) {
        return;
      }
      requested = true;
      this.sock
        .requestPairingCode(phone.number)
        .then((code) => phone.enterPairingCode(code))
        .catch(() => undefined);
    });
  }

  /** Resolves with the next event payload matching `predicate` (checked against new events only). */
  waitFor<E extends keyof BaileysEventMap>(
    event: E,
    predicate: (payload: BaileysEventMap[E]) => boolean = () => true,
    timeoutMs = 15_000,
  ): Promise<BaileysEventMap[E]> {
    return new Promise((resolve, reject) => {
      const listener = (payload: BaileysEventMap[E]): void => {
        if (predicate(payload)) {
          clearTimeout(timer);
          this.sock.ev.off(event, listener);
          resolve(payload);
        }
      };
      const timer = setTimeout(() => {
        this.sock.ev.off(event, listener);
        reject(new Error(`no matching ${event} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.sock.ev.on(event, listener);
    });
  }

  /** Resolves with the first received message (already seen or future) matching `predicate`. */
  async waitForMessage(predicate: (message: WAMessage) => boolean, timeoutMs = 15_000): Promise<WAMessage> {
    const seen = this.messages.find(predicate);
    if (seen) {
      return seen;
    }
    const { messages } = await this.waitFor(
      'messages.upsert',
      (update) => update.messages.some(predicate),
      timeoutMs,
    );
    return messages.find(predicate)!;
  }

  /** Resolves with the status code of the next close. */
  nextDisconnect(timeoutMs = 15_000): Promise<number> {
    return this.waitFor('connection.update', (update) => update.connection === 'close', timeoutMs).then(
      (update) => disconnectCode(update.lastDisconnect?.error) ?? 0,
    );
  }

  /** Closes the socket without logging out. */
  close(): void {
    this.sock?.end(undefined);
  }
}
