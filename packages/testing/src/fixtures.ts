import { Bus, type ProvisioningSettings, provision, provisioningPlan } from '@wagate/bus';
import type { Topology } from '@wagate/contracts';
import { type Database, type DatabaseHandle, openDatabase } from '@wagate/db';
import { createLogger, type Logger } from '@wagate/observability';
import { test as serverTest } from '@wagate/test-servers';

/** NATS for one test: its own namespace of streams and buckets, deleted afterwards. */
export interface NatsUnderTest {
  url: string;
  namespace: string;
  topology: Topology;
  /** A connected bus on this test's topology; closed after the test. */
  connect(name?: string): Promise<Bus>;
  /** Creates this test's streams, consumers and buckets. */
  provision(settings?: ProvisioningSettings): Promise<void>;
}

/** A fresh, migrated PostgreSQL database for one test, dropped afterwards. */
export interface DatabaseUnderTest {
  url: string;
  handle: DatabaseHandle;
  db: Database;
}

/** Logger for tests: silent unless `TEST_LOG_LEVEL` asks otherwise. */
export function testLogger(service = 'test'): Logger {
  return createLogger({ service, level: process.env.TEST_LOG_LEVEL ?? 'silent', format: 'json' });
}

/**
 * vitest `test` with real-service fixtures for the services: `nats` (a connected bus on a
 * namespace of its own) and `database` (a migrated database of its own), on top of
 * `@wagate/test-servers`.
 *
 * @example
 * import { test } from '@wagate/testing';
 * test('publishes', async ({ nats, database }) => {
 *   await nats.provision();
 *   const bus = await nats.connect();
 * });
 */
export const test = serverTest.extend<{ nats: NatsUnderTest; database: DatabaseUnderTest }>({
  nats: async ({ natsNamespace }, use) => {
    const buses: Bus[] = [];
    const log = testLogger('nats-fixture');
    const connect = async (name = 'test') => {
      const bus = await Bus.connect({ url: natsNamespace.url, name, topology: natsNamespace.topology, log });
      buses.push(bus);
      return bus;
    };
    await use({
      ...natsNamespace,
      connect,
      provision: async (settings) => {
        const bus = await connect('provisioner');
        await provision(bus.nc, bus.jsm, provisioningPlan(natsNamespace.topology, settings), log);
      },
    });
    await Promise.all(buses.map((bus) => bus.close()));
  },
  database: async ({ scratchDatabase }, use) => {
    const handle = await openDatabase({
      url: scratchDatabase.url,
      log: testLogger('db-fixture'),
      maxConnections: 5,
    });
    await handle.migrate();
    await use({ url: scratchDatabase.url, handle, db: handle.db });
    await handle.close();
  },
});
