import { ApiTokensRepository, RateLimitCountersRepository, UsersRepository } from '@wagate/db';
import { describe, expect, test, waitFor } from '@wagate/testing';
import { gatewayUnderTest } from '../testing/gateway-under-test';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('authentication', () => {
  test('refuses requests without valid credentials with 401, WWW-Authenticate and a request id', async ({
    nats,
    database,
  }) => {
    const gateway = await gatewayUnderTest(nats, database);
    try {
      const attempts: Array<Record<string, string>> = [
        {},
        { 'x-api-key': 'wrong-key-wrong-key' },
        { authorization: 'Bearer wag_not-a-real-token-at-all' },
        { authorization: 'Token abc' },
      ];
      for (const headers of attempts) {
        const answer = await gateway.call('GET', '/api/v1/sessions', { headers, auth: null });
        expect(answer.status).toBe(401);
        expect(answer.body).toMatchObject({
          error: { code: 'unauthorized' },
          request_id: expect.stringMatching(/^req_/),
        });
        expect(answer.headers.get('www-authenticate')).toContain('Bearer');
        expect(answer.headers.get('x-request-id')).toBe(answer.body.request_id);
      }
      expect(
        (
          await gateway.call('GET', '/api/v1/sessions', {
            headers: { 'x-api-key': gateway.adminKey },
            auth: null,
          })
        ).status,
      ).toBe(200);
      expect((await gateway.call('GET', '/api/v1/health', { auth: null })).body).toMatchObject({
        status: 'ok',
      });
    } finally {
      gateway.close();
    }
  });

  test('seed 002 flow: set a password, log in (JWT as bearer and cookie), verify, change password, log out', async ({
    nats,
    database,
  }) => {
    const gateway = await gatewayUnderTest(nats, database);
    try {
      const set = await gateway.call('POST', '/api/v1/auth/change-password', {
        body: { newPassword: 'first-password' },
      });
      expect(set).toMatchObject({ status: 200, body: { success: true } });
      const stored = await new UsersRepository(database.db).byUsername('admin');
      expect(stored?.passwordHash).toMatch(/^scrypt\$/);
      expect(stored?.passwordHash).not.toContain('first-password');

      const login = await gateway.call('POST', '/api/v1/auth/login', {
        body: { password: 'first-password' },
        auth: null,
      });
      expect(login).toMatchObject({ status: 200, body: { token: expect.any(String), token_type: 'Bearer' } });
      const cookie = login.headers.get('set-cookie')!;
      expect(cookie).toMatch(/^wagate_token=.+HttpOnly/);
      const jwt = login.body.token as string;

      expect((await gateway.call('GET', '/api/v1/sessions', { auth: jwt })).status).toBe(200);
      const byCookie = await gateway.call('GET', '/api/v1/sessions', {
        auth: null,
        headers: { cookie: cookie.split(';')[0]! },
      });
      expect(byCookie.status).toBe(200);
      expect(
        (await gateway.call('POST', '/api/v1/auth/verify', { body: { token: jwt }, auth: null })).body,
      ).toEqual({ data: { valid: true } });
      expect((await gateway.call('GET', '/api/v1/auth/verify', { auth: jwt })).body).toEqual({
        data: { valid: true },
      });
      expect((await gateway.call('GET', '/api/v1/auth/verify', { auth: null })).body).toEqual({
        data: { valid: false },
      });

      const noOld = await gateway.call('POST', '/api/v1/auth/change-password', {
        body: { newPassword: 'second-password' },
        auth: jwt,
      });
      expect(noOld.status).toBe(400);
      const wrongOld = await gateway.call('POST', '/api/v1/auth/change-password', {
        body: { oldPassword: 'nope-nope', newPassword: 'second-password' },
        auth: jwt,
      });
      expect(wrongOld.status).toBe(401);
      const relogin = await gateway.call('POST', '/api/v1/auth/login', {
        body: { username: 'admin', password: 'first-password' },
        auth: null,
      });
      const logout = await gateway.call('POST', '/api/v1/auth/logout', { auth: relogin.body.token });
      expect(logout).toMatchObject({ status: 200, body: { success: true } });
      expect(logout.headers.get('set-cookie')).toMatch(/wagate_token=;/);
      expect((await gateway.call('GET', '/api/v1/sessions', { auth: relogin.body.token })).status).toBe(401);

      const changed = await gateway.call('POST', '/api/v1/auth/change-password', {
        body: { oldPassword: 'first-password', newPassword: 'second-password' },
        auth: jwt,
      });
      expect(changed.status).toBe(200);
      // A password change logs every login out.
      expect((await gateway.call('GET', '/api/v1/sessions', { auth: jwt })).status).toBe(401);
      expect(
        (
          await gateway.call('POST', '/api/v1/auth/login', {
            body: { password: 'second-password' },
            auth: null,
          })
        ).status,
      ).toBe(200);
    } finally {
      gateway.close();
    }
  });

  test('HTTP Basic with a user name and password (seed 000 curl -u)', async ({ nats, database }) => {
    const gateway = await gatewayUnderTest(nats, database);
    try {
      await gateway.call('POST', '/api/v1/auth/change-password', { body: { newPassword: 'basic-password' } });
      const ok = await gateway.call('GET', '/api/accounts', {
        auth: null,
        headers: { authorization: basic('admin', 'basic-password') },
      });
      expect(ok).toMatchObject({ status: 200, body: { status: 'success', data: { items: [] } } });
      const wrong = await gateway.call('GET', '/api/accounts', {
        auth: null,
        headers: { authorization: basic('admin', 'wrong') },
      });
      expect(wrong.status).toBe(401);
      const unknown = await gateway.call('GET', '/api/accounts', {
        auth: null,
        headers: { authorization: basic('nobody', 'x') },
      });
      expect(unknown.status).toBe(401);
    } finally {
      gateway.close();
    }
  });

  test('locks a username after 5 failed logins on every replica, even for the right password', async ({
    nats,
    database,
  }) => {
    const replicaA = await gatewayUnderTest(nats, database);
    const replicaB = await gatewayUnderTest(nats, database, { bus: replicaA.bus });
    try {
      // Both replicas share the admin key in production; the password lives in PostgreSQL.
      await replicaA.call('POST', '/api/v1/auth/change-password', {
        body: { newPassword: 'right-password' },
      });
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const replica = attempt % 2 === 0 ? replicaA : replicaB;
        const failed = await replica.call('POST', '/api/v1/auth/login', {
          body: { password: `wrong-${attempt}` },
          auth: null,
        });
        expect(failed.status).toBe(401);
      }
      const locked = await replicaB.call('POST', '/api/v1/auth/login', {
        body: { password: 'right-password' },
        auth: null,
      });
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      const lockedBasic = await replicaA.call('GET', '/api/v1/sessions', {
        auth: null,
        headers: { authorization: basic('admin', 'right-password') },
      });
      expect(lockedBasic.status).toBe(429);
    } finally {
      replicaA.close();
      replicaB.close();
    }
  });

  test('tokens: shown once, stored hashed, listed without their value, revocable, scoped', async ({
    nats,
    database,
  }) => {
    const gateway = await gatewayUnderTest(nats, database);
    try {
      await gateway.call('POST', '/api/v1/auth/change-password', { body: { newPassword: 'token-password' } });
      const wrong = await gateway.call('POST', '/api/v1/auth/generate-token', { body: { password: 'nope' } });
      expect(wrong.status).toBe(401);
      const generated = await gateway.call('POST', '/api/v1/auth/generate-token', {
        body: { password: 'token-password' },
      });
      expect(generated).toMatchObject({
        status: 201,
        body: { token: expect.stringMatching(/^wag_/), expiresIn: null },
      });
      const token = generated.body.token as string;
      const rows = await new ApiTokensRepository(database.db).list();
      expect(JSON.stringify(rows)).not.toContain(token);
      expect(rows[0]?.tokenHash).toMatch(/^[0-9a-f]{64}$/);

      expect((await gateway.call('GET', '/api/v1/sessions', { auth: token })).status).toBe(200);
      expect(
        (await gateway.call('GET', '/api/v1/sessions', { auth: null, headers: { 'x-api-key': token } }))
          .status,
      ).toBe(200);
      const listed = await gateway.call('GET', '/api/v1/tokens');
      expect(listed.body.tokens).toHaveLength(1);
      expect(JSON.stringify(listed.body)).not.toContain(token);
      // A token manages no tokens.
      expect(
        (await gateway.call('POST', '/api/v1/tokens', { body: { name: 'x' }, auth: token })).status,
      ).toBe(403);

      expect((await gateway.call('DELETE', `/api/v1/tokens/${generated.body.id}`)).status).toBe(200);
      expect((await gateway.call('GET', '/api/v1/sessions', { auth: token })).status).toBe(401);
      expect((await gateway.call('DELETE', `/api/v1/tokens/${generated.body.id}`)).status).toBe(404);

      const scoped = await gateway.call('POST', '/api/v1/tokens', {
        body: { name: 'only a', session_ids: ['a'] },
      });
      expect(scoped).toMatchObject({ status: 201, body: { session_ids: ['a'] } });
      expect(
        (await gateway.call('POST', '/api/v1/sessions', { body: { id: 'b' }, auth: scoped.body.token }))
          .status,
      ).toBe(403);
    } finally {
      gateway.close();
    }
  });

  test('rate limits a token per minute across replicas', async ({ nats, database }) => {
    const replicaA = await gatewayUnderTest(nats, database);
    const replicaB = await gatewayUnderTest(nats, database, { bus: replicaA.bus });
    try {
      // Counts are per minute: start well inside one, so the test never straddles two windows.
      await waitFor(() => Date.now() % 60_000 < 45_000, {
        timeoutMs: 20_000,
        message: 'the start of a minute',
      });
      const created = await replicaA.call('POST', '/api/v1/tokens', {
        body: { name: 'limited', rate_limit_per_minute: 4 },
      });
      const token = created.body.token as string;
      for (let request = 0; request < 4; request += 1) {
        const answer = await replicaA.call('GET', '/api/v1/sessions', { auth: token });
        expect(answer.status).toBe(200);
        expect(answer.headers.get('x-ratelimit-limit')).toBe('4');
      }
      expect((await replicaA.call('GET', '/api/v1/sessions', { auth: token })).status).toBe(429);
      const counters = new RateLimitCountersRepository(database.db);
      const window = Math.floor(Date.now() / 60_000) * 60_000;
      await waitFor(async () => (await counters.get(`token:${created.body.id}`, window)) >= 4, {
        message: 'replica A sharing its count',
      });
      // Replica B never served this token: it learns the shared count from PostgreSQL.
      const limited = await replicaB.call('GET', '/api/v1/sessions', { auth: token });
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      replicaA.close();
      replicaB.close();
    }
  }, 60_000);
});
