import { createConfig, lintFromString } from '@redocly/openapi-core';
import { describe, expect, test } from '@wagate/testing';
import { gatewayUnderTest } from './testing/gateway-under-test';

describe('the OpenAPI document', () => {
  test('is served at /openapi.json, documents every route and passes the Redocly linter', async ({
    nats,
    database,
  }) => {
    const gateway = await gatewayUnderTest(nats, database);
    try {
      const { status, body: document } = await gateway.call('GET', '/openapi.json', { auth: null });
      expect(status).toBe(200);
      expect(document.openapi).toBe('3.1.0');
      const paths = Object.keys(document.paths);
      for (const path of [
        '/api/v1/sessions',
        '/api/v1/sessions/{id}/messages',
        '/api/v1/sessions/{id}/events',
        '/api/v1/auth/login',
        '/api/v1/webhooks',
        '/api/accounts/add',
        '/api/accounts/{id}/test',
        '/api/v1/user/phones/{phone}/message',
        '/api/v1/health/resources',
      ]) {
        expect(paths).toContain(path);
      }
      const config = await createConfig({
        extends: ['recommended'],
        rules: {
          // Operation ids are not part of this API's contract; clients generate from paths.
          'operation-operationId': 'off',
          // Servers are relative: the document describes whichever gateway serves it.
          'no-server-example.com': 'off',
        },
      });
      const problems = await lintFromString({
        source: JSON.stringify(document),
        absoluteRef: 'openapi.json',
        config,
      });
      const errors = problems.filter((problem) => problem.severity === 'error');
      expect(
        errors.map((problem) => `${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer}`),
      ).toEqual([]);
      const docs = await gateway.call('GET', '/docs', { auth: null });
      expect(docs.status).toBe(200);
      expect(String(docs.body)).toContain('swagger');
    } finally {
      gateway.close();
    }
  });
});
