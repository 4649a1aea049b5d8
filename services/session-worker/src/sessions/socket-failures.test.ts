import type { EventEmitter } from 'node:events';
import { createLogger } from '@wagate/observability';
import { describe, expect, test, waitFor } from '@wagate/testing';
import { startEmulator } from '@wagate/wa-emulator';
import makeWASocket, { initAuthCreds, type UserFacingSocketConfig } from '@whiskeysockets/baileys';
import { containSocketFailures } from './socket-failures';

describe('containSocketFailures', () => {
  test('a throwing or rejecting socket listener and a late WebSocket error reach the handler instead of crashing the worker', async () => {
    const emulator = await startEmulator();
    const logger = createLogger({ service: 'test', level: 'silent', format: 'json' });
    const sock = makeWASocket({
      waWebSocketUrl: emulator.wsUrl,
      auth: { creds: initAuthCreds(), keys: { get: async () => ({}), set: async () => {} } },
      logger: logger as unknown as UserFacingSocketConfig['logger'],
    });
    const client = sock.ws as unknown as EventEmitter;
    try {
      await waitFor(() => client.listenerCount('message') > 0, { message: 'Baileys listening' });
      // Stand-ins for Baileys' own listeners: a frame that fails to decrypt, a query that times out.
      client.on('CB:sync-failure', () => {
        throw new Error('Unsupported state or unable to authenticate data');
      });
      client.on('CB:async-failure', async () => {
        throw new Error('Timed Out');
      });
      const failures: string[] = [];
      containSocketFailures(sock, (error) => failures.push(error.message));

      expect(() => client.emit('CB:sync-failure', {})).not.toThrow();
      client.emit('CB:async-failure', {});
      await waitFor(() => failures.length === 2, { message: 'both failures handled' });
      expect(failures).toEqual(['Unsupported state or unable to authenticate data', 'Timed Out']);

      // After Baileys' end() removed every `error` listener, a late error of the closing socket is dropped.
      client.removeAllListeners('error');
      expect(() =>
        client.emit('error', new Error('WebSocket was closed before the connection was established')),
      ).not.toThrow();
    } finally {
      sock.end(undefined);
      await emulator.close();
    }
  });
});
