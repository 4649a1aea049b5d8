import type { Bus } from '@wagate/bus';
import type { Topology } from '@wagate/contracts';
import type { Database, DatabaseHandle, SecretBox } from '@wagate/db';
import type { MediaStore } from '@wagate/media-store';
import type { Logger, MetricsRegistry } from '@wagate/observability';
import type { Readiness, ReadinessCheck } from '@wagate/runtime';
import type { z } from 'zod';
import type { CommonConfig } from './common-config';

export type ServiceName = 'api-gateway' | 'session-worker' | 'webhook-dispatcher' | 'cloud-api-bridge';

/** What the host gives each service it starts. */
export interface ServiceContext {
  bus: Bus;
  database: DatabaseHandle;
  db: Database;
  topology: Topology;
  /** The service's child logger (`service` bound). */
  log: Logger;
  /** The process-wide registry (shared by all services in monolithic mode). */
  metrics: MetricsRegistry;
  readiness: Readiness;
  secretBox: SecretBox;
  /** Where media bytes live (received media, uploads for sending). */
  mediaStore: MediaStore;
  /** Name of this process: `<INSTANCE_ID>` or `<hostname>-<pid>`. */
  instanceId: string;
  /** `all` in monolithic mode, `single` when the process runs one service. */
  mode: 'all' | 'single';
  env: NodeJS.ProcessEnv;
}

/** A started service, as the host needs it. */
export interface RunningService {
  /**
   * Handles the HTTP requests that the host's own routes (`/healthz`, `/readyz`, `/metrics`) do
   * not (the API, for the gateway).
   */
  fetch?: (request: Request) => Response | Promise<Response>;
  /** Extra readiness checks besides NATS and the database. */
  readinessChecks?: ReadinessCheck[];
  /**
   * Graceful stop: stop taking work, close WhatsApp sockets (never log out), flush state,
   * release leases. NATS and the database are closed by the host afterwards.
   */
  stop(): Promise<void>;
  /** Where users reach it, for the startup log line. */
  describe?(baseUrl: string): string;
}

/**
 * A service the host can run alone (`--target=<name>`) or with the others (monolithic mode).
 *
 * @example
 * export const webhookDispatcher: ServiceModule<typeof DispatcherConfig> = {
 *   name: 'webhook-dispatcher',
 *   config: DispatcherConfig,
 *   start: async (context, config) => ({ stop: async () => {} }),
 * };
 */
export interface ServiceModule<S extends z.ZodObject = z.ZodObject> {
  name: ServiceName;
  /** The service's whole configuration: `CommonConfig.extend({...})`. */
  config: S;
  start(context: ServiceContext, config: z.infer<S> & CommonConfig): Promise<RunningService>;
}
