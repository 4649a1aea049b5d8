import { describe, expect } from 'vitest';
import { openWindow, PHONE_NUMBER_ID, sendText, statusesIn, test, USER } from '../test-fixtures';
import { META_ERROR_CATALOG } from './catalog';
import { MetaErrorBody } from './graph-error';

describe('error injection', () => {
  test('answers the next N requests with the code’s body and HTTP status, then behaves again', async ({
    fake,
    graph,
  }) => {
    openWindow(fake);
    fake.injectError({ code: 131000, times: 2 });
    const answers = [];
    for (let i = 0; i < 3; i += 1) answers.push(await sendText(graph));
    expect(answers.map((answer) => answer.statusCode)).toEqual([500, 500, 200]);
    expect(MetaErrorBody.parse(answers[0]!.body).error).toEqual({
      message: '(#131000) Something went wrong',
      type: 'OAuthException',
      code: 131000,
      error_data: {
        messaging_product: 'whatsapp',
        details: 'Message failed to send due to an unknown error.',
      },
      fbtrace_id: expect.stringMatching(/^A[\w-]{22}$/),
    });
  });

  const CODES: Array<[number, number]> = [
    [2, 503],
    [4, 429],
    [80007, 429],
    [130429, 429],
    [131056, 400],
    [131048, 400],
    [368, 403],
    [131031, 403],
    [131057, 500],
    [133010, 400],
  ];
  test.for(CODES)('injects code %i with HTTP %i', async ([code, httpStatus], { fake, graph }) => {
    fake.injectError({ code });
    const response = await sendText(graph);
    expect(response.statusCode).toBe(httpStatus);
    const { error } = MetaErrorBody.parse(response.body);
    expect(error.code).toBe(code);
    expect(error.message).toBe(`(#${code}) ${META_ERROR_CATALOG[code]?.title}`);
  });

  test('injects 190 as Meta’s expired-token body', async ({ fake, graph }) => {
    fake.injectError({ code: 190 });
    const response = await sendText(graph);
    expect(response.statusCode).toBe(401);
    expect(MetaErrorBody.parse(response.body).error).toMatchObject({ code: 190, error_subcode: 463 });
  });

  test('matches a recipient by digits and fails only their message by webhook when asked', async ({
    fake,
    graph,
    receiver,
  }) => {
    fake.setCustomerServiceWindow({ enforced: false });
    fake.setRecipientBehavior('16505550001', { delivers: false });
    fake.injectError({
      code: 131049,
      match: { recipient: '+1 (650) 555-0001' },
      details: 'Healthy ecosystem.',
    });
    const other = await sendText(graph, USER);
    const target = await sendText(graph, '16505550001');
    expect([other.statusCode, target.statusCode]).toEqual([200, 200]);
    await fake.waitForWebhooks();
    const failed = statusesIn(receiver.received()).filter((status) => status.status === 'failed');
    expect(failed).toMatchObject([
      {
        recipient_id: '16505550001',
        errors: [{ code: 131049, error_data: { details: 'Healthy ecosystem.' } }],
      },
    ]);
  });

  test('keeps a webhook failure for the next accepted send, not for a refused request', async ({
    fake,
    graph,
    receiver,
  }) => {
    openWindow(fake);
    fake.setRecipientBehavior(USER, { delivers: false });
    fake.injectError({ code: 131052 });
    const refused = await graph.post(`${PHONE_NUMBER_ID}/messages`, {
      json: { messaging_product: 'whatsapp', to: USER, type: 'image', image: {} },
    });
    expect(MetaErrorBody.parse(refused.body).error.code).toBe(131008);
    expect((await sendText(graph)).statusCode).toBe(200);
    await fake.waitForWebhooks();
    const [status] = statusesIn(receiver.received());
    expect(status).toMatchObject({
      status: 'failed',
      errors: [{ code: 131052, title: 'Media download error' }],
    });
  });

  test('overrides the HTTP status and details, targets one operation, and lasts until cleared', async ({
    fake,
    graph,
  }) => {
    openWindow(fake);
    fake.injectError({
      code: 131016,
      httpStatus: 502,
      details: 'Try later.',
      times: 'always',
      match: { operation: 'get_phone_number' },
    });
    expect((await sendText(graph)).statusCode).toBe(200);
    for (let i = 0; i < 2; i += 1) {
      const response = await graph.get(PHONE_NUMBER_ID);
      expect(response.statusCode).toBe(502);
      expect(MetaErrorBody.parse(response.body).error.error_data?.details).toBe('Try later.');
    }
    fake.clearInjectedErrors();
    expect((await graph.get(PHONE_NUMBER_ID)).statusCode).toBe(200);
  });

  test('removes one injection by id', async ({ fake, graph }) => {
    openWindow(fake);
    const id = fake.injectError({ code: 131000, times: 'always' });
    fake.removeInjectedError(id);
    expect((await sendText(graph)).statusCode).toBe(200);
  });
});
