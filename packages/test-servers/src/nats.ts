import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnNatsServer } from '@wagate/runtime';
import { dockerMightBeAvailable } from './environment';

/** A NATS server with JetStream that tests may use. */
export interface TestNatsServer {
  url: string;
  /** Where it came from: the environment, a container, or a local binary. */
  origin: 'env' | 'container' | 'binary';
  stop(): Promise<void>;
}

/**
 * A NATS server for tests: `NATS_URL` when set, else a testcontainers container when a Docker
 * engine answers, else a local `nats-server` on a free port with a temporary store. Undefined when
 * none can be had.
 *
 * @example
 * const server = await acquireNatsServer();
 */
export async function acquireNatsServer(
  env: NodeJS.ProcessEnv = process.env,
): Promise<TestNatsServer | undefined> {
  if (env.NATS_URL) return { url: env.NATS_URL, origin: 'env', stop: async () => {} };
  if (dockerMightBeAvailable(env)) {
    try {
      const { GenericContainer, Wait } = await import('testcontainers');
      const container = await new GenericContainer('nats:2.10-alpine')
        .withCommand(['-js'])
        .withExposedPorts(4222)
        .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
        .start();
      return {
        url: `nats://${container.getHost()}:${container.getMappedPort(4222)}`,
        origin: 'container',
        stop: async () => {
          await container.stop();
        },
      };
    } catch {
      // No engine answered after all: fall through to a local binary.
    }
  }
  const storeDir = mkdtempSync(join(tmpdir(), 'wagate-nats-'));
  try {
    const server = await spawnNatsServer({ storeDir });
    return {
      url: server.url,
      origin: 'binary',
      stop: async () => {
        await server.stop();
        rmSync(storeDir, { recursive: true, force: true });
      },
    };
  } catch {
    rmSync(storeDir, { recursive: true, force: true });
    return undefined;
  }
}
