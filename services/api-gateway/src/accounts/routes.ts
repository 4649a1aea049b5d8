import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { AccountId, AccountStatus } from '@wagate/contracts';
import type { SecretBox } from '@wagate/db';
import { requireUnscoped } from '../auth/principal';
import { errors, json, jsonBody } from '../http/openapi';
import { QueryBoolean } from '../http/paging';
import type { GatewayEnv } from '../http/request-context';
import type { GatewayRouteDeps } from '../http/route-deps';
import type { AccountLookup } from '../sessions/account-lookup';
import { AccountAdmin, type AdminAccount, type CloudCredentialsInput, shownSecret } from './account-admin';

const tags = ['Accounts'];
const workerErrors = [502, 503, 504] as const;
const PhoneNumber = z.string().trim().min(3).max(32).openapi({ example: '+1234567890' });
const AccountIdParam = AccountId.meta({ param: { name: 'id', in: 'path' }, example: 'business-account' });

const CloudSettings = z
  .object({
    phone_number_id: z.string().trim().min(1).max(64),
    access_token: z.string().trim().min(1).max(4096),
    business_account_id: z.string().trim().min(1).max(64).nullable().optional(),
    api_version: z
      .string()
      .regex(/^v\d{1,3}\.\d{1,2}$/, 'must look like v21.0')
      .optional(),
    verify_token: z.string().min(1).max(256).nullable().optional(),
    app_secret: z.string().min(1).max(256).nullable().optional(),
  })
  .openapi('CloudSettings');

const AccountView = z
  .object({
    id: z.string(),
    type: z.enum(['web', 'cloud']),
    name: z.string().nullable(),
    phone_number: z.string().nullable(),
    status: AccountStatus,
    session_status: z.string(),
    disabled: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
    cloud: z
      .object({
        phone_number_id: z.string(),
        business_account_id: z.string().nullable(),
        api_version: z.string(),
        access_token: z.string().openapi({ description: 'Masked' }),
        verify_token: z.string().nullable().openapi({ description: 'Masked' }),
        display_phone_number: z.string().nullable(),
        verified_name: z.string().nullable(),
        quality_rating: z.string().nullable(),
        messaging_limit: z.string().nullable(),
        last_checked_at: z.string().nullable(),
      })
      .nullable(),
  })
  .openapi('Account');

function accountView({ account, cloud }: AdminAccount, box: SecretBox): z.infer<typeof AccountView> {
  const open = (sealed: string) => box.open(sealed);
  return {
    id: account.id,
    type: account.kind,
    name: account.name,
    phone_number: account.phoneNumber,
    status: account.status,
    session_status: account.sessionStatus,
    disabled: account.disabled,
    created_at: account.createdAt.toISOString(),
    updated_at: account.updatedAt.toISOString(),
    cloud: cloud
      ? {
          phone_number_id: cloud.phoneNumberId,
          business_account_id: cloud.businessAccountId,
          api_version: cloud.apiVersion,
          access_token: shownSecret(cloud.accessTokenCiphertext, open) ?? '',
          verify_token: shownSecret(cloud.verifyTokenCiphertext, open),
          display_phone_number: cloud.displayPhoneNumber,
          verified_name: cloud.verifiedName,
          quality_rating: cloud.qualityRating,
          messaging_limit: cloud.messagingLimit,
          last_checked_at: cloud.lastCheckedAt?.toISOString() ?? null,
        }
      : null,
  };
}

/** Seed 001's account item, with seed 000's fields beside it so clients of either find theirs. */
const CompatAccount = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    type: z.enum(['whatsmeow', 'business-api']),
    phone_number: z.string().nullable(),
    phone_number_id: z.string().nullable(),
    business_account_id: z.string().nullable(),
    access_token: z.string().nullable().openapi({ description: 'Masked' }),
    webhook_verify_token: z.string().nullable().openapi({ description: 'Masked' }),
    status: AccountStatus,
    disabled: z.boolean(),
    quality_rating: z.string().nullable(),
    messaging_limit: z.string().nullable(),
    created_at: z.string(),
    business_api: z
      .object({
        phone_number_id: z.string(),
        access_token: z.string(),
        business_account_id: z.string().nullable(),
        api_version: z.string(),
        verify_token: z.string().nullable(),
      })
      .nullable(),
  })
  .openapi('CompatAccount');

function compatAccount(entry: AdminAccount, box: SecretBox): z.infer<typeof CompatAccount> {
  const view = accountView(entry, box);
  const cloud = view.cloud;
  return {
    id: view.id,
    name: view.name,
    type: view.type === 'cloud' ? 'business-api' : 'whatsmeow',
    phone_number: view.phone_number,
    phone_number_id: cloud?.phone_number_id ?? null,
    business_account_id: cloud?.business_account_id ?? null,
    access_token: cloud?.access_token ?? null,
    webhook_verify_token: cloud?.verify_token ?? null,
    status: view.status,
    disabled: view.disabled,
    quality_rating: cloud?.quality_rating ?? null,
    messaging_limit: cloud?.messaging_limit ?? null,
    created_at: view.created_at,
    business_api: cloud
      ? {
          phone_number_id: cloud.phone_number_id,
          access_token: cloud.access_token,
          business_account_id: cloud.business_account_id,
          api_version: cloud.api_version,
          verify_token: cloud.verify_token,
        }
      : null,
  };
}

const cloudInput = (
  settings: Partial<z.infer<typeof CloudSettings>> | undefined,
): CloudCredentialsInput | undefined =>
  settings && {
    ...(settings.phone_number_id !== undefined ? { phoneNumberId: settings.phone_number_id } : {}),
    ...(settings.access_token !== undefined ? { accessToken: settings.access_token } : {}),
    ...(settings.business_account_id !== undefined
      ? { businessAccountId: settings.business_account_id }
      : {}),
    ...(settings.api_version !== undefined ? { apiVersion: settings.api_version } : {}),
    ...(settings.verify_token !== undefined ? { verifyToken: settings.verify_token } : {}),
    ...(settings.app_secret !== undefined ? { appSecret: settings.app_secret } : {}),
  };

const TestResult = z
  .object({
    connected: z.boolean(),
    phone_number: z.string().nullable(),
    display_phone_number: z.string().nullable(),
    verified_name: z.string().nullable(),
    quality_rating: z.string().nullable(),
    messaging_limit: z.string().nullable(),
    status: AccountStatus,
    error: z.object({ code: z.union([z.number(), z.string()]), message: z.string() }).optional(),
  })
  .openapi('AccountTest');

// Native routes.
const nativeList = createRoute({
  method: 'get',
  path: '/api/v1/accounts',
  tags,
  summary: 'List accounts',
  description: 'Every account, web and cloud, with its admin status (secrets masked).',
  responses: {
    200: json(z.object({ accounts: z.array(AccountView), total: z.number().int() }), 'The accounts.'),
    ...errors(401, 403),
  },
});
const nativeCreate = createRoute({
  method: 'post',
  path: '/api/v1/accounts',
  tags,
  summary: 'Create an account',
  description:
    'A web account (it starts connecting unless disabled) or a cloud account with its Business API settings.',
  request: {
    body: jsonBody(
      z
        .object({
          id: AccountId.optional(),
          type: z.enum(['web', 'cloud']),
          name: z.string().trim().min(1).max(128).optional(),
          phone_number: PhoneNumber.optional(),
          disabled: z.boolean().optional(),
          cloud: CloudSettings.optional(),
        })
        .openapi('CreateAccount'),
    ),
  },
  responses: { 201: json(AccountView, 'The account.'), ...errors(400, 401, 403, 409, 503) },
});
const nativeGet = createRoute({
  method: 'get',
  path: '/api/v1/accounts/{id}',
  tags,
  summary: 'Get an account',
  request: { params: z.object({ id: AccountIdParam }) },
  responses: { 200: json(AccountView, 'The account.'), ...errors(400, 401, 403, 404) },
});
const nativeUpdate = createRoute({
  method: 'patch',
  path: '/api/v1/accounts/{id}',
  tags,
  summary: 'Update an account',
  description: 'An enabled web account reconnects with the new settings (seed 000).',
  request: {
    params: z.object({ id: AccountIdParam }),
    body: jsonBody(
      z
        .object({
          name: z.string().trim().min(1).max(128).nullable().optional(),
          phone_number: PhoneNumber.nullable().optional(),
          disabled: z.boolean().optional(),
          cloud: CloudSettings.partial().optional(),
        })
        .openapi('UpdateAccount'),
    ),
  },
  responses: { 200: json(AccountView, 'The account.'), ...errors(400, 401, 403, 404, 409, ...workerErrors) },
});
const nativeToggle = (action: 'disable' | 'enable') =>
  createRoute({
    method: 'post',
    path: `/api/v1/accounts/{id}/${action}`,
    tags,
    summary: action === 'disable' ? 'Disable an account' : 'Enable an account',
    description:
      action === 'disable'
        ? 'Disconnects now; the account stays offline across restarts until enabled.'
        : 'Connects now and on every restart.',
    request: { params: z.object({ id: AccountIdParam }) },
    responses: { 200: json(AccountView, 'The account.'), ...errors(400, 401, 403, 404, ...workerErrors) },
  });
const nativeDelete = createRoute({
  method: 'delete',
  path: '/api/v1/accounts/{id}',
  tags,
  summary: 'Remove an account',
  description:
    'Stops and removes the account. A web session’s stored credentials are kept unless `delete_session_data=true` (seed 000).',
  request: {
    params: z.object({ id: AccountIdParam }),
    query: z.object({ delete_session_data: QueryBoolean.optional() }),
  },
  responses: {
    200: json(z.object({ success: z.literal(true) }), 'Removed.'),
    ...errors(400, 401, 403, 404, ...workerErrors),
  },
});
const nativeTest = createRoute({
  method: 'post',
  path: '/api/v1/accounts/{id}/test',
  tags,
  summary: 'Test an account',
  description:
    'A cloud account is checked with Meta (connected, display number, verified name, quality rating, messaging limit); a web account reports its session.',
  request: { params: z.object({ id: AccountIdParam }) },
  responses: {
    200: json(TestResult, 'What Meta (or the session) says.'),
    ...errors(400, 401, 403, 404, ...workerErrors),
  },
});

// Seed 000 (WhatsHooked) action endpoints.
const Seed000Account = z
  .object({
    id: AccountId,
    type: z.enum(['whatsmeow', 'business-api']),
    phone_number: PhoneNumber.optional(),
    session_path: z
      .string()
      .max(1024)
      .optional()
      .openapi({ description: 'Accepted and ignored: sessions live in PostgreSQL' }),
    show_qr: z
      .boolean()
      .optional()
      .openapi({ description: 'Accepted and ignored: QR codes come from the API' }),
    disabled: z.boolean().optional(),
    business_api: CloudSettings.omit({ app_secret: true }).partial({ access_token: true }).optional(),
  })
  .openapi('Seed000Account');
const Seed000Ok = z.object({ status: z.literal('ok'), account_id: z.string().optional() });
const Seed000Id = jsonBody(z.object({ id: AccountId }).openapi('Seed000AccountId'));

const seedAdd = createRoute({
  method: 'post',
  path: '/api/accounts/add',
  tags: ['Accounts (seed 000)'],
  summary: 'Add an account',
  request: { body: jsonBody(Seed000Account) },
  responses: { 201: json(Seed000Ok, 'Added.'), ...errors(400, 401, 403, 409, 503) },
});
const seedUpdate = (method: 'post' | 'put') =>
  createRoute({
    method,
    path: '/api/accounts/update',
    tags: ['Accounts (seed 000)'],
    summary: 'Update an account',
    description: '`type` cannot change; an enabled account reconnects with the new settings.',
    request: { body: jsonBody(Seed000Account.partial({ type: true })) },
    responses: { 200: json(Seed000Ok, 'Updated.'), ...errors(400, 401, 403, 404, 409, ...workerErrors) },
  });
const seedToggle = (action: 'disable' | 'enable') =>
  createRoute({
    method: 'post',
    path: `/api/accounts/${action}`,
    tags: ['Accounts (seed 000)'],
    summary: action === 'disable' ? 'Disable an account' : 'Enable an account',
    request: { body: Seed000Id },
    responses: { 200: json(Seed000Ok, 'Done.'), ...errors(400, 401, 403, 404, ...workerErrors) },
  });
const seedRemove = (method: 'post' | 'delete') =>
  createRoute({
    method,
    path: '/api/accounts/remove',
    tags: ['Accounts (seed 000)'],
    summary: 'Remove an account',
    description: 'Session data is kept (seed 000).',
    request: { body: Seed000Id },
    responses: {
      200: json(z.object({ status: z.literal('ok') }), 'Removed.'),
      ...errors(400, 401, 403, 404, ...workerErrors),
    },
  });

// Seed 001 (Whatomate) REST endpoints.
const Seed001Envelope = <S extends z.ZodType>(data: S) => z.object({ status: z.literal('success'), data });
const seedList = createRoute({
  method: 'get',
  path: '/api/accounts',
  tags: ['Accounts (seeds 000, 001)'],
  summary: 'List accounts',
  description: 'Seed 001’s shape; each item also carries seed 000’s fields (see docs/compat.md).',
  responses: {
    200: json(Seed001Envelope(z.object({ items: z.array(CompatAccount) })), 'The accounts.'),
    ...errors(401, 403),
  },
});
const seedCreate = createRoute({
  method: 'post',
  path: '/api/accounts',
  tags: ['Accounts (seed 001)'],
  summary: 'Connect a Business API account',
  request: {
    body: jsonBody(
      z
        .object({
          name: z.string().trim().min(1).max(128),
          phone_number_id: z.string().trim().min(1).max(64),
          business_account_id: z.string().trim().min(1).max(64).optional(),
          access_token: z.string().trim().min(1).max(4096),
          webhook_verify_token: z.string().min(1).max(256).optional(),
          phone_number: PhoneNumber.optional(),
          app_secret: z.string().min(1).max(256).optional(),
        })
        .openapi('Seed001CreateAccount'),
    ),
  },
  responses: {
    201: json(Seed001Envelope(CompatAccount), 'Created (status pending until tested).'),
    ...errors(400, 401, 403, 409),
  },
});
const seedGet = createRoute({
  method: 'get',
  path: '/api/accounts/{id}',
  tags: ['Accounts (seed 001)'],
  summary: 'Get an account',
  request: { params: z.object({ id: AccountIdParam }) },
  responses: { 200: json(Seed001Envelope(CompatAccount), 'The account.'), ...errors(400, 401, 403, 404) },
});
const seedPut = createRoute({
  method: 'put',
  path: '/api/accounts/{id}',
  tags: ['Accounts (seed 001)'],
  summary: 'Update an account',
  request: {
    params: z.object({ id: AccountIdParam }),
    body: jsonBody(
      z
        .object({
          name: z.string().trim().min(1).max(128).optional(),
          phone_number: PhoneNumber.optional(),
          phone_number_id: z.string().trim().min(1).max(64).optional(),
          business_account_id: z.string().trim().min(1).max(64).optional(),
          access_token: z.string().trim().min(1).max(4096).optional(),
          webhook_verify_token: z.string().min(1).max(256).optional(),
        })
        .openapi('Seed001UpdateAccount'),
    ),
  },
  responses: {
    200: json(Seed001Envelope(CompatAccount), 'The account.'),
    ...errors(400, 401, 403, 404, 409, ...workerErrors),
  },
});
const seedDelete = createRoute({
  method: 'delete',
  path: '/api/accounts/{id}',
  tags: ['Accounts (seed 001)'],
  summary: 'Remove an account',
  request: { params: z.object({ id: AccountIdParam }) },
  responses: {
    200: json(Seed001Envelope(z.null()), 'Removed.'),
    ...errors(400, 401, 403, 404, ...workerErrors),
  },
});
const seedTest = createRoute({
  method: 'post',
  path: '/api/accounts/{id}/test',
  tags: ['Accounts (seed 001)'],
  summary: 'Test the connection with Meta',
  request: { params: z.object({ id: AccountIdParam }) },
  responses: {
    200: json(Seed001Envelope(TestResult), 'What Meta says.'),
    ...errors(400, 401, 403, 404, ...workerErrors),
  },
});

/**
 * Accounts administration in three shapes over one `AccountAdmin`: native `/api/v1/accounts`,
 * seed 000's action endpoints (`/api/accounts/add|update|disable|enable|remove`) and seed 001's
 * REST (`/api/accounts`, `/api/accounts/{id}`, `/api/accounts/{id}/test`). Scoped tokens get 403.
 *
 * @example
 * app.route('/', accountRoutes(deps, lookup));
 */
export function accountRoutes(deps: GatewayRouteDeps, lookup: AccountLookup) {
  const admin = new AccountAdmin(deps, lookup);
  const box = deps.secretBox;
  const app = new OpenAPIHono<GatewayEnv>();
  // Before any body is read: administering accounts is no business of a token scoped to sessions.
  for (const path of ['/api/v1/accounts', '/api/v1/accounts/*', '/api/accounts', '/api/accounts/*']) {
    app.use(path, async (c, next) => {
      requireUnscoped(c.get('principal'), 'administer accounts');
      await next();
    });
  }

  app.openapi(nativeList, async (c) => {
    const entries = await admin.list();
    return c.json({ accounts: entries.map((entry) => accountView(entry, box)), total: entries.length }, 200);
  });
  app.openapi(nativeCreate, async (c) => {
    const body = c.req.valid('json');
    const created = await admin.create({
      id: body.id,
      kind: body.type,
      name: body.name,
      phoneNumber: body.phone_number,
      disabled: body.disabled,
      cloud: cloudInput(body.cloud),
    });
    return c.json(accountView(created, box), 201);
  });
  app.openapi(nativeGet, async (c) =>
    c.json(accountView(await admin.get(c.req.valid('param').id), box), 200),
  );
  app.openapi(nativeUpdate, async (c) => {
    const body = c.req.valid('json');
    const updated = await admin.update(c.req.valid('param').id, {
      name: body.name,
      phoneNumber: body.phone_number,
      disabled: body.disabled,
      cloud: cloudInput(body.cloud),
    });
    return c.json(accountView(updated, box), 200);
  });
  for (const action of ['disable', 'enable'] as const) {
    app.openapi(nativeToggle(action), async (c) =>
      c.json(
        accountView(
          await admin.setDisabled(c.req.valid('param').id, action === 'disable', c.get('log')),
          box,
        ),
        200,
      ),
    );
  }
  app.openapi(nativeDelete, async (c) => {
    await admin.remove(
      c.req.valid('param').id,
      { deleteSessionData: c.req.valid('query').delete_session_data },
      c.get('log'),
    );
    return c.json({ success: true as const }, 200);
  });
  app.openapi(nativeTest, async (c) => c.json(await admin.test(c.req.valid('param').id), 200));

  app.openapi(seedAdd, async (c) => {
    const body = c.req.valid('json');
    const created = await admin.create({
      id: body.id,
      kind: body.type === 'business-api' ? 'cloud' : 'web',
      phoneNumber: body.phone_number,
      disabled: body.disabled,
      cloud: cloudInput(body.business_api),
    });
    return c.json({ status: 'ok' as const, account_id: created.account.id }, 201);
  });
  for (const method of ['post', 'put'] as const) {
    app.openapi(seedUpdate(method), async (c) => {
      const body = c.req.valid('json');
      const updated = await admin.update(body.id, {
        phoneNumber: body.phone_number,
        disabled: body.disabled,
        cloud: cloudInput(body.business_api),
      });
      return c.json({ status: 'ok' as const, account_id: updated.account.id }, 200);
    });
  }
  for (const action of ['disable', 'enable'] as const) {
    app.openapi(seedToggle(action), async (c) => {
      const { id } = c.req.valid('json');
      await admin.setDisabled(id, action === 'disable', c.get('log'));
      return c.json({ status: 'ok' as const, account_id: id }, 200);
    });
  }
  for (const method of ['post', 'delete'] as const) {
    app.openapi(seedRemove(method), async (c) => {
      await admin.remove(c.req.valid('json').id, {}, c.get('log'));
      return c.json({ status: 'ok' as const }, 200);
    });
  }

  app.openapi(seedList, async (c) => {
    const entries = await admin.list();
    return c.json(
      { status: 'success' as const, data: { items: entries.map((entry) => compatAccount(entry, box)) } },
      200,
    );
  });
  app.openapi(seedCreate, async (c) => {
    const body = c.req.valid('json');
    const created = await admin.create({
      idStyle: 'uuid',
      kind: 'cloud',
      name: body.name,
      phoneNumber: body.phone_number,
      cloud: {
        phoneNumberId: body.phone_number_id,
        accessToken: body.access_token,
        businessAccountId: body.business_account_id ?? null,
        verifyToken: body.webhook_verify_token ?? null,
        appSecret: body.app_secret ?? null,
      },
    });
    return c.json({ status: 'success' as const, data: compatAccount(created, box) }, 201);
  });
  app.openapi(seedGet, async (c) =>
    c.json(
      { status: 'success' as const, data: compatAccount(await admin.get(c.req.valid('param').id), box) },
      200,
    ),
  );
  app.openapi(seedPut, async (c) => {
    const body = c.req.valid('json');
    const updated = await admin.update(c.req.valid('param').id, {
      name: body.name,
      phoneNumber: body.phone_number,
      cloud: cloudInput({
        phone_number_id: body.phone_number_id,
        business_account_id: body.business_account_id,
        access_token: body.access_token,
        verify_token: body.webhook_verify_token,
      }),
    });
    return c.json({ status: 'success' as const, data: compatAccount(updated, box) }, 200);
  });
  app.openapi(seedDelete, async (c) => {
    await admin.remove(c.req.valid('param').id, {}, c.get('log'));
    return c.json({ status: 'success' as const, data: null }, 200);
  });
  app.openapi(seedTest, async (c) =>
    c.json({ status: 'success' as const, data: await admin.test(c.req.valid('param').id) }, 200),
  );

  return app;
}
