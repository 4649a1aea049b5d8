import {
  accounts,
  apiTokens,
  type Database,
  idempotencyKeys,
  mediaObjects,
  messages,
  users,
  webhooks,
} from '@wagate/db';
import { describe, expect, test } from '@wagate/testing';
import { commandCount, gatewayUnderTest } from './testing/gateway-under-test';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const HOSTILE = [
  "' OR '1'='1' --",
  '"; DROP TABLE accounts; --',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '$\u{7B}7*7}{{7*7}}',
  'wa.evt.>.*',
  '💥𝕎🀄\u0000\u202e',
  'ﾟ･✿ヾ╲(｡◕‿◕｡)╱✿･ﾟ',
  'a'.repeat(5_000),
];

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  $ref?: string;
  anyOf?: Schema[];
  oneOf?: Schema[];
};

/**
 * A body that breaks its schema everywhere: every property (required ones included) gets a
 * value of the wrong type, or a hostile string where a number, boolean, array or object belongs.
 */
function wrongBody(schema: Schema | undefined, components: Record<string, Schema>, variant: number): unknown {
  const resolved = schema?.$ref ? components[schema.$ref.split('/').pop()!] : schema;
  if (!resolved?.properties) return variant % 2 === 0 ? [HOSTILE[variant % HOSTILE.length]] : 42;
  const body: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(resolved.properties)) {
    const type = Array.isArray(property.type) ? property.type[0] : property.type;
    body[name] = type === 'string' ? { $gt: '' } : HOSTILE[(variant + name.length) % HOSTILE.length];
  }
  return body;
}

/** How many rows each table a request could write holds. */
async function storedCounts(db: Database): Promise<Record<string, number>> {
  const tables = { accounts, apiTokens, idempotencyKeys, mediaObjects, messages, users, webhooks };
  const counts: Record<string, number> = {};
  for (const [name, table] of Object.entries(tables)) counts[name] = await db.$count(table);
  return counts;
}

describe('fuzzing every route', () => {
  test('malformed JSON, wrong types, huge bodies, unicode and injection strings get 4xx, never 5xx, and store nothing', async ({
    nats,
    database,
  }) => {
    await nats.provision();
    const gateway = await gatewayUnderTest(nats, database, { maxBodyBytes: 64 * 1024 });
    try {
      await gateway.call('POST', '/api/v1/sessions', { body: { id: 'demo' } });
      const document = (await gateway.call('GET', '/openapi.json', { auth: null })).body;
      const components: Record<string, Schema> = document.components?.schemas ?? {};
      const before = await storedCounts(database.db);
      const commandsBefore = await commandCount(gateway.bus);
      const answers: Array<{ request: string; status: number }> = [];
      const send = async (
        method: string,
        url: string,
        init: { rawBody?: string; body?: unknown; headers?: Record<string, string> },
      ) => {
        const answer = await gateway.call(method, url, init);
        answers.push({
          request: `${method} ${url.slice(0, 120)} ${JSON.stringify(init.body ?? init.rawBody ?? '').slice(0, 80)}`,
          status: answer.status,
        });
        return answer;
      };

      let operations = 0;
      for (const [path, item] of Object.entries<
        Record<
          string,
          {
            parameters?: Array<{ in: string }>;
            requestBody?: { content?: Record<string, { schema?: Schema }> };
          }
        >
      >(document.paths)) {
        if (path.startsWith('/webhooks/meta/')) continue;
        for (const method of METHODS) {
          const operation = item[method];
          if (!operation) continue;
          operations += 1;
          const upper = method.toUpperCase();
          const real = path.replace(/\{(\w+)\}/g, (_, name: string) =>
            name === 'id' ? 'demo' : name === 'action' ? 'archive' : 'nothing-here',
          );
          const hasParams = path.includes('{');
          for (const [index, hostile] of HOSTILE.entries()) {
            // Hostile path parameters, and hostile query values on reads.
            const url = path.replace(/\{(\w+)\}/g, () => encodeURIComponent(hostile));
            if (hasParams)
              await send(
                upper,
                `${url}?limit=${encodeURIComponent(hostile)}&since=${encodeURIComponent(hostile)}`,
                {},
              );
            const takesQuery = operation.parameters?.some((parameter) => parameter.in === 'query');
            if (method === 'get' && takesQuery && index < 3) {
              const query = [
                'limit=-1',
                `offset=${encodeURIComponent(hostile)}`,
                `refresh=${encodeURIComponent(hostile)}`,
                `format=${encodeURIComponent(hostile)}`,
                // The event stream would stay open with valid filters.
                `types=${encodeURIComponent(hostile)}`,
              ];
              await send(upper, `${real}?${query.join('&')}`, {});
            }
          }
          const jsonSchema = operation.requestBody?.content?.['application/json']?.schema;
          if (!jsonSchema) continue;
          for (const rawBody of [
            '{"to": "6281',
            '{{}}',
            'null',
            '[]',
            '"just a string"',
            '12',
            'true',
            '{"name": "\\u0000"}',
            '\u0000\u0001',
          ]) {
            await send(upper, real, { rawBody, headers: { 'content-type': 'application/json' } });
          }
          if (jsonSchema) {
            for (let variant = 0; variant < 3; variant += 1)
              await send(upper, real, { body: wrongBody(jsonSchema, components, variant) });
          }
          await send(upper, real, {
            rawBody: JSON.stringify({ padding: 'x'.repeat(200 * 1024) }),
            headers: { 'content-type': 'application/json' },
          });
        }
      }
      expect(operations).toBeGreaterThan(80);
      const serverErrors = answers.filter((answer) => answer.status >= 500);
      expect(
        serverErrors,
        serverErrors
          .slice(0, 5)
          .map((answer) => answer.request)
          .join('\n'),
      ).toEqual([]);
      // Every write was refused; reads given hostile filters may answer 200 with nothing found.
      const accepted = answers.filter((answer) => answer.status < 400 && !answer.request.startsWith('GET'));
      expect(accepted.map((answer) => answer.request)).toEqual([]);
      expect(await storedCounts(database.db)).toEqual(before);
      expect(await commandCount(gateway.bus)).toBe(commandsBefore);
      expect(answers.length).toBeGreaterThan(1_000);
    } finally {
      gateway.close();
    }
  }, 240_000);
});
