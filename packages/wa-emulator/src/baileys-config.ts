import { Agent } from 'node:https';
import type { UserFacingSocketConfig } from '@whiskeysockets/baileys';
import pino from 'pino';

/** Accepts the emulator's self-signed media certificate; loopback tests only. */
const emulatorMediaAgent = new Agent({ rejectUnauthorized: false, keepAlive: false });

/**
 * The Baileys socket settings a client needs to talk to an emulator: its WebSocket URL, an https
 * agent that accepts the emulator's self-signed media certificate (uploads and downloads), a
 * silent logger and no terminal QR. Spread it into `makeWASocket` and add `auth`.
 *
 * @example
 * const sock = makeWASocket({ ...baileysSocketConfig(emulator), auth: state });
 */
export const baileysSocketConfig = (emulator: {
  readonly wsUrl: string;
}): Partial<UserFacingSocketConfig> => ({
  waWebSocketUrl: emulator.wsUrl,
  fetchAgent: emulatorMediaAgent,
  options: { httpsAgent: emulatorMediaAgent },
  logger: pino({ level: 'silent' }),
  printQRInTerminal: false,
  markOnlineOnConnect: true,
  syncFullHistory: false,
});
