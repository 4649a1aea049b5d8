import { positiveInt, urlWith } from '@wagate/runtime';
import { CommonConfig } from '@wagate/service-host';
import { z } from 'zod';

/** A non-negative integer from an environment variable. */
const nonNegativeInt = z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(0);

/**
 * Configuration of the cloud API bridge: the common settings plus these. Names start with `GRAPH_`
 * or `CLOUD_` because monolithic mode parses every service's schema from one environment.
 */
export const CloudApiBridgeConfig = CommonConfig.extend({
  /** Base URL of Meta's Graph API (a local fake in tests); the account's API version is appended. */
  GRAPH_API_URL: urlWith('http', 'https').default('https://graph.facebook.com'),
  /** Most time one Graph API request may take, in ms, before it counts as a network failure. */
  GRAPH_TIMEOUT_MS: positiveInt.max(120_000).default(15_000),
  /** Retries of one request that failed transiently (network, Meta codes 1, 2, 131000, 131016, 133004). */
  GRAPH_RETRY_LIMIT: nonNegativeInt.max(10).default(2),
  /** First retry delay of a transient failure, in ms; it doubles with each retry (plus jitter). */
  GRAPH_RETRY_DELAY_MS: positiveInt.max(60_000).default(500),
  /** Commands (sends, mark-read, typing) handled at once by this process. */
  CLOUD_COMMAND_CONCURRENCY: positiveInt.max(10_000).default(256),
  /** Meta webhook bodies processed at once by this process. */
  CLOUD_INBOUND_CONCURRENCY: positiveInt.max(1_000).default(16),
  /** Unit of the pair-rate backoff (131056): the X-th retry to one user waits unit × 4^X (Meta: 1 s). */
  CLOUD_PAIR_BACKOFF_UNIT_MS: positiveInt.max(60_000).default(1_000),
  /** First pause of a number's sends after Meta's throughput limit (130429); doubles while it repeats. */
  CLOUD_THROUGHPUT_BACKOFF_MS: positiveInt.max(60_000).default(1_000),
  /** Longest pause after repeated throughput limits, in ms. */
  CLOUD_THROUGHPUT_BACKOFF_MAX_MS: positiveInt.max(3_600_000).default(60_000),
  /** How long account credentials are cached, in ms; a changed token applies after at most this. */
  CLOUD_ACCOUNT_CACHE_MS: nonNegativeInt.max(600_000).default(10_000),
  /**
   * How often each account's quality rating, messaging limit, throughput and status are refreshed
   * from Meta, in ms (Meta allows 200 management requests per hour per WABA).
   */
  CLOUD_REFRESH_INTERVAL_MS: positiveInt.min(100).default(900_000),
  /** Largest media file downloaded from Meta (its document limit is 100 MB), in bytes. */
  CLOUD_MEDIA_MAX_BYTES: positiveInt.default(100 * 1024 * 1024),
});
export type CloudApiBridgeConfig = z.infer<typeof CloudApiBridgeConfig>;
