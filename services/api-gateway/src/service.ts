import { UsersRepository } from '@wagate/db';
import type { ServiceModule } from '@wagate/service-host';
import { createGatewayApp } from './app';
import { resolveAdminKey } from './auth/admin-key';
import { hashPassword } from './auth/passwords';
import { ApiGatewayConfig } from './config';

/**
 * The API gateway: the HTTP API, its auth, OpenAPI document and docs page.
 *
 * @example
 * runMain(() => hostServices([apiGateway]));
 */
export const apiGateway: ServiceModule<typeof ApiGatewayConfig> = {
  name: 'api-gateway',
  config: ApiGatewayConfig,
  start: async (context, config) => {
    const adminKey = resolveAdminKey({
      configured: config.ADMIN_API_KEY,
      mode: context.mode,
      dataDir: config.DATA_DIR,
      log: context.log,
    });
    const users = new UsersRepository(context.db);
    const admin = await users.ensure(config.ADMIN_USERNAME);
    if (config.ADMIN_PASSWORD && !admin.passwordHash) {
      // Only a user without a password gets it, so a password changed later is never overwritten.
      await users.setPasswordHash(admin.id, await hashPassword(config.ADMIN_PASSWORD), null);
      context.log.info({ user: config.ADMIN_USERNAME }, 'set the admin user password from ADMIN_PASSWORD');
    }
    const shutdown = new AbortController();
    const app = createGatewayApp({
      db: context.db,
      bus: context.bus,
      topology: context.topology,
      secretBox: context.secretBox,
      mediaStore: context.mediaStore,
      log: context.log,
      metrics: context.metrics,
      rpcTimeoutMs: config.RPC_TIMEOUT_MS,
      adminKey,
      maxBodyBytes: config.MAX_BODY_BYTES,
      maxMediaBytes: config.MAX_MEDIA_BYTES,
      auth: {
        defaultUsername: config.ADMIN_USERNAME,
        jwtSecret: config.JWT_SECRET,
        jwtTtlSeconds: config.JWT_TTL_HOURS * 3600,
        secureCookie: config.COOKIE_SECURE,
        tokenRateLimitPerMinute: config.TOKEN_RATE_LIMIT_PER_MINUTE,
        loginMaxFailures: config.LOGIN_MAX_FAILURES,
        loginWindowMs: config.LOGIN_WINDOW_MINUTES * 60_000,
        idempotencyTtlMs: config.IDEMPOTENCY_TTL_HOURS * 3_600_000,
      },
      shutdownSignal: shutdown.signal,
    });
    return {
      fetch: (request) => app.fetch(request),
      describe: (baseUrl) => `API listening on ${baseUrl}/api/v1 (docs: ${baseUrl}/docs)`,
      // Live event streams end so the HTTP server can close.
      stop: async () => shutdown.abort(),
    };
  },
};
