import { booleanFlag, logLevel, positiveInt } from '@wagate/runtime';
import { CommonConfig } from '@wagate/service-host';
import { z } from 'zod';

const nonNegativeInt = z.coerce.number().int().min(0);

/** Configuration of a session worker: the common settings plus these. */
export const SessionWorkerConfig = CommonConfig.extend({
  /** Wait before starting a partition whose previous owner vanished without releasing it, in ms. */
  LEASE_GRACE_MS: nonNegativeInt.max(60_000).default(1_000),
  /** Partitions handed over per placement tick when workers join or leave (gradual rebalancing). */
  HANDOVERS_PER_TICK: positiveInt.max(128).default(2),
  /**
   * Write transactions a worker runs at once; the writes of partitions that find them all busy
   * share the next one (fewer transactions under load). Below DB_POOL_SIZE, which reads also use.
   */
  WRITE_CONCURRENCY: positiveInt.max(64).default(3),
  /** Commands of one partition handled at once. */
  COMMAND_CONCURRENCY: positiveInt.max(1_000).default(32),
  /** WhatsApp's WebSocket; the emulator's `ws://…/ws/chat` in tests. */
  WA_WEBSOCKET_URL: z.string().url().default('wss://web.whatsapp.com/ws/chat'),
  /** Accept self-signed TLS for media uploads/downloads (only for the emulator in tests). */
  WA_INSECURE_MEDIA_TLS: booleanFlag.default(false),
  /** Baileys' own log level (its lines carry the account). */
  BAILEYS_LOG_LEVEL: logLevel.default('warn'),
  /** Sessions that may be opening their socket at once on this worker (no reconnect herd). */
  CONNECT_CONCURRENCY: positiveInt.max(1_000).default(32),
  /**
   * A paired device's socket not logged in within this many ms is ended and opened again (Baileys
   * itself waits for the server's login reply without a deadline).
   */
  LOGIN_TIMEOUT_MS: positiveInt.max(600_000).default(20_000),
  /** First delay before reconnecting after a transient drop, in ms; it doubles up to the maximum. */
  RECONNECT_MIN_MS: positiveInt.default(1_000),
  /** Longest delay between reconnect attempts, in ms. */
  RECONNECT_MAX_MS: positiveInt.default(60_000),
  /** Show the account online to contacts whenever it connects (phones then stop notifying). */
  MARK_ONLINE_ON_CONNECT: booleanFlag.default(false),
  /**
   * Default outbound pace of an account, messages per minute (0 = unlimited). Accounts override it
   * in their settings (`messagesPerMinute`). Conservative by default, against bans.
   */
  PACING_MESSAGES_PER_MINUTE: nonNegativeInt.max(6_000).default(20),
  /** Random extra delay added before each paced message, up to this many ms. */
  PACING_JITTER_MS: nonNegativeInt.max(600_000).default(2_000),
  /** Least time between two messages to the same recipient, in ms. */
  PACING_PER_RECIPIENT_MS: nonNegativeInt.max(3_600_000).default(3_000),
  /** Show "typing…" before text messages unless a message says otherwise. */
  PACING_SIMULATE_TYPING: booleanFlag.default(false),
  /** Longest "typing…" before a text, in ms (it grows with the text's length up to this). */
  TYPING_MAX_MS: nonNegativeInt.max(60_000).default(4_000),
  /**
   * After a failover that was not a clean handover, queued sends wait this long after the session
   * logs in for receipts proving the previous owner already sent them (then they are not sent again).
   */
  UNCERTAIN_SEND_WAIT_MS: nonNegativeInt.max(120_000).default(5_000),
  /** Largest media file fetched from a URL or given inline, in bytes. */
  MEDIA_MAX_BYTES: positiveInt.default(64 * 1024 * 1024),
  /** How long group metadata is served from the cache, in ms (seed 002: 4 minutes). */
  GROUP_CACHE_MS: positiveInt.default(4 * 60_000),
  /** How often a partition re-reads its accounts (disabled, new credentials), in ms. */
  RECONCILE_INTERVAL_MS: positiveInt.default(30_000),
});
export type SessionWorkerConfig = z.infer<typeof SessionWorkerConfig>;
