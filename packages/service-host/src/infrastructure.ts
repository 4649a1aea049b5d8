import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Bus } from '@wagate/bus';
import type { Topology } from '@wagate/contracts';
import { SecretBox } from '@wagate/db';
import {
  JetStreamMediaStore,
  LocalDirectoryMediaStore,
  type MediaStore,
  S3MediaStore,
} from '@wagate/media-store';
import type { Logger, MetricsRegistry } from '@wagate/observability';
import { ConfigError, ExpectedError, type LocalNatsServer, spawnNatsServer } from '@wagate/runtime';
import type { CommonConfig } from './common-config';

const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

export interface ResolvedNats {
  bus: Bus;
  /** The server this process started, stopped at shutdown. */
  localServer?: LocalNatsServer;
}

/**
 * Connects to NATS. In monolithic mode with no NATS_URL, when nothing answers on the default
 * address, it starts `nats-server` from the PATH with JetStream in DATA_DIR/nats (on 4222 when
 * that port is free); without one it fails with a line that says how to get one.
 */
export async function resolveNats(options: {
  config: CommonConfig;
  mode: 'all' | 'single';
  name: string;
  topology: Topology;
  log: Logger;
  metrics: MetricsRegistry;
  /** Where monolithic mode looks before starting a server. */
  defaultUrl?: string;
  /** The nats-server binary to start. Default `nats-server` from the PATH. */
  natsServerBinary?: string;
}): Promise<ResolvedNats> {
  const { config, log } = options;
  const defaultUrl = options.defaultUrl ?? DEFAULT_NATS_URL;
  const connect = (url: string, timeoutMs?: number) =>
    Bus.connect({
      url,
      name: options.name,
      topology: options.topology,
      log,
      metrics: options.metrics,
      connectTimeoutMs: timeoutMs,
    });
  if (config.NATS_URL || options.mode === 'single')
    return { bus: await connect(config.NATS_URL ?? defaultUrl) };
  try {
    return { bus: await connect(defaultUrl, 1_500) };
  } catch {
    log.info(
      `no NATS answers at ${defaultUrl}; starting nats-server with JetStream in ${join(config.DATA_DIR, 'nats')}`,
    );
  }
  const storeDir = resolve(config.DATA_DIR, 'nats');
  const binary = options.natsServerBinary;
  let localServer: LocalNatsServer;
  try {
    // The standard port when it is free, so users' services find it where they expect.
    localServer = await spawnNatsServer({ storeDir, port: 4222, binary }).catch((error: unknown) => {
      if (error instanceof ExpectedError && /not on the PATH/.test(error.message)) throw error;
      return spawnNatsServer({ storeDir, binary });
    });
  } catch (error) {
    throw new ExpectedError(
      `no NATS server: nothing answers at ${defaultUrl} and starting nats-server failed (${(error as Error).message})`,
    );
  }
  log.info({ url: localServer.url }, 'started a local nats-server; internal services can subscribe there');
  return { bus: await connect(localServer.url), localServer };
}

/**
 * The key for secrets at rest: ENCRYPTION_KEY, or in monolithic mode a key generated once and kept
 * in DATA_DIR/encryption.key (mode 0600). A single service without a key is a configuration error,
 * since processes must share it.
 */
export function resolveSecretBox(config: CommonConfig, mode: 'all' | 'single', log: Logger): SecretBox {
  if (config.ENCRYPTION_KEY) return SecretBox.fromEncodedKey(config.ENCRYPTION_KEY);
  if (mode === 'single') {
    throw new ConfigError([
      'ENCRYPTION_KEY: required when services run as separate processes, and the same in each (generate one with: openssl rand -base64 32)',
    ]);
  }
  const keyFile = resolve(config.DATA_DIR, 'encryption.key');
  if (!existsSync(keyFile)) {
    mkdirSync(config.DATA_DIR, { recursive: true });
    writeFileSync(keyFile, `${SecretBox.generateKey()}\n`, { mode: 0o600 });
    chmodSync(keyFile, 0o600);
    log.info(
      { keyFile },
      'generated an encryption key for secrets at rest; back it up with the data directory',
    );
  }
  return SecretBox.fromEncodedKey(readFileSync(keyFile, 'utf8'));
}

/**
 * The media store of the process: a local directory in monolithic mode, the JetStream object store
 * `WA_MEDIA` otherwise, unless MEDIA_STORE says which (`s3`: an S3-compatible bucket).
 */
export async function resolveMediaStore(
  config: CommonConfig,
  mode: 'all' | 'single',
  bus: Bus,
  log: Logger,
): Promise<MediaStore> {
  const kind = config.MEDIA_STORE ?? (mode === 'all' ? 'local' : 'nats');
  if (kind === 'local') {
    const directory = resolve(config.MEDIA_DIR ?? join(config.DATA_DIR, 'media'));
    log.debug({ directory }, 'media stored in a local directory');
    return new LocalDirectoryMediaStore(directory);
  }
  if (kind === 's3') {
    if (!config.S3_BUCKET) throw new ConfigError(['S3_BUCKET: required with MEDIA_STORE=s3']);
    log.debug({ bucket: config.S3_BUCKET, endpoint: config.S3_ENDPOINT }, 'media stored in an S3 bucket');
    return new S3MediaStore({
      bucket: config.S3_BUCKET,
      endpoint: config.S3_ENDPOINT,
      region: config.S3_REGION,
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      prefix: config.S3_PREFIX,
    });
  }
  return JetStreamMediaStore.open(bus.nc, bus.topology.buckets.media, { replicas: config.NATS_REPLICAS });
}
