import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect } from 'vitest';
import { MetaErrorBody } from '../errors/graph-error';
import { PHONE_NUMBER_ID, sendText, test, USER } from '../test-fixtures';
import { PairRateLimiter, ThroughputLimiter } from './rate-limits';

describe('throughput (130429)', () => {
  test('answers 429 with code 130429 once the number’s per-second limit is used up', async ({
    fake,
    graph,
  }) => {
    fake.setCustomerServiceWindow({ enforced: false });
    fake.setThroughputLimit(PHONE_NUMBER_ID, 5);
    const users = Array.from({ length: 6 }, (_, i) => `1650555000${i}`);
    // Sent together so that all six fall in one second even on a slow machine.
    const statuses = (await Promise.all(users.map((user) => sendText(graph, user)))).map((r) => r.statusCode);
    expect(statuses.sort()).toEqual([200, 200, 200, 200, 200, 429]);
    const refused = await sendText(graph, '16505559999');
    expect(MetaErrorBody.parse(refused.body).error).toMatchObject({
      code: 130429,
      message: '(#130429) Rate limit hit',
      type: 'OAuthException',
      error_data: {
        messaging_product: 'whatsapp',
        details: 'Cloud API message throughput has been reached.',
      },
    });
    expect(fake.sentMessages()).toHaveLength(5);
  });

  test('counts the users’ messages too, as Meta counts inbound and outbound', async ({ fake, graph }) => {
    fake.setCustomerServiceWindow({ enforced: false });
    fake.setThroughputLimit(PHONE_NUMBER_ID, 2);
    for (const body of ['a', 'b']) {
      fake.sendInboundMessage({
        phoneNumberId: PHONE_NUMBER_ID,
        from: USER,
        profileName: 'S',
        message: { type: 'text', text: { body } },
      });
    }
    expect((await sendText(graph)).statusCode).toBe(429);
  });
});

describe('pair rate limit (131056)', () => {
  test('allows a burst to one user, then blocks only that user until the borrowed time is repaid', async ({
    fake,
    graph,
  }) => {
    fake.setCustomerServiceWindow({ enforced: false });
    fake.setPairRateLimit({ intervalMs: 400, burst: 3 });
    const burst = [];
    for (let i = 0; i < 4; i += 1) burst.push((await sendText(graph)).statusCode);
    expect(burst).toEqual([200, 200, 200, 400]);
    const refused = await sendText(graph);
    expect(MetaErrorBody.parse(refused.body).error).toMatchObject({
      code: 131056,
      message: '(#131056) (Business Account, Consumer Account) pair rate limit hit',
    });
    expect((await sendText(graph, '16505550001')).statusCode).toBe(200);
    await sleep(1250);
    expect((await sendText(graph)).statusCode).toBe(200);
  });
});

describe('limiters', () => {
  test('ThroughputLimiter frees a slot one second after it was used', () => {
    const limiter = new ThroughputLimiter();
    expect(limiter.tryAcquire('p', 1, 0)).toBe(true);
    expect(limiter.tryAcquire('p', 1, 999)).toBe(false);
    expect(limiter.tryAcquire('p', 1, 1000)).toBe(true);
  });

  test('PairRateLimiter follows Meta’s 6 s rule with bursts of 45 borrowed against the future', () => {
    const limiter = new PairRateLimiter();
    for (let i = 0; i < 45; i += 1) expect(limiter.tryAcquire('pair', i * 100)).toBe(true);
    expect(limiter.tryAcquire('pair', 4500)).toBe(false);
    expect(limiter.tryAcquire('pair', 6000)).toBe(false);
    expect(limiter.tryAcquire('pair', 45 * 6000 - 1)).toBe(false);
    expect(limiter.tryAcquire('pair', 45 * 6000)).toBe(true);
    expect(limiter.tryAcquire('pair', 45 * 6000 + 6000)).toBe(true);
    expect(limiter.tryAcquire('another pair', 4500)).toBe(true);
  });
});
