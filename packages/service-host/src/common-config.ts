import { booleanFlag, logLevel, port, positiveInt, urlWith } from '@wagate/runtime';
import { z } from 'zod';

/**
 * Settings every service reads. Each service's own schema extends this one, so one schema parses
 * a service's whole configuration and every error names its variable.
 */
export const CommonConfig = z.object({
  /** NATS server(s), comma separated. Monolithic mode starts a local nats-server when unset and nothing answers. */
  NATS_URL: z.string().min(1).optional(),
  /** PostgreSQL URL. Monolithic mode uses the embedded PGlite in DATA_DIR when unset. */
  DATABASE_URL: urlWith('postgres', 'postgresql').optional(),
  /** Where monolithic mode keeps PGlite, the local NATS store and the generated encryption key. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** Address the HTTP server binds; 0.0.0.0 in containers. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** HTTP port: the API on the gateway, health and metrics on every service. */
  PORT: port.default(3000),
  LOG_LEVEL: logLevel.default('info'),
  /** `pretty` or `json`; default pretty in a terminal, JSON otherwise. */
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  /** Prefix of every NATS name, to share one NATS between deployments. */
  NATS_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/, 'may hold only letters, digits, "_" and "-"')
    .default(''),
  /** Partitions P; fixed for the life of a deployment. */
  PARTITIONS: positiveInt.max(4096, 'must be at most 4096').default(128),
  /** JetStream replicas (3 on a cluster). */
  NATS_REPLICAS: z.coerce.number().int().min(1).max(5, 'must be between 1 and 5').default(1),
  /** How long events stay replayable in WA_EVENTS, in hours. */
  EVENTS_MAX_AGE_HOURS: positiveInt.default(168),
  /** Key for secrets at rest: 32 bytes as base64 or hex (`openssl rand -base64 32`). */
  ENCRYPTION_KEY: z.string().min(1).optional(),
  /** Name of this process in logs, leases and NATS; default `<hostname>-<pid>`. */
  INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"')
    .optional(),
  /**
   * Time-to-live of a partition lease. A worker that cannot renew for 0.7 × this stops the
   * partition's sessions; a dead worker's partitions move after about this long.
   */
  LEASE_TTL_MS: positiveInt.min(3_000, 'must be at least 3000').default(10_000),
  /** Time-to-live of a worker heartbeat in WA_WORKERS. */
  WORKER_TTL_MS: positiveInt.min(2_000, 'must be at least 2000').default(6_000),
  /**
   * Where media bytes live: `local` (a directory; one process or a shared volume), `nats` (a
   * JetStream object store every process reaches) or `s3` (an S3-compatible bucket: AWS S3,
   * MinIO, R2…). Default: local in monolithic mode, nats otherwise.
   */
  MEDIA_STORE: z.enum(['local', 'nats', 's3']).optional(),
  /** The directory of the local media store. Default DATA_DIR/media. */
  MEDIA_DIR: z.string().min(1).optional(),
  /** The bucket of the S3 media store (required with MEDIA_STORE=s3). */
  S3_BUCKET: z.string().min(1).optional(),
  /** Endpoint of an S3-compatible store (e.g. http://minio:9000); absent for AWS S3 by region. */
  S3_ENDPOINT: z.url().optional(),
  /** Region of the bucket. */
  S3_REGION: z.string().min(1).default('us-east-1'),
  /** Access key of the S3 store (else the AWS default credential chain). */
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  /** Secret key of the S3 store. */
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Path-style URLs (`host/bucket/key`), which most self-hosted stores need. Default: true with S3_ENDPOINT. */
  S3_FORCE_PATH_STYLE: booleanFlag.optional(),
  /** Prefix of every media key in the bucket. */
  S3_PREFIX: z.string().default(''),
  /** PostgreSQL connections per process. */
  DB_POOL_SIZE: positiveInt.max(200).default(10),
  /** Folder of the SQL migrations; the bundled images set it, source checkouts need not. */
  MIGRATIONS_DIR: z.string().min(1).optional(),
  /** Apply database migrations at startup (turn off when a separate job runs them). */
  DB_MIGRATE: booleanFlag.default(true),
  /** Most time a graceful shutdown may take before the process exits anyway, in ms. */
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(25_000),
});
export type CommonConfig = z.infer<typeof CommonConfig>;
