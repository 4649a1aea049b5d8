import { createHash } from 'node:crypto';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { outgoingHeaders } from '@wagate/bus';
import { AccountId } from '@wagate/contracts';
import { CloudAccountsRepository } from '@wagate/db';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { ApiError, errorBody } from '../http/errors';
import { errors, json } from '../http/openapi';
import type { GatewayEnv } from '../http/request-context';
import type { GatewayRouteDeps } from '../http/route-deps';
import { sameSecret, verifyHubSignature } from './signature';

/** Meta sends at most 3 MB per POST; a little more is allowed for headroom. */
const MAX_WEBHOOK_BYTES = 4 * 1_048_576;
/** How long an account's verify token and app secret are reused between requests. */
const SECRETS_CACHE_MS = 10_000;

const tags = ['Meta webhooks'];
const AccountParam = z.object({
  accountId: AccountId.meta({
    description: 'The cloud account whose callback this is',
    example: 'support',
  }),
});

/**
 * The outer shape of every WhatsApp webhook body (CLOUD-API.md); the cloud bridge reads the rest.
 */
const MetaWebhookBody = z
  .looseObject({
    object: z.string().openapi({ example: 'whatsapp_business_account' }),
    entry: z.array(
      z.looseObject({
        id: z.string(),
        changes: z.array(z.looseObject({ field: z.string(), value: z.unknown() })),
      }),
    ),
  })
  .openapi('MetaWebhook');

const verifyWebhook = createRoute({
  method: 'get',
  path: '/webhooks/meta/{accountId}',
  tags,
  summary: "Meta's webhook verification",
  description:
    "Meta's subscription handshake: answers `hub.challenge` as the body when `hub.mode` is `subscribe` and `hub.verify_token` is the account's verify token, 403 otherwise. Set the callback URL of the Meta app to this path.",
  security: [],
  request: {
    params: AccountParam,
    query: z.object({
      'hub.mode': z.string().max(32).optional(),
      'hub.verify_token': z.string().max(512).optional(),
      'hub.challenge': z
        .string()
        .regex(/^[\w.-]{1,256}$/)
        .optional()
        .openapi({ example: '1158201444' }),
    }),
  },
  responses: {
    200: {
      content: { 'text/plain': { schema: z.string() } },
      description: 'The challenge, as Meta expects it.',
    },
    ...errors(400, 403, 404),
  },
});

const receiveWebhook = {
  method: 'post' as const,
  path: '/webhooks/meta/{accountId}',
  tags,
  summary: "Meta's webhook events",
  description:
    "Receives Meta's signed webhook POSTs (messages, statuses) for a cloud account: `X-Hub-Signature-256` must be the HMAC-SHA256 of the raw body under the account's app secret (401 otherwise, and nothing is kept). The body is stored in JetStream and processed by the cloud bridge into `message.received` / `message.ack` events; the answer is 200 at once.",
  security: [],
  request: {
    params: AccountParam,
    headers: z.object({
      'x-hub-signature-256': z
        .string()
        .optional()
        .openapi({ description: 'sha256=<hex HMAC-SHA256 of the raw body, keyed with the app secret>' }),
    }),
    body: { content: { 'application/json': { schema: MetaWebhookBody } }, required: true },
  },
  responses: {
    200: json(z.object({ received: z.literal(true) }), 'Stored; the bridge processes it.'),
    ...errors(400, 401, 404, 413, 503),
  },
};

interface AccountSecrets {
  verifyToken: string | null;
  appSecret: string | null;
}

/**
 * Each cloud account's verify token and app secret, reused for a few seconds so that Meta's bursts
 * cost no query each; a signature that fails with a cached secret is checked once more against the
 * stored one, so a changed secret applies at once.
 */
class WebhookSecrets {
  readonly #cache = new Map<string, { loadedAt: number; secrets: Promise<AccountSecrets | undefined> }>();

  constructor(private readonly accounts: CloudAccountsRepository) {}

  get(accountId: string, fresh = false): Promise<AccountSecrets | undefined> {
    const cached = this.#cache.get(accountId);
    if (!fresh && cached && Date.now() - cached.loadedAt < SECRETS_CACHE_MS) return cached.secrets;
    const secrets = this.accounts
      .credentials(accountId)
      .then((credentials) =>
        credentials ? { verifyToken: credentials.verifyToken, appSecret: credentials.appSecret } : undefined,
      );
    this.#cache.set(accountId, { loadedAt: Date.now(), secrets });
    secrets.catch(() => this.#cache.delete(accountId));
    return secrets;
  }
}

/**
 * Meta's webhook endpoint for cloud accounts, outside `/api/*` authentication (Meta sends no API
 * key; the signature is the authentication): `GET /webhooks/meta/{accountId}` answers the
 * verification handshake with the account's verify token, `POST` checks `X-Hub-Signature-256` over
 * the raw bytes with the account's app secret in constant time, publishes the raw body to
 * `wa.cloud.in.<accountId>` (`WA_CLOUD_INBOUND`, deduplicated by its SHA-256) and answers 200.
 *
 * @example
 * app.route('/', metaWebhookRoutes(deps));
 */
export function metaWebhookRoutes(deps: GatewayRouteDeps) {
  const secrets = new WebhookSecrets(
    new CloudAccountsRepository(deps.db, deps.secretBox, deps.topology.partitions),
  );
  const received = deps.metrics?.counter('wagate_meta_webhooks_total', "Meta's webhook POSTs, by outcome", [
    'outcome',
  ]);
  const app = new OpenAPIHono<GatewayEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        received?.inc({ outcome: 'invalid' });
        const details = result.error.issues.map((issue) => ({
          path: issue.path.join('.'),
          message: issue.message,
        }));
        return c.json(errorBody(c, 'invalid_request', `the ${result.target} is invalid`, details), 400);
      }
    },
  });

  /** Runs before the body is parsed: the signature is checked over the bytes exactly as they came. */
  const requireMetaSignature = createMiddleware<GatewayEnv>(async (c, next) => {
    const accountId = c.req.param('accountId') ?? '';
    const account = AccountId.safeParse(accountId).success ? await secrets.get(accountId) : undefined;
    if (!account) {
      received?.inc({ outcome: 'unknown_account' });
      throw new ApiError('not_found', `cloud account "${accountId}" does not exist`);
    }
    const body = new Uint8Array(await c.req.arrayBuffer());
    const header = c.req.header('x-hub-signature-256');
    const signedWith = (appSecret: string | null | undefined) =>
      typeof appSecret === 'string' && verifyHubSignature(appSecret, body, header);
    if (!signedWith(account.appSecret) && !signedWith((await secrets.get(accountId, true))?.appSecret)) {
      received?.inc({ outcome: 'bad_signature' });
      (c.get('log') ?? deps.log).warn(
        { account: accountId },
        "refused a Meta webhook whose signature does not match the account's app secret",
      );
      throw new ApiError(
        'unauthorized',
        account.appSecret === null
          ? `cloud account "${accountId}" has no app secret to check Meta's signature with`
          : 'X-Hub-Signature-256 does not match the body',
      );
    }
    await next();
  });

  const limitBody = bodyLimit({ maxSize: MAX_WEBHOOK_BYTES, onError: tooLarge });
  app.openapi(
    createRoute({ ...receiveWebhook, middleware: [limitBody, requireMetaSignature] as const }),
    async (c) => {
      const { accountId } = c.req.valid('param');
      const body = new Uint8Array(await c.req.arrayBuffer());
      try {
        await deps.bus.js.publish(deps.topology.cloudInboundSubject(accountId), body, {
          msgID: `meta:${createHash('sha256').update(body).digest('hex')}`,
          headers: outgoingHeaders(),
        });
      } catch (error) {
        received?.inc({ outcome: 'unavailable' });
        (c.get('log') ?? deps.log).error(
          { account: accountId, err: (error as Error).message },
          'could not store a Meta webhook',
        );
        throw new ApiError('unavailable', 'the webhook could not be stored now; Meta retries it', undefined, {
          'Retry-After': '5',
        });
      }
      received?.inc({ outcome: 'accepted' });
      return c.json({ received: true as const }, 200);
    },
  );

  app.openapi(verifyWebhook, async (c) => {
    const { accountId } = c.req.valid('param');
    const query = c.req.valid('query');
    const account = await secrets.get(accountId, true);
    if (!account) throw new ApiError('not_found', `cloud account "${accountId}" does not exist`);
    const challenge = query['hub.challenge'];
    const token = query['hub.verify_token'];
    const verified =
      query['hub.mode'] === 'subscribe' &&
      challenge !== undefined &&
      token !== undefined &&
      account.verifyToken !== null &&
      sameSecret(token, account.verifyToken);
    if (!verified) throw new ApiError('forbidden', 'the verify token does not match this account');
    return c.text(challenge, 200);
  });

  return app;
}

function tooLarge(): never {
  throw new ApiError('payload_too_large', `Meta's webhook bodies are at most ${MAX_WEBHOOK_BYTES} bytes`);
}
