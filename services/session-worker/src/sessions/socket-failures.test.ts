import type { EventEmitter } from 'node:events';
import { createLogger } from '@wagate/observability';
import { describe, expect, startServiceProcess, test, waitFor } from '@wagate/testing';
import { startEmulator } from '@wagate/wa-emulator';
import makeWASocket, { initAuthCreds, type UserFacingSocketConfig } from '@whiskeysockets/baileys';
import { linkedAccounts, workerEnv } from '../testing/worker-harness';
import { containSocketFailures, watchFrameDecoding } from './socket-failures';

describe('containSocketFailures', () => {
  test('a throwing or rejecting socket listener and a late WebSocket error reach the handler instead of crashing the worker', async () => {
    const emulator = await startEmulator();
    const logger = createLogger({ service: 'test', level: 'silent', format: 'json' });
    watchFrameDecoding();
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

  // In a process of its own: the failure is an unhandled rejection, which would fail a test run
  // in this process whatever the worker made of it.
  test('a frame the client cannot decrypt ends only that socket: the worker process lives on and the account reconnects; a login left unanswered is retried', async ({
    nats,
    database,
  }) => {
    const emulator = await startEmulator();
    const accounts = [
      { id: 'spoiled', number: '15550002001' },
      { id: 'bystander', number: '15550002002' },
    ];
    const devices = await linkedAccounts(database.db, emulator, accounts, nats.topology.partitions);
    const peer = emulator.createPhone({ number: '15550002999', pushName: 'peer' });
    const worker = await startServiceProcess({
      name: 'worker',
      entry: 'services/session-worker/src/main.ts',
      env: {
        ...workerEnv(
          { natsUrl: nats.url, namespace: nats.namespace, databaseUrl: database.url, wsUrl: emulator.wsUrl },
          { LOG_LEVEL: 'info', BAILEYS_LOG_LEVEL: 'silent', LOGIN_TIMEOUT_MS: '3000' },
        ),
        INSTANCE_ID: 'worker-1',
      },
      readyTimeoutMs: 60_000,
    });
    try {
      const online = () => accounts.every((account) => emulator.isConnected(devices.get(account.id)!));
      await waitFor(online, { timeoutMs: 30_000, message: 'both accounts online' });
      const spoiled = devices.get('spoiled')!;
      emulator.corruptNextFrame(spoiled);
      await peer.sendMessage('15550002001@s.whatsapp.net', { text: 'spoiled on the wire' });
      await waitFor(() => emulator.socketHistory(spoiled).length >= 2 && online(), {
        timeoutMs: 45_000,
        message: 'the spoiled account back on a new socket',
      }).catch((error: Error) => {
        const history = JSON.stringify(emulator.socketHistory(spoiled));
        throw new Error(
          `${error.message}: sockets ${history}; worker said:\n${worker.logs.slice(-10).join('\n')}`,
        );
      });
      expect(worker.process.exitCode).toBeNull();
      expect(worker.logs.some((line) => line.includes('the WhatsApp socket failed inside Baileys'))).toBe(
        true,
      );
      const bystander = devices.get('bystander')!;
      expect(emulator.socketHistory(bystander)).toHaveLength(1);

      emulator.loseNextLoginReply(bystander);
      emulator.dropSocket(bystander);
      await waitFor(() => emulator.socketHistory(bystander).length >= 3 && online(), {
        timeoutMs: 30_000,
        message: 'the bystander logged in on a third socket',
      });
      expect(worker.logs.some((line) => line.includes('the WhatsApp login did not complete in time'))).toBe(
        true,
      );
    } finally {
      await worker.stop('SIGTERM');
      await emulator.close();
    }
  }, 120_000);
});
