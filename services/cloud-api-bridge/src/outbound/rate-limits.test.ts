import { describe, expect, test, waitFor } from '@wagate/testing';
import { ACCOUNT_ID, PHONE_NUMBER_ID, startBridgeUnderTest, USER } from '../testing/bridge-under-test';

/** Timers and JetStream redelivery may fire a little early by the fake's clock; never by more than this. */
const CLOCK_SLACK_MS = 15;

describe("Meta's rate limits", () => {
  test('131056 backs off only the recipient, 4^X units per refusal, while other recipients proceed', async ({
    nats,
    database,
  }) => {
    const unitMs = 150;
    const bridge = await startBridgeUnderTest({
      nats,
      database,
      env: { CLOUD_PAIR_BACKOFF_UNIT_MS: String(unitMs) },
    });
    try {
      const other = '447700900123';
      bridge.fake.openCustomerServiceWindow(PHONE_NUMBER_ID, other);
      bridge.fake.injectError({
        code: 131056,
        times: 2,
        match: { operation: 'send_message', recipient: USER },
      });
      const busy = await bridge.send({ type: 'text', text: 'to a busy pair' });
      await waitFor(() => bridge.fake.requests('send_message').length >= 1, { message: 'the first attempt' });
      const free = await bridge.send(
        { type: 'text', text: 'to someone else' },
        { to: `${other}@s.whatsapp.net` },
      );

      await bridge.waitForEvent(
        'message.ack',
        (e) => e.data.id === busy.messageId && e.data.status === 'read',
      );
      const requests = bridge.fake.requests('send_message');
      const toBusy = requests.filter((request) => (request.body as { to: string }).to === USER);
      const toFree = requests.filter((request) => (request.body as { to: string }).to === other);
      expect(toBusy.map((request) => request.responseStatus)).toEqual([400, 400, 200]);
      expect(
        toBusy.slice(0, 2).map((request) => (request.responseBody as { error: { code: number } }).error.code),
      ).toEqual([131056, 131056]);
      // Retry X waits unit × 4^X: 150 ms, then 600 ms.
      expect(toBusy[1]!.receivedAt - toBusy[0]!.receivedAt).toBeGreaterThanOrEqual(unitMs - CLOCK_SLACK_MS);
      expect(toBusy[2]!.receivedAt - toBusy[1]!.receivedAt).toBeGreaterThanOrEqual(
        4 * unitMs - CLOCK_SLACK_MS,
      );
      // The other recipient was not held back by the busy pair.
      expect(toFree).toHaveLength(1);
      expect(toFree[0]!.responseStatus).toBe(200);
      expect(toFree[0]!.receivedAt).toBeLessThan(toBusy[2]!.receivedAt);
      await bridge.waitForEvent(
        'message.ack',
        (e) => e.data.id === free.messageId && e.data.status === 'read',
      );
    } finally {
      await bridge.stop();
    }
  });

  test('130429 pauses every send of the number, records the backoff, then resumes', async ({
    nats,
    database,
  }) => {
    const pauseMs = 400;
    const bridge = await startBridgeUnderTest({
      nats,
      database,
      env: { CLOUD_THROUGHPUT_BACKOFF_MS: String(pauseMs) },
    });
    try {
      bridge.fake.injectError({ code: 130429, match: { operation: 'send_message' } });
      const first = await bridge.send({ type: 'text', text: 'one' });
      await waitFor(() => bridge.fake.requests('send_message')[0], { message: 'the throttled request' });
      const second = await bridge.send({ type: 'text', text: 'two' });
      for (const message of [first, second]) {
        await bridge.waitForEvent(
          'message.ack',
          (e) => e.data.id === message.messageId && e.data.status === 'server',
        );
      }
      const [throttled, ...after] = bridge.fake.requests('send_message');
      expect(throttled!.responseStatus).toBe(429);
      expect((throttled!.responseBody as { error: { code: number } }).error.code).toBe(130429);
      expect(after.map((request) => request.responseStatus)).toEqual([200, 200]);
      for (const request of after) {
        expect(request.receivedAt - throttled!.receivedAt).toBeGreaterThanOrEqual(pauseMs - CLOCK_SLACK_MS);
      }
      const stored = await bridge.accounts.get(ACCOUNT_ID);
      expect(stored?.cloud.backoffUntilMs).toBeGreaterThanOrEqual(
        throttled!.receivedAt + pauseMs - CLOCK_SLACK_MS,
      );
    } finally {
      await bridge.stop();
    }
  });

  test("stays under the number's throughput instead of running into 130429", async ({ nats, database }) => {
    const bridge = await startBridgeUnderTest({ nats, database, env: { CLOUD_ACCOUNT_CACHE_MS: '0' } });
    try {
      const perSecond = 10;
      await bridge.waitForEvent('account.status', (event) => event.data.status === 'active');
      bridge.fake.setThroughputLimit(PHONE_NUMBER_ID, perSecond);
      await bridge.accounts.recordFacts(ACCOUNT_ID, { throughputPerSecond: perSecond });
      const recipients = Array.from({ length: 25 }, (_, index) => `4477009${String(index).padStart(5, '0')}`);
      const sends = [];
      for (const recipient of recipients) {
        bridge.fake.openCustomerServiceWindow(PHONE_NUMBER_ID, recipient);
        sends.push(await bridge.send({ type: 'text', text: 'paced' }, { to: `${recipient}@s.whatsapp.net` }));
      }
      for (const { messageId } of sends) {
        await bridge.waitForEvent('message.sent', (event) => event.data.id === messageId, 15_000);
      }
      const requests = bridge.fake.requests('send_message');
      expect(requests.every((request) => request.responseStatus === 200)).toBe(true);
      const times = requests.map((request) => request.receivedAt).sort((a, b) => a - b);
      const busiestSecond = Math.max(
        ...times.map((start) => times.filter((t) => t >= start && t < start + 1_000).length),
      );
      expect(busiestSecond).toBeLessThanOrEqual(perSecond);
      expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(2_000);
    } finally {
      await bridge.stop();
    }
  }, 40_000);
});
