import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Topology } from '@wagate/contracts';
import { test as base } from 'vitest';
import { unavailable } from './environment';
import { acquireNatsServer, type TestNatsServer } from './nats';
import {
  acquirePostgresServer,
  createScratchDatabase,
  type ScratchDatabase,
  type TestPostgresServer,
} from './postgres';

/** A NATS namespace of one test on a shared server; its streams and buckets are deleted afterwards. */
export interface NatsNamespace {
  url: string;
  namespace: string;
  /** The test's names (8 partitions, to keep tests quick). */
  topology: Topology;
}

interface WorkerFixtures {
  natsServer: TestNatsServer | undefined;
  postgresServer: TestPostgresServer | undefined;
}

interface TestFixtures {
  natsNamespace: NatsNamespace;
  scratchDatabase: ScratchDatabase;
}

/** Deletes every stream (and KV or object bucket) of a namespace. */
async function deleteNamespace(url: string, namespace: string): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(`${namespace}_`) || name.startsWith(`KV_${namespace}_`))
        await jsm.streams.delete(name);
    }
  } finally {
    await nc.close();
  }
}

/**
 * vitest `test` with real servers: `natsNamespace` (a namespace of its own on a shared NATS) and
 * `scratchDatabase` (an empty database of its own). Servers come from `NATS_URL`/`DATABASE_URL`,
 * else testcontainers, else local binaries/servers; a missing one skips the test, or fails it
 * under `CI=true`. Packages above the bus and database use `@wagate/testing`, which adds a
 * connected bus and a migrated database.
 *
 * @example
 * test('stores', async ({ scratchDatabase }) => { … scratchDatabase.url … });
 */
export const test = base.extend<{ $test: TestFixtures; $worker: WorkerFixtures }>({
  natsServer: [
    // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures must destructure their context
    async ({}, use) => {
      const server = await acquireNatsServer();
      await use(server);
      await server?.stop();
    },
    { scope: 'worker' },
  ],
  postgresServer: [
    // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures must destructure their context
    async ({}, use) => {
      const server = await acquirePostgresServer();
      await use(server);
      await server?.stop();
    },
    { scope: 'worker' },
  ],
  natsNamespace: async ({ natsServer, skip }, use) => {
    if (!natsServer)
      return unavailable(
        { skip },
        'NATS',
        'set NATS_URL, start a Docker engine, or put nats-server on the PATH',
      );
    const namespace = `t${randomBytes(5).toString('hex')}`;
    await use({ url: natsServer.url, namespace, topology: new Topology({ namespace, partitions: 8 }) });
    await deleteNamespace(natsServer.url, namespace);
  },
  scratchDatabase: async ({ postgresServer, skip }, use) => {
    if (!postgresServer) {
      return unavailable(
        { skip },
        'PostgreSQL',
        'set DATABASE_URL, start a Docker engine, or run PostgreSQL on 127.0.0.1:5432',
      );
    }
    const scratch = await createScratchDatabase(postgresServer.adminUrl);
    await use(scratch);
    await scratch.drop();
  },
});

export { describe, expect, vi } from 'vitest';
