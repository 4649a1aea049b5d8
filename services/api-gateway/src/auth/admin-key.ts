import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from '@wagate/observability';
import { ConfigError } from '@wagate/runtime';

/**
 * The admin API key: ADMIN_API_KEY, or in monolithic mode a key generated once into
 * DATA_DIR/admin-api-key (mode 0600). Its value is never logged, only where to find it.
 */
export function resolveAdminKey(options: {
  configured: string | undefined;
  mode: 'all' | 'single';
  dataDir: string;
  log: Logger;
}): string {
  if (options.configured) return options.configured;
  if (options.mode === 'single') {
    throw new ConfigError([
      'ADMIN_API_KEY: required when the gateway runs as its own process (at least 16 characters)',
    ]);
  }
  const file = resolve(options.dataDir, 'admin-api-key');
  if (!existsSync(file)) {
    mkdirSync(options.dataDir, { recursive: true });
    writeFileSync(file, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
    options.log.info({ file }, 'generated the admin API key; send it as X-API-Key or Authorization: Bearer');
  } else {
    options.log.info({ file }, 'admin API key (X-API-Key or Authorization: Bearer) is in this file');
  }
  return readFileSync(file, 'utf8').trim();
}
