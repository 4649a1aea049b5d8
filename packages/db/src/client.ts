import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { Logger } from '@wagate/observability';
import { describeError, ExpectedError } from '@wagate/runtime';
import { type SQL, sql } from 'drizzle-orm';
import { type PgDatabase, PgDialect, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema';

/** The database as repositories see it, whichever driver is underneath. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Turns hand-written SQL into text and parameters (no table or column config is involved). */
const handWrittenDialect = new PgDialect();

/**
 * Runs a hand-written statement and answers its rows, whichever driver ran it (postgres.js answers
 * an array, PGlite `{ rows }`). The session worker's hot writes are hand-written with a fixed text
 * each, run as prepared statements: drizzle runs its queries unprepared, and postgres.js then
 * asks PostgreSQL to describe every statement before binding it (two round trips, a parse and a
 * plan each time); prepared, the text is parsed once per connection and each run is one round trip.
 *
 * @example
 * const rows = await queryRows<{ seq: number }>(tx, sql`select 1::float8 as seq`);
 */
export async function queryRows<T>(db: Database, query: SQL): Promise<T[]> {
  const prepared = db._.session.prepareQuery(
    handWrittenDialect.sqlToQuery(query),
    undefined,
    'hand-written',
    false,
  );
  const result = (await prepared.execute()) as unknown;
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}

export interface DatabaseHandle {
  readonly db: Database;
  readonly driver: 'postgres' | 'pglite';
  /** Where it is, without credentials, for logs. */
  readonly location: string;
  /** Readiness check: one round trip. */
  ping(): Promise<void>;
  /** Applies the committed SQL migrations that are not applied yet (safe to run concurrently). */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** `postgres://…` for PostgreSQL; absent for the embedded PGlite. */
  url?: string;
  /** PGlite's data directory (`memory://` keeps it in memory). Default `./data/pglite`. */
  dataDir?: string;
  /** Pool size for PostgreSQL. Default 10. */
  maxConnections?: number;
  log: Logger;
  /** Folder of the SQL migrations; defaults to this package's `drizzle/`. */
  migrationsFolder?: string;
}

/** Arbitrary but fixed key of the advisory lock that serializes migrations across processes. */
const MIGRATION_LOCK_KEY = 7_302_118_412;

const defaultMigrationsFolder = () => fileURLToPath(new URL('../drizzle', import.meta.url));

/** A connection URL without its password. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'an unparsable URL';
  }
}

/**
 * Opens PostgreSQL (postgres.js) when `url` is given, else the embedded PGlite, and checks that it
 * answers: a database that does not is an `ExpectedError` naming where it looked.
 *
 * @example
 * const database = await openDatabase({ url: process.env.DATABASE_URL, log });
 * await database.migrate();
 * const rows = await database.db.select().from(accounts);
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const migrationsFolder = options.migrationsFolder ?? defaultMigrationsFolder();
  const handle = options.url
    ? openPostgres(options.url, options.maxConnections ?? 10, migrationsFolder, options.log)
    : await openPglite(options.dataDir ?? './data/pglite', migrationsFolder);
  try {
    await handle.ping();
  } catch (error) {
    await handle.close().catch(() => {});
    const hint = options.url ? '; check DATABASE_URL and that PostgreSQL is running' : '';
    throw new ExpectedError(
      `cannot connect to the database at ${handle.location} (${describeError(error)})${hint}`,
    );
  }
  return handle;
}

function openPostgres(
  url: string,
  maxConnections: number,
  migrationsFolder: string,
  log: Logger,
): DatabaseHandle {
  const location = redactUrl(url);
  const client = postgres(url, {
    max: maxConnections,
    connect_timeout: 5,
    idle_timeout: 60,
    onnotice: () => {},
  });
  const db = drizzlePostgres(client, { schema });
  return {
    db: db as unknown as Database,
    driver: 'postgres',
    location,
    ping: async () => {
      await client`select 1`;
    },
    migrate: async () => {
      // A one-connection client, so the session-level advisory lock covers every statement.
      const single = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
      try {
        await single`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
        await migratePostgres(drizzlePostgres(single, { schema }), { migrationsFolder });
        log.debug({ database: location }, 'migrations applied');
      } finally {
        await single.end({ timeout: 5 });
      }
    },
    close: () => client.end({ timeout: 5 }),
  };
}

async function openPglite(dataDir: string, migrationsFolder: string): Promise<DatabaseHandle> {
  const client = dataDir === 'memory://' ? new PGlite() : new PGlite(dataDir);
  await client.waitReady;
  const db = drizzlePglite(client, { schema });
  return {
    db: db as unknown as Database,
    driver: 'pglite',
    location: dataDir === 'memory://' ? 'PGlite (in memory)' : `PGlite in ${dataDir}`,
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    migrate: () => migratePglite(db, { migrationsFolder }),
    close: () => client.close(),
  };
}
