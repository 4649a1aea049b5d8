import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { provision, provisioningPlan } from '@wagate/bus';
import { Topology } from '@wagate/contracts';
import { type DatabaseHandle, openDatabase } from '@wagate/db';
import { createLogger, initTracing, MetricsRegistry } from '@wagate/observability';
import {
  ConfigError,
  describeError,
  listen,
  loadConfig,
  onShutdownSignal,
  opsRoutes,
  Readiness,
  type RunningHttpServer,
  ShutdownSequence,
} from '@wagate/runtime';
import { Hono } from 'hono';
import type { z } from 'zod';
import type { CommonConfig } from './common-config';
import { resolveMediaStore, resolveNats, resolveSecretBox } from './infrastructure';
import type { RunningService, ServiceContext, ServiceModule } from './service-module';

export interface HostOptions {
  env?: NodeJS.ProcessEnv;
  /** Register SIGTERM/SIGINT handlers that shut down and exit. Default true. */
  handleSignals?: boolean;
}

/** A running process: its services, HTTP server and the way to stop it all. */
export interface HostedProcess {
  readonly url: string;
  readonly services: RunningService[];
  readonly context: Omit<ServiceContext, 'log'>;
  /** The graceful shutdown, in the design's order. */
  shutdown(): Promise<void>;
}

function parseConfigs(
  modules: ServiceModule[],
  env: NodeJS.ProcessEnv,
): Array<z.infer<ServiceModule['config']> & CommonConfig> {
  const problems: string[] = [];
  const configs = modules.map((module) => {
    try {
      return loadConfig(module.config, env) as CommonConfig;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const problem of error.problems) if (!problems.includes(problem)) problems.push(problem);
      return undefined;
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return configs as Array<z.infer<ServiceModule['config']> & CommonConfig>;
}

/**
 * Runs services in this process: parses their configuration, connects NATS and the database,
 * applies migrations, provisions JetStream, starts each service, serves HTTP (API, `/healthz`,
 * `/readyz`, `/metrics`) and shuts down in the design's order on SIGTERM/SIGINT: readiness false →
 * stop HTTP intake → stop services (stop work, close sockets, flush, release leases) → drain NATS
 * → close the database.
 *
 * @example
 * runMain(() => hostServices([sessionWorker]));
 */
export async function hostServices(
  modules: ServiceModule[],
  options: HostOptions = {},
): Promise<HostedProcess> {
  const env = options.env ?? process.env;
  const mode = modules.length > 1 ? 'all' : 'single';
  const configs = parseConfigs(modules, env);
  const common = configs[0]!;
  if (mode === 'single' && !common.DATABASE_URL) {
    throw new ConfigError([
      `DATABASE_URL: required when running one service (--target=${modules[0]!.name}); the embedded database works only in monolithic mode`,
    ]);
  }
  const processName = mode === 'all' ? 'wagate' : modules[0]!.name;
  const instanceId =
    common.INSTANCE_ID ??
    `${hostname()
      .replace(/[^A-Za-z0-9_-]/g, '-')
      .slice(0, 40)}-${process.pid}`;
  const log = createLogger({
    service: processName,
    level: common.LOG_LEVEL,
    format: common.LOG_FORMAT,
  }).child({
    instance: instanceId,
  });
  const stopTracing = await initTracing({ serviceName: processName, env });
  const metrics = new MetricsRegistry({ defaultLabels: { service: processName } });
  const topology = new Topology({ namespace: common.NATS_NAMESPACE, partitions: common.PARTITIONS });
  const secretBox = resolveSecretBox(common, mode, log);

  const database: DatabaseHandle = await openDatabase({
    url: common.DATABASE_URL,
    dataDir: resolve(common.DATA_DIR, 'pglite'),
    maxConnections: common.DB_POOL_SIZE,
    migrationsFolder: common.MIGRATIONS_DIR,
    log,
  });
  const { bus, localServer } = await resolveNats({
    config: common,
    mode,
    name: `${processName}:${instanceId}`,
    topology,
    log,
    metrics,
  }).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  let mediaStore: ServiceContext['mediaStore'];
  try {
    if (common.DB_MIGRATE) await database.migrate();
    await provision(
      bus.nc,
      bus.jsm,
      provisioningPlan(topology, {
        replicas: common.NATS_REPLICAS,
        eventsMaxAgeMs: common.EVENTS_MAX_AGE_HOURS * 3_600_000,
        leaseTtlMs: common.LEASE_TTL_MS,
        workerTtlMs: common.WORKER_TTL_MS,
      }),
      log,
    );
    mediaStore = await resolveMediaStore(common, mode, bus, log);
  } catch (error) {
    await bus.close();
    await database.close();
    await localServer?.stop();
    throw error;
  }

  const readiness = new Readiness([
    { name: 'nats', check: () => bus.assertConnected() },
    { name: 'database', check: () => database.ping() },
  ]);
  const context: Omit<ServiceContext, 'log'> = {
    bus,
    database,
    db: database.db,
    topology,
    metrics,
    readiness,
    secretBox,
    mediaStore,
    instanceId,
    mode,
    env,
  };

  const services: RunningService[] = [];
  const app = new Hono();
  app.route('/', opsRoutes({ readiness, metrics }));
  const shutdown = new ShutdownSequence(log, common.SHUTDOWN_TIMEOUT_MS);
  let server: RunningHttpServer | undefined;
  shutdown.add('readiness false', () => readiness.markShuttingDown());
  shutdown.add('stop HTTP intake', () => server?.close(5_000));
  shutdown.add('stop services', async () => {
    for (const service of [...services].reverse()) await service.stop();
  });
  shutdown.add('drain NATS', () => bus.drain());
  shutdown.add('close database', () => database.close());
  if (localServer) shutdown.add('stop local nats-server', () => localServer.stop());
  shutdown.add('flush traces', () => stopTracing());

  try {
    for (const [index, module] of modules.entries()) {
      const service = await module.start(
        { ...context, log: log.child({ component: module.name }) },
        configs[index]!,
      );
      services.push(service);
      // The request passes as it came: hono's mount() would build a new undici Request per call
      // (losing @hono/node-server's fast body reads) and throw and catch an error to look for an
      // execution context, together more CPU than the rest of an API call.
      const serviceFetch = service.fetch;
      if (serviceFetch) app.all('*', (c) => serviceFetch(c.req.raw));
      for (const check of service.readinessChecks ?? []) readiness.add(check);
    }
    server = await listen(app, { host: common.HOST, port: common.PORT });
  } catch (error) {
    log.error({ err: describeError(error) }, 'startup failed; shutting down what started');
    await shutdown.run();
    throw error;
  }

  for (const service of services) {
    const description = service.describe?.(server.url);
    if (description) log.info(description);
  }
  log.info(
    { url: server.url, services: modules.map((module) => module.name) },
    `${processName} ready on ${server.url}`,
  );

  if (options.handleSignals ?? true) {
    onShutdownSignal(async (signal) => {
      log.info({ signal }, 'shutting down gracefully');
      const forced = setTimeout(() => {
        log.error('graceful shutdown took too long; exiting');
        process.exit(1);
      }, common.SHUTDOWN_TIMEOUT_MS + 5_000);
      forced.unref();
      await shutdown.run();
      log.info('stopped');
      process.exit(0);
    });
  }
  return { url: server.url, services, context, shutdown: () => shutdown.run() };
}
