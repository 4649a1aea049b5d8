import got from 'got';
import { describe, expect } from 'vitest';
import { MetaErrorBody } from '../errors/graph-error';
import { PHONE_NUMBER_ID, test, USER, WABA_ID } from '../test-fixtures';

describe('GET /{version}/{phone-number-id}', () => {
  test('answers the default fields of the test-connection call', async ({ graph }) => {
    const response = await graph.get(PHONE_NUMBER_ID);
    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({
      id: PHONE_NUMBER_ID,
      display_phone_number: '+1 555-078-3881',
      verified_name: 'Jaspers Market',
      quality_rating: 'GREEN',
    });
  });

  test('projects fields= in the requested order with id last, and reflects changes', async ({
    fake,
    graph,
  }) => {
    fake.updatePhoneNumber(PHONE_NUMBER_ID, { qualityRating: 'YELLOW', messagingLimitTier: 'TIER_10K' });
    const response = await graph.get(PHONE_NUMBER_ID, {
      searchParams: {
        fields:
          'quality_rating,whatsapp_business_manager_messaging_limit,messaging_limit_tier,throughput,verified_name',
      },
      responseType: 'text',
    });
    expect(response.body).toBe(
      `{"quality_rating":"YELLOW","whatsapp_business_manager_messaging_limit":"TIER_10K","messaging_limit_tier":"TIER_10K","throughput":{"level":"STANDARD"},"verified_name":"Jaspers Market","id":"${PHONE_NUMBER_ID}"}`,
    );
    const defaults = await graph.get(PHONE_NUMBER_ID, {
      searchParams: { fields: 'whatsapp_business_manager_messaging_limit' },
    });
    fake.setThroughputLimit(PHONE_NUMBER_ID, 1000);
    const upgraded = await graph.get(PHONE_NUMBER_ID, { searchParams: { fields: 'throughput' } });
    expect(defaults.body).toEqual({
      whatsapp_business_manager_messaging_limit: 'TIER_10K',
      id: PHONE_NUMBER_ID,
    });
    expect(upgraded.body).toEqual({ throughput: { level: 'HIGH' }, id: PHONE_NUMBER_ID });
  });

  test('refuses a field the node does not have with code 100', async ({ graph }) => {
    const response = await graph.get(PHONE_NUMBER_ID, { searchParams: { fields: 'quality_rating,colour' } });
    expect(response.statusCode).toBe(400);
    expect(MetaErrorBody.parse(response.body).error.message).toBe(
      '(#100) Tried accessing nonexisting field (colour) on node type (WhatsAppBusinessPhoneNumber)',
    );
  });
});

describe('GET /{version}/{waba-id}/phone_numbers', () => {
  test('pages with cursors and next/previous links that work', async ({ fake, graph }) => {
    for (const [id, display] of [
      ['106540352242923', '+1 555-078-3882'],
      ['106540352242924', '+1 555-078-3883'],
    ] as const) {
      fake.addPhoneNumber(WABA_ID, {
        phoneNumberId: id,
        displayPhoneNumber: display,
        verifiedName: 'Jaspers Market',
      });
    }
    type Page = {
      data: Array<{ id: string }>;
      paging?: { cursors: { before: string; after: string }; next?: string; previous?: string };
    };
    const first = await graph.get<Page>(`${WABA_ID}/phone_numbers`, { searchParams: { limit: 2 } });
    expect(first.body.data.map((n) => n.id)).toEqual([PHONE_NUMBER_ID, '106540352242923']);
    expect(first.body.data[0]).toEqual({
      verified_name: 'Jaspers Market',
      code_verification_status: 'VERIFIED',
      display_phone_number: '+1 555-078-3881',
      quality_rating: 'GREEN',
      platform_type: 'CLOUD_API',
      throughput: { level: 'STANDARD' },
      last_onboarded_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/),
      id: PHONE_NUMBER_ID,
    });
    expect(first.body.paging?.previous).toBeUndefined();
    const next = await graph.get<Page>(first.body.paging!.next!, { prefixUrl: '' });
    expect(next.body.data.map((n) => n.id)).toEqual(['106540352242924']);
    expect(next.body.paging?.next).toBeUndefined();
    const after = await graph.get<Page>(`${WABA_ID}/phone_numbers`, {
      searchParams: { limit: 2, after: first.body.paging!.cursors.after },
    });
    expect(after.body.data).toEqual(next.body.data);
    const previous = await graph.get<Page>(next.body.paging!.previous!, { prefixUrl: '' });
    expect(previous.body.data.map((n) => n.id)).toEqual([PHONE_NUMBER_ID, '106540352242923']);
  });

  test('needs a token', async ({ fake }) => {
    const response = await got.get(`${fake.graphUrl()}/${WABA_ID}/phone_numbers`, { throwHttpErrors: false });
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body).error.code).toBe(104);
  });
});

describe('message templates', () => {
  test('lists templates with filters, fields and paging', async ({ fake, graph }) => {
    fake.addTemplate(WABA_ID, { name: 'order_update', language: 'pt_BR', status: 'PENDING' });
    const all = await graph.get<{ data: Array<Record<string, unknown>> }>(`${WABA_ID}/message_templates`);
    expect(all.body.data.map((t) => `${t.name}/${t.language}/${t.status}`)).toEqual([
      'order_update/en_US/APPROVED',
      'spring_sale/en_US/APPROVED',
      'order_update/pt_BR/PENDING',
    ]);
    expect(all.body.data[0]).toEqual({
      name: 'order_update',
      parameter_format: 'POSITIONAL',
      components: [{ type: 'BODY', text: 'Hi {{1}}, your order {{2}} has shipped.' }],
      language: 'en_US',
      status: 'APPROVED',
      category: 'UTILITY',
      id: expect.stringMatching(/^\d+$/),
    });
    const filtered = await graph.get<{ data: unknown[] }>(`${WABA_ID}/message_templates`, {
      searchParams: { name: 'order', status: 'APPROVED', fields: 'name,language' },
    });
    expect(filtered.body.data).toEqual([{ name: 'order_update', language: 'en_US', id: expect.any(String) }]);
    const page = await graph.get<{ data: unknown[]; paging: { next: string } }>(
      `${WABA_ID}/message_templates`,
      {
        searchParams: { limit: 1 },
      },
    );
    expect(page.body.data).toHaveLength(1);
    expect(page.body.paging.next).toContain('after=');
  });

  const send = (template: Record<string, unknown>) => ({
    json: { messaging_product: 'whatsapp', to: USER, type: 'template', template },
  });

  test('refuses unknown, unapproved, paused and disabled templates and wrong parameter counts', async ({
    fake,
    graph,
  }) => {
    const codeOf = async (template: Record<string, unknown>) =>
      MetaErrorBody.parse((await graph.post(`${PHONE_NUMBER_ID}/messages`, send(template))).body).error;

    expect(await codeOf({ name: 'nope', language: { code: 'en_US' } })).toMatchObject({
      code: 132001,
      error_data: { details: 'template name (nope) does not exist in en_US' },
    });
    expect((await codeOf({ name: 'spring_sale', language: { code: 'pt_BR' } })).code).toBe(132001);
    expect(
      await codeOf({
        name: 'order_update',
        language: { code: 'en_US' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'only one' }] }],
      }),
    ).toMatchObject({
      code: 132000,
      error_data: {
        details: 'body: number of localizable_params (1) does not match the expected number of params (2)',
      },
    });
    fake.setTemplateStatus(WABA_ID, 'spring_sale', 'en_US', 'PAUSED');
    expect((await codeOf({ name: 'spring_sale', language: { code: 'en_US' } })).code).toBe(132015);
    fake.setTemplateStatus(WABA_ID, 'spring_sale', 'en_US', 'DISABLED');
    expect((await codeOf({ name: 'spring_sale', language: { code: 'en_US' } })).code).toBe(132016);
    fake.setTemplateStatus(WABA_ID, 'spring_sale', 'en_US', 'REJECTED');
    expect((await codeOf({ name: 'spring_sale', language: { code: 'en_US' } })).code).toBe(132001);
  });
});
