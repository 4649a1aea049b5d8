import { booleanFlag, positiveInt } from '@wagate/runtime';
import { CommonConfig } from '@wagate/service-host';
import { z } from 'zod';

/** Configuration of the API gateway: the common settings plus these. */
export const ApiGatewayConfig = CommonConfig.extend({
  /**
   * The admin API key (`X-API-Key` or `Authorization: Bearer`). Monolithic mode generates one into
   * DATA_DIR/admin-api-key when unset; a separate gateway process requires it.
   */
  ADMIN_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The user that password-only logins (seed 002), Basic auth and the dashboard act as. */
  ADMIN_USERNAME: z.string().min(1).max(128).default('admin'),
  /** Sets that user's password at startup when it has none yet (else set it with change-password). */
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  /** HMAC key of login JWTs, the same on every replica; derived from ADMIN_API_KEY when unset. */
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Lifetime of a login JWT, in hours. */
  JWT_TTL_HOURS: positiveInt.max(24 * 365).default(24),
  /** Mark the login cookie Secure (set when clients reach the gateway over HTTPS). */
  COOKIE_SECURE: booleanFlag.default(false),
  /** Requests per minute of an API token that sets no limit of its own. */
  TOKEN_RATE_LIMIT_PER_MINUTE: positiveInt.default(6_000),
  /** Failed password checks per username before it is locked for the rest of the window. */
  LOGIN_MAX_FAILURES: positiveInt.default(5),
  /** The window of failed password checks, in minutes. */
  LOGIN_WINDOW_MINUTES: positiveInt.default(15),
  /** How long an Idempotency-Key's first answer is replayed, in hours. */
  IDEMPOTENCY_TTL_HOURS: positiveInt.default(24),
  /** Largest request body accepted, in bytes (media uploads have their own limit). */
  MAX_BODY_BYTES: positiveInt.default(1_048_576),
  /** Largest media upload, in bytes. */
  MAX_MEDIA_BYTES: positiveInt.default(64 * 1_048_576),
  /** How long the gateway waits for a session worker to answer a synchronous call, in ms. */
  RPC_TIMEOUT_MS: positiveInt.default(15_000),
});
export type ApiGatewayConfig = z.infer<typeof ApiGatewayConfig>;
