import { swaggerUI } from '@hono/swagger-ui';
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { HTTPException } from 'hono/http-exception';
import { accountRoutes } from './accounts/routes';
import { Authenticator } from './auth/authenticate';
import { LoginThrottle } from './auth/login-throttle';
import { LoginTokens } from './auth/login-tokens';
import { authRoutes } from './auth/routes';
import { sessionScope, webhookScope } from './auth/session-scope';
import { TokenRateLimiter } from './auth/token-rate-limit';
import { chatRoutes } from './chats/routes';
import { userPhoneRoutes } from './compat/user-phones';
import { contactRoutes } from './contacts/routes';
import { eventRoutes } from './events/routes';
import { groupRoutes } from './groups/routes';
import { healthRoutes } from './health/routes';
import { ApiError, errorBody, respondWithError } from './http/errors';
import { idempotency } from './http/idempotency';
import { refuseNul } from './http/no-nul';
import { type GatewayEnv, requestContext } from './http/request-context';
import { requestMetrics } from './http/request-metrics';
import type { GatewayRouteDeps } from './http/route-deps';
import { mediaRoutes } from './messages/media-routes';
import { messageRoutes } from './messages/routes';
import { metaWebhookRoutes } from './meta-webhooks/routes';
import { privacyRoutes } from './privacy/routes';
import { profileRoutes } from './profile/routes';
import { AccountLookup } from './sessions/account-lookup';
import { sessionRoutes } from './sessions/routes';
import { webhookDeliveryRoutes } from './webhook-deliveries/routes';
import { webhookRoutes } from './webhooks/routes';

/** Auth and limits of the gateway; every field has a default. */
export interface GatewayAuthSettings {
  /** The user password-only logins act as. Default `admin`. */
  defaultUsername?: string;
  /** HMAC key of login JWTs. Default: derived from the admin key. */
  jwtSecret?: string;
  /** Default 24 h. */
  jwtTtlSeconds?: number;
  secureCookie?: boolean;
  /** Default 6,000. */
  tokenRateLimitPerMinute?: number;
  /** How often per-token counts are shared through PostgreSQL. Default 250 ms. */
  rateLimitFlushMs?: number;
  /** Default 5 failures per 15 minutes. */
  loginMaxFailures?: number;
  loginWindowMs?: number;
  /** Default 24 h. */
  idempotencyTtlMs?: number;
}

export interface GatewayAppDeps extends GatewayRouteDeps {
  adminKey: string;
  maxBodyBytes: number;
  /** Largest media upload. Default 64 MiB. */
  maxMediaBytes?: number;
  auth?: GatewayAuthSettings;
  /** Aborted when the gateway stops: live event streams end and timers stop. */
  shutdownSignal?: AbortSignal;
}

const STATUS_CODES: Record<number, Parameters<typeof errorBody>[1]> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/** Routes that answer without credentials. */
const PUBLIC_PATHS = new Set(['/api/v1/health', '/api/v1/auth/login', '/api/v1/auth/verify']);
const MEDIA_UPLOAD_PATH = /^\/api\/v1\/sessions\/[^/]+\/media$/;

/**
 * The gateway's HTTP application: request ids, one error format, input validation from the same
 * zod schemas that generate `/openapi.json` (browsable at `/docs`), authentication, idempotency,
 * metrics, and every route of the API.
 *
 * @example
 * const app = createGatewayApp({ ...routeDeps, adminKey, maxBodyBytes: 1 << 20 });
 */
export function createGatewayApp(deps: GatewayAppDeps): OpenAPIHono<GatewayEnv> {
  const settings = deps.auth ?? {};
  const app = new OpenAPIHono<GatewayEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const details = result.error.issues.map((issue) => ({
          path: issue.path.join('.'),
          message: issue.message,
        }));
        return c.json(errorBody(c, 'invalid_request', `the ${result.target} is invalid`, details), 400);
      }
    },
  });
  const loginThrottle = new LoginThrottle(deps.db, {
    maxFailures: settings.loginMaxFailures ?? 5,
    windowMs: settings.loginWindowMs ?? 15 * 60_000,
  });
  const loginTokens = new LoginTokens(deps.db, {
    secret: settings.jwtSecret ?? LoginTokens.secretFromAdminKey(deps.adminKey),
    ttlSeconds: settings.jwtTtlSeconds ?? 24 * 3600,
  });
  const rateLimiter = new TokenRateLimiter(deps.db, deps.log, settings.rateLimitFlushMs ?? 250);
  deps.shutdownSignal?.addEventListener('abort', () => rateLimiter.stop(), { once: true });
  const authenticator = new Authenticator({
    db: deps.db,
    adminKey: deps.adminKey,
    loginTokens,
    loginThrottle,
    rateLimiter,
    defaultTokenRateLimit: settings.tokenRateLimitPerMinute ?? 6_000,
  });
  const lookup = new AccountLookup(deps.db, deps.topology.partitions);
  const maxMediaBytes = deps.maxMediaBytes ?? 64 * 1_048_576;

  app.use(requestContext(deps.log));
  if (deps.metrics) app.use(requestMetrics(deps.metrics));
  const limitFor = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError('payload_too_large', `the body is larger than ${maxSize} bytes`);
      },
    });
  const apiBodyLimit = limitFor(deps.maxBodyBytes);
  const mediaBodyLimit = limitFor(maxMediaBytes);
  app.use('/api/*', (c, next) => {
    const limit =
      c.req.method === 'POST' && MEDIA_UPLOAD_PATH.test(c.req.path) ? mediaBodyLimit : apiBodyLimit;
    // A declared length is checked from the header alone: hono's bodyLimit would first build the
    // full Request object (to look at its body), which costs more than the rest of a send.
    const length = c.req.header('content-length');
    if (length !== undefined && !c.req.header('transfer-encoding')) {
      const maxSize = limit === mediaBodyLimit ? maxMediaBytes : deps.maxBodyBytes;
      if (Number(length) > maxSize)
        throw new ApiError('payload_too_large', `the body is larger than ${maxSize} bytes`);
      return next();
    }
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    return limit(c, next);
  });
  app.use('/api/*', refuseNul());
  app.onError((error, c) => {
    if (error instanceof HTTPException && error.status < 500) {
      const code = STATUS_CODES[error.status] ?? 'invalid_request';
      return c.json(errorBody(c, code, error.message || 'the request is invalid'), error.status);
    }
    return respondWithError(error, c);
  });
  app.notFound((c) => c.json(errorBody(c, 'not_found', `no route for ${c.req.method} ${c.req.path}`), 404));

  const requireCredentials = authenticator.middleware();
  app.use(
    '/api/*',
    createMiddleware<GatewayEnv>(async (c, next) => {
      if (PUBLIC_PATHS.has(c.req.path)) return next();
      return requireCredentials(c, next);
    }),
  );
  for (const path of ['/api/v1/sessions/:id', '/api/v1/sessions/:id/*']) app.use(path, sessionScope('id'));
  app.use('/api/v1/webhooks/:webhook_id/*', webhookScope(deps));
  for (const path of [
    '/api/v1/user/phones/:phone',
    '/api/v1/user/phones/:phone/*',
    '/api/v1/user/contacts/:phone{\\+?[0-9]+}',
  ]) {
    app.use(path, sessionScope('phone'));
  }
  app.use('/api/*', idempotency(deps.db, settings.idempotencyTtlMs ?? 24 * 3_600_000));
  app.route('/', healthRoutes(deps));
  // Meta calls these with no API key: they verify Meta's signature instead (outside /api/*).
  app.route('/', metaWebhookRoutes(deps));
  app.route(
    '/',
    authRoutes({
      db: deps.db,
      authenticator,
      loginTokens,
      loginThrottle,
      defaultUsername: settings.defaultUsername ?? 'admin',
      secureCookie: settings.secureCookie ?? false,
    }),
  );
  app.route('/', sessionRoutes(deps, lookup));
  app.route('/', messageRoutes(deps, lookup));
  app.route('/', mediaRoutes(deps, lookup));
  app.route('/', contactRoutes(deps, lookup));
  app.route('/', groupRoutes(deps, lookup));
  app.route('/', chatRoutes(deps, lookup));
  app.route('/', profileRoutes(deps, lookup));
  app.route('/', privacyRoutes(deps, lookup));
  app.route('/', webhookRoutes(deps, lookup));
  app.route('/', webhookDeliveryRoutes(deps));
  app.route('/', accountRoutes(deps, lookup));
  app.route('/', eventRoutes(deps, lookup, deps.shutdownSignal));
  app.route('/', userPhoneRoutes(deps, lookup));

  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'The admin API key or an API token.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'The admin API key, an API token, or a login JWT.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'basic', {
    type: 'http',
    scheme: 'basic',
    description: 'A user name and password.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'cookie', {
    type: 'apiKey',
    in: 'cookie',
    name: 'wagate_token',
    description: 'The login JWT as the dashboard keeps it.',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'wagate API',
      version: '1.0.0',
      description:
        'One HTTP API and one event stream for many WhatsApp accounts (web sessions and Cloud API). Errors are `{ "error": { "code", "message", "details"? }, "request_id" }`.',
      license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
    },
    servers: [{ url: '/', description: 'This gateway' }],
    security: [{ apiKey: [] }, { bearer: [] }, { basic: [] }, { cookie: [] }],
  });
  app.get('/docs', swaggerUI({ url: '/openapi.json' }));
  return app;
}
