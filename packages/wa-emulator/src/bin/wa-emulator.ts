/**
 * Runs the emulator standalone: `pnpm --filter @wagate/wa-emulator start [--port N] [--host H]`
 * (or `WA_EMULATOR_PORT` / `WA_EMULATOR_HOST`). Prints its addresses and stops on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { startEmulator } from '../emulator';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.WA_EMULATOR_PORT ?? '0' },
    host: { type: 'string', default: process.env.WA_EMULATOR_HOST ?? '127.0.0.1' },
    'log-level': { type: 'string', default: process.env.WA_EMULATOR_LOG_LEVEL ?? 'info' },
  },
});

const emulator = await startEmulator({
  host: values.host,
  port: Number(values.port),
  logger: pino({ level: values['log-level'] }),
});
console.log(`wa-emulator listening
  WebSocket (Baileys waWebSocketUrl): ${emulator.wsUrl}
  phone HTTP API and media:           ${emulator.httpUrl}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void emulator.close().then(() => process.exit(0));
  });
}
