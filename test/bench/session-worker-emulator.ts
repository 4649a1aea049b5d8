/**
 * The emulator side of the session-worker benchmark, run as a child process so that its CPU and
 * memory stay apart from the worker's. JSON over the IPC channel: `provision` links devices and
 * returns their Baileys credentials (phones offline, so they hold messages instead of decrypting
 * them and the benchmark measures the worker), `stats` returns counters, `close` stops it.
 */
import { startEmulator } from '@wagate/wa-emulator';
import { BufferJSON } from '@whiskeysockets/baileys';

type Command =
  | { type: 'provision'; numbers: string[] }
  | { type: 'phones'; numbers: string[] }
  | { type: 'stats' }
  | { type: 'close' };

const emulator = await startEmulator();
const reply = (message: unknown): void => {
  process.send?.(message);
};

process.on('message', async (command: Command) => {
  switch (command.type) {
    case 'provision': {
      const devices: string[] = [];
      for (const number of command.numbers) {
        const phone = emulator.createPhone({ number, pushName: number });
        await phone.setOnline(false);
        const { creds, keys } = emulator.provisionLinkedDevice(number);
        const appStateKeys = keys.get('app-state-sync-key', [creds.myAppStateKeyId!]);
        devices.push(JSON.stringify({ creds, appStateKeys }, BufferJSON.replacer));
      }
      reply({ type: 'provisioned', devices });
      return;
    }
    case 'phones':
      for (const number of command.numbers)
        await emulator.createPhone({ number, pushName: number }).setOnline(false);
      reply({ type: 'phones' });
      return;
    case 'stats':
      reply({ type: 'stats', stats: emulator.stats() });
      return;
    case 'close':
      await emulator.close();
      process.exit(0);
  }
});

reply({ type: 'ready', wsUrl: emulator.wsUrl });
