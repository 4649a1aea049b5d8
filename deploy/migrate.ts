/**
 * The one-shot schema migration, bundled beside every service as `dist/migrate.js`: applies the SQL
 * migrations in MIGRATIONS_DIR to DATABASE_URL and exits 0. On Kubernetes it is the init container
 * of every wagate pod, so services run with DB_MIGRATE=false and never start on an older schema;
 * concurrent runs are safe because `migrate()` holds a PostgreSQL advisory lock.
 *
 * It reaches the workspace packages by path because deploy/ is no workspace package; esbuild
 * resolves their own imports from their folders.
 */
import { openDatabase } from '../packages/db/src/index';
import { createLogger } from '../packages/observability/src/index';
import { ConfigError, loadConfig, runMain } from '../packages/runtime/src/index';
import { CommonConfig } from '../packages/service-host/src/common-config';

runMain(async () => {
  const config = loadConfig(CommonConfig, process.env);
  if (!config.DATABASE_URL) {
    throw new ConfigError(['DATABASE_URL: required to run migrations (the embedded PGlite migrates itself)']);
  }
  const log = createLogger({ service: 'migrate', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const database = await openDatabase({
    url: config.DATABASE_URL,
    maxConnections: 1,
    migrationsFolder: config.MIGRATIONS_DIR,
    log,
  });
  try {
    await database.migrate();
  } finally {
    await database.close();
  }
  log.info({ database: database.location }, 'database schema is up to date');
});
