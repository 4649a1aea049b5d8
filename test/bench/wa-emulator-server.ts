/**
 * The emulator side of the wa-emulator benchmark, run as a child process so its RSS is measured
 * apart from the Baileys clients. Speaks JSON over the IPC channel: `provision` links devices and
 * returns their Baileys credentials, `stats` returns counters and RSS, `close` stops it.
 */
import { startEmulator } from '@wagate/wa-emulator';
import { BufferJSON } from '@whiskeysockets/baileys';

type Command = { type: 'provision'; count: number; prefix: string } | { type: 'stats' } | { type: 'close' };

const emulator = await startEmulator();
const reply = (message: unknown): void => {
  process.send?.(message);
};

process.on('message', async (command: Command) => {
  switch (command.type) {
    case 'provision': {
      const devices = Array.from({ length: command.count }, (_, index) => {
        const number = `${command.prefix}${String(index).padStart(6, '0')}`;
        emulator.createPhone({ number, pushName: `Bench ${index}` });
        const { creds, keys } = emulator.provisionLinkedDevice(number);
        const appStateKeyId = creds.myAppStateKeyId!;
        const appStateKeys = keys.get('app-state-sync-key', [appStateKeyId]);
        return JSON.stringify({ creds, appStateKeys }, BufferJSON.replacer);
      });
      reply({ type: 'provisioned', devices });
      return;
    }
    case 'stats':
      reply({ type: 'stats', stats: emulator.stats(), rss: process.memoryUsage().rss });
      return;
    case 'close':
      await emulator.close();
      process.exit(0);
  }
});

reply({ type: 'ready', wsUrl: emulator.wsUrl });
