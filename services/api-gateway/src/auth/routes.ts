import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { AccountId } from '@wagate/contracts';
import {
  type ApiTokenRow,
  ApiTokensRepository,
  type Database,
  type UserRow,
  UsersRepository,
} from '@wagate/db';
import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { ApiError } from '../http/errors';
import { errors, json, jsonBody } from '../http/openapi';
import type { GatewayEnv } from '../http/request-context';
import { newApiToken } from './api-tokens';
import type { Authenticator } from './authenticate';
import type { LoginThrottle } from './login-throttle';
import { LOGIN_COOKIE, type LoginTokens } from './login-tokens';
import { hashPassword, verifyPassword } from './passwords';
import { type Principal, requirePerson } from './principal';

export interface AuthRouteDeps {
  db: Database;
  authenticator: Authenticator;
  loginTokens: LoginTokens;
  loginThrottle: LoginThrottle;
  /** The user that password-only logins (seed 002) and the admin key act as. */
  defaultUsername: string;
  /** Mark the login cookie `Secure` (behind HTTPS). */
  secureCookie: boolean;
}

const Password = z.string().min(1).max(1024);
const NewPassword = z.string().min(8, 'must be at least 8 characters').max(1024);

const Success = z.object({ success: z.literal(true), message: z.string() }).openapi('Success');

const TokenScope = {
  session_ids: z
    .array(AccountId)
    .max(1000)
    .nullable()
    .optional()
    .meta({ description: 'Sessions the token may use; absent or null for every session.' }),
  rate_limit_per_minute: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .nullable()
    .optional()
    .meta({ description: 'Requests per minute; absent or null for the default.' }),
};

const ApiTokenView = z
  .object({
    id: z.string().openapi({ example: 'tok_01JD3X8Q0Y5V6W7Z8A9B0C1D2E' }),
    name: z.string(),
    prefix: z
      .string()
      .openapi({ description: 'First characters of the token, to recognise it', example: 'wag_3fX9aQ2b' }),
    session_ids: z.array(z.string()).nullable(),
    rate_limit_per_minute: z.number().int().nullable(),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
  })
  .openapi('ApiToken');

const CreatedToken = z
  .object({
    token: z.string().openapi({ description: 'The token itself: shown this once, stored only as a hash.' }),
    expiresIn: z.null().openapi({ description: 'Tokens do not expire (seed 002).' }),
    id: z.string(),
    prefix: z.string(),
    session_ids: z.array(z.string()).nullable(),
  })
  .openapi('CreatedToken');

function tokenView(row: ApiTokenRow): z.infer<typeof ApiTokenView> {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    session_ids: row.sessionIds ?? null,
    rate_limit_per_minute: row.rateLimitPerMinute,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
  };
}

const login = createRoute({
  method: 'post',
  path: '/api/v1/auth/login',
  tags: ['Auth'],
  summary: 'Log in',
  description:
    'Checks a password and returns a JWT, also set as the `wagate_token` cookie (seed 002). Without `username`, the default user. Five failures in 15 minutes lock the username (429).',
  security: [],
  request: {
    body: jsonBody(
      z.object({ username: z.string().min(1).max(128).optional(), password: Password }).openapi('Login'),
    ),
  },
  responses: {
    200: json(
      z.object({ token: z.string(), expiresIn: z.number().int(), token_type: z.literal('Bearer') }),
      'The JWT; send it as `Authorization: Bearer` or keep the cookie.',
    ),
    ...errors(400, 401, 429),
  },
});

const logout = createRoute({
  method: 'post',
  path: '/api/v1/auth/logout',
  tags: ['Auth'],
  summary: 'Log out',
  description: 'Revokes the login JWT on every replica and clears the cookie.',
  responses: { 200: json(Success, 'Logged out.'), ...errors(401) },
});

const VerifyAnswer = z.object({ data: z.object({ valid: z.boolean() }) });
const verifyGet = createRoute({
  method: 'get',
  path: '/api/v1/auth/verify',
  tags: ['Auth'],
  summary: 'Verify credentials',
  description: 'Whether `token` (or, without it, the request’s own credentials) is valid (seed 002).',
  security: [],
  request: { query: z.object({ token: z.string().max(4096).optional() }) },
  responses: { 200: json(VerifyAnswer, 'Whether the token is valid.'), ...errors(400) },
});
const verifyPost = createRoute({
  ...verifyGet,
  method: 'post',
  request: {
    body: {
      content: { 'application/json': { schema: z.object({ token: z.string().max(4096).optional() }) } },
      required: false,
    },
  },
});

const changePassword = createRoute({
  method: 'post',
  path: '/api/v1/auth/change-password',
  tags: ['Auth'],
  summary: 'Set or change the password',
  description:
    'Sets the password of the logged-in user (with the admin key: the default user). `oldPassword` is needed once a password is set, except with the admin key. Every login JWT of the user is revoked.',
  request: {
    body: jsonBody(
      z.object({ oldPassword: Password.optional(), newPassword: NewPassword }).openapi('ChangePassword'),
    ),
  },
  responses: { 200: json(Success, 'The password is changed.'), ...errors(400, 401, 403, 409, 429) },
});

const generateToken = createRoute({
  method: 'post',
  path: '/api/v1/auth/generate-token',
  tags: ['Auth'],
  summary: 'Generate a non-expiring token',
  description:
    'Checks the user’s password again and returns a new API token, shown once (seed 002). It can be scoped to sessions.',
  request: {
    body: jsonBody(
      z
        .object({ password: Password, name: z.string().trim().min(1).max(128).optional(), ...TokenScope })
        .openapi('GenerateToken'),
    ),
  },
  responses: { 201: json(CreatedToken, 'The token (shown once).'), ...errors(400, 401, 403, 429) },
});

const createToken = createRoute({
  method: 'post',
  path: '/api/v1/tokens',
  tags: ['Auth'],
  summary: 'Create an API token',
  description: 'A new API token, shown once and stored hashed, optionally scoped to sessions.',
  request: {
    body: jsonBody(
      z.object({ name: z.string().trim().min(1).max(128), ...TokenScope }).openapi('CreateToken'),
    ),
  },
  responses: { 201: json(CreatedToken, 'The token (shown once).'), ...errors(400, 401, 403) },
});

const listTokens = createRoute({
  method: 'get',
  path: '/api/v1/tokens',
  tags: ['Auth'],
  summary: 'List API tokens',
  responses: {
    200: json(
      z.object({ tokens: z.array(ApiTokenView), total: z.number().int() }),
      'Live tokens (never their value).',
    ),
    ...errors(401, 403),
  },
});

const revokeToken = createRoute({
  method: 'delete',
  path: '/api/v1/tokens/{token_id}',
  tags: ['Auth'],
  summary: 'Revoke an API token',
  request: {
    params: z.object({
      token_id: z
        .string()
        .min(1)
        .max(64)
        .meta({ param: { name: 'token_id', in: 'path' } }),
    }),
  },
  responses: { 200: json(Success, 'Revoked.'), ...errors(401, 403, 404) },
});

/**
 * Login, logout, verify, change-password, generate-token (seed 002) and API token management.
 *
 * @example
 * app.route('/', authRoutes(deps));
 */
export function authRoutes(deps: AuthRouteDeps) {
  const users = new UsersRepository(deps.db);
  const tokens = new ApiTokensRepository(deps.db);
  const app = new OpenAPIHono<GatewayEnv>();

  /** The user a principal acts as: a logged-in user, or the default user for the admin key. */
  const userOf = async (principal: Principal): Promise<UserRow> => {
    requirePerson(principal, 'manage passwords or tokens');
    const user =
      principal.kind === 'user' ? await users.get(principal.id) : await users.ensure(deps.defaultUsername);
    if (!user) throw new ApiError('unauthorized', 'the logged-in user no longer exists');
    return user;
  };

  /** Checks a password with brute-force protection; 401 when wrong. */
  const checkPassword = async (user: UserRow | undefined, username: string, password: string) => {
    await deps.loginThrottle.assertOpen(username);
    const ok = user?.passwordHash ? await verifyPassword(password, user.passwordHash) : false;
    if (!ok) {
      await deps.loginThrottle.recordFailure(username);
      throw new ApiError('unauthorized', 'the username or password is wrong');
    }
    await deps.loginThrottle.recordSuccess(username);
  };

  const issueToken = async (
    c: Context<GatewayEnv>,
    input: { name: string; userId: string | null; sessionIds?: string[] | null; rateLimit?: number | null },
  ) => {
    const principal = c.get('principal');
    if (principal.kind === 'token') throw new ApiError('forbidden', 'an API token cannot create tokens');
    const { token, hash, prefix } = newApiToken();
    const row = await tokens.create({
      userId: input.userId,
      name: input.name,
      tokenHash: hash,
      prefix,
      sessionIds: input.sessionIds ?? null,
      rateLimitPerMinute: input.rateLimit ?? null,
    });
    c.get('log').info({ token_id: row.id, scoped: row.sessionIds !== null }, 'API token created');
    return { token, expiresIn: null, id: row.id, prefix, session_ids: row.sessionIds ?? null };
  };

  app.openapi(login, async (c) => {
    const body = c.req.valid('json');
    const username = body.username ?? deps.defaultUsername;
    const user = body.username ? await users.byUsername(username) : await users.ensure(username);
    await checkPassword(user, username, body.password);
    const issued = await deps.loginTokens.issue(user!.id);
    setCookie(c, LOGIN_COOKIE, issued.token, {
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
      secure: deps.secureCookie,
      maxAge: issued.expiresIn,
    });
    c.get('log').info({ user: user!.id }, 'logged in');
    return c.json({ token: issued.token, expiresIn: issued.expiresIn, token_type: 'Bearer' as const }, 200);
  });

  app.openapi(logout, async (c) => {
    const principal = c.get('principal');
    if (principal.kind === 'user' && principal.loginSessionId)
      await deps.loginTokens.revoke(principal.loginSessionId);
    deleteCookie(c, LOGIN_COOKIE, { path: '/' });
    return c.json({ success: true as const, message: 'Logged out' }, 200);
  });

  const verifyCredential = async (c: Context<GatewayEnv>, token: string | undefined) => {
    if (token) return deps.authenticator.isValidCredential(token);
    try {
      return (await deps.authenticator.principalOf(c)) !== undefined;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'unauthorized') return false;
      throw error;
    }
  };
  app.openapi(verifyGet, async (c) =>
    c.json({ data: { valid: await verifyCredential(c, c.req.valid('query').token) } }, 200),
  );
  app.openapi(verifyPost, async (c) => {
    const body = (c.req.valid('json') ?? {}) as { token?: string };
    return c.json({ data: { valid: await verifyCredential(c, body.token) } }, 200);
  });

  app.openapi(changePassword, async (c) => {
    const principal = c.get('principal');
    const body = c.req.valid('json');
    const user = await userOf(principal);
    if (user.passwordHash && principal.kind !== 'admin') {
      if (!body.oldPassword)
        throw new ApiError('invalid_request', 'oldPassword is required: a password is set');
      await checkPassword(user, user.username, body.oldPassword);
    }
    const changed = await users.setPasswordHash(
      user.id,
      await hashPassword(body.newPassword),
      user.passwordHash,
    );
    if (!changed) throw new ApiError('conflict', 'the password was changed meanwhile; try again');
    await deps.loginTokens.revokeAllOf(user.id);
    c.get('log').info({ user: user.id }, 'password changed');
    return c.json({ success: true as const, message: 'Password changed' }, 200);
  });

  app.openapi(generateToken, async (c) => {
    const body = c.req.valid('json');
    const user = await userOf(c.get('principal'));
    await checkPassword(user, user.username, body.password);
    const created = await issueToken(c, {
      name: body.name ?? 'generated token',
      userId: user.id,
      sessionIds: body.session_ids,
      rateLimit: body.rate_limit_per_minute,
    });
    return c.json(created, 201);
  });

  app.openapi(createToken, async (c) => {
    const body = c.req.valid('json');
    const principal = c.get('principal');
    const created = await issueToken(c, {
      name: body.name,
      userId: principal.kind === 'user' ? principal.id : null,
      sessionIds: body.session_ids,
      rateLimit: body.rate_limit_per_minute,
    });
    return c.json(created, 201);
  });

  app.openapi(listTokens, async (c) => {
    requirePerson(c.get('principal'), 'list tokens');
    const rows = await tokens.list();
    return c.json({ tokens: rows.map(tokenView), total: rows.length }, 200);
  });

  app.openapi(revokeToken, async (c) => {
    requirePerson(c.get('principal'), 'revoke tokens');
    const { token_id } = c.req.valid('param');
    const row = await tokens.get(token_id);
    if (!row || !(await tokens.revoke(token_id)))
      throw new ApiError('not_found', `token "${token_id}" does not exist`);
    deps.authenticator.forgetToken(row.tokenHash);
    return c.json({ success: true as const, message: 'Token revoked' }, 200);
  });

  return app;
}
