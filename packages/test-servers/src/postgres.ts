import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { dockerMightBeAvailable } from './environment';

/** A PostgreSQL server on which tests may create and drop databases. */
export interface TestPostgresServer {
  /** URL of a database to connect to for CREATE/DROP DATABASE. */
  adminUrl: string;
  origin: 'env' | 'container' | 'local';
  stop(): Promise<void>;
}

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

async function answers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/**
 * A PostgreSQL server for tests: `DATABASE_URL` when set, else a testcontainers container when a
 * Docker engine answers, else the local server on 127.0.0.1:5432 (user postgres). Undefined when
 * none answers.
 *
 * @example
 * const server = await acquirePostgresServer();
 */
export async function acquirePostgresServer(
  env: NodeJS.ProcessEnv = process.env,
): Promise<TestPostgresServer | undefined> {
  if (env.DATABASE_URL) return { adminUrl: env.DATABASE_URL, origin: 'env', stop: async () => {} };
  if (dockerMightBeAvailable(env)) {
    try {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const container = await new PostgreSqlContainer('postgres:15-alpine').start();
      return {
        adminUrl: container.getConnectionUri(),
        origin: 'container',
        stop: async () => {
          await container.stop();
        },
      };
    } catch {
      // No engine answered after all: fall through to the local server.
    }
  }
  if (await answers(LOCAL_URL)) return { adminUrl: LOCAL_URL, origin: 'local', stop: async () => {} };
  return undefined;
}

/** A database created for one test, dropped by `drop()`. */
export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty database with a unique name on the server.
 *
 * @example
 * const scratch = await createScratchDatabase(server.adminUrl);
 * // … use scratch.url
 * await scratch.drop();
 */
export async function createScratchDatabase(adminUrl: string): Promise<ScratchDatabase> {
  const name = `wagate_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 1 });
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const dropper = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await dropper.end({ timeout: 1 });
      }
    },
  };
}
