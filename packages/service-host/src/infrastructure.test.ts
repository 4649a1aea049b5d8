import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Topology } from '@wagate/contracts';
import { MetricsRegistry } from '@wagate/observability';
import { loadConfig } from '@wagate/runtime';
import { describe, expect, test, testLogger } from '@wagate/testing';
import { CommonConfig } from './common-config';
import { resolveNats, resolveSecretBox } from './infrastructure';

function monolithicConfig(dataDir: string) {
  return loadConfig(CommonConfig, { DATA_DIR: dataDir });
}

describe('monolithic mode infrastructure', () => {
  test('starts nats-server with JetStream in DATA_DIR when nothing answers, and stops it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wagate-host-'));
    try {
      const { bus, localServer } = await resolveNats({
        config: monolithicConfig(dataDir),
        mode: 'all',
        name: 'test',
        topology: new Topology(),
        log: testLogger(),
        metrics: new MetricsRegistry({ collectDefaults: false }),
        defaultUrl: 'nats://127.0.0.1:1',
      });
      expect(localServer).toBeDefined();
      await bus.jsm.getAccountInfo();
      await bus.close();
      await localServer!.stop();
      expect(localServer!.process.exitCode !== null || localServer!.process.signalCode !== null).toBe(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('without nats-server it says how to get one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wagate-host-'));
    try {
      await expect(
        resolveNats({
          config: monolithicConfig(dataDir),
          mode: 'all',
          name: 'test',
          topology: new Topology(),
          log: testLogger(),
          metrics: new MetricsRegistry({ collectDefaults: false }),
          defaultUrl: 'nats://127.0.0.1:1',
          natsServerBinary: 'nats-server-that-is-not-installed',
        }),
      ).rejects.toThrow(/nothing answers at nats:\/\/127\.0\.0\.1:1 .*not on the PATH; install it/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('generates the encryption key once in monolithic mode and requires it for a single service', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wagate-host-'));
    try {
      const first = resolveSecretBox(monolithicConfig(dataDir), 'all', testLogger());
      const sealed = first.seal('secret');
      expect(resolveSecretBox(monolithicConfig(dataDir), 'all', testLogger()).open(sealed)).toBe('secret');
      expect(() => resolveSecretBox(monolithicConfig(dataDir), 'single', testLogger())).toThrow(
        /ENCRYPTION_KEY: required/,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
