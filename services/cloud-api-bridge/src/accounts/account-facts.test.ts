import { describe, expect, test, waitFor } from '@wagate/testing';
import {
  ACCESS_TOKEN,
  ACCOUNT_ID,
  type BridgeUnderTest,
  PHONE_NUMBER_ID,
  startBridgeUnderTest,
  WABA_ID,
  webhookBody,
} from '../testing/bridge-under-test';

const testConnection = (bridge: BridgeUnderTest, accountId = ACCOUNT_ID) =>
  bridge.bus.request(bridge.bus.topology.rpcSubject(accountId, 'account.test', 'cloud'), {});

describe('cloud account facts', () => {
  test("account.test answers seed 001's test connection and follows the token's life", async ({
    nats,
    database,
  }) => {
    const bridge = await startBridgeUnderTest({ nats, database });
    try {
      expect(await testConnection(bridge)).toEqual({
        ok: true,
        data: {
          connected: true,
          phone_number: '+15550783881',
          display_phone_number: '+1 555-078-3881',
          verified_name: 'Jaspers Market',
          quality_rating: 'GREEN',
          messaging_limit: 'TIER_2K',
        },
      });
      expect((await bridge.accounts.get(ACCOUNT_ID))?.cloud).toMatchObject({
        displayPhoneNumber: '+1 555-078-3881',
        verifiedName: 'Jaspers Market',
        qualityRating: 'GREEN',
        messagingLimit: 'TIER_2K',
        throughputPerSecond: 80,
      });
      expect(await testConnection(bridge, 'nobody')).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });

      bridge.fake.expireAccessToken(ACCESS_TOKEN);
      expect(await testConnection(bridge)).toMatchObject({
        ok: true,
        data: { connected: false, error: { code: 190 } },
      });
      const expired = await bridge.waitForEvent('account.status', (e) => e.data.reason === 'token_expired');
      expect(expired.data).toMatchObject({
        status: 'disconnected',
        previousStatus: 'active',
        error: { code: 190 },
      });

      bridge.fake.addAccessToken(WABA_ID, 'EAAGrenewedToken');
      await bridge.accounts.update(ACCOUNT_ID, { accessToken: 'EAAGrenewedToken' });
      expect(await testConnection(bridge)).toMatchObject({ ok: true, data: { connected: true } });
      const back = await bridge.waitForEvent(
        'account.status',
        (e) => e.data.previousStatus === 'disconnected',
      );
      expect(back.data).toMatchObject({ status: 'active', reason: 'connected' });
      expect((await bridge.accounts.get(ACCOUNT_ID))?.account.status).toBe('active');
    } finally {
      await bridge.stop();
    }
  });

  test('the periodic refresh records quality, messaging limit and throughput, and announces their changes', async ({
    nats,
    database,
  }) => {
    const bridge = await startBridgeUnderTest({ nats, database, env: { CLOUD_REFRESH_INTERVAL_MS: '300' } });
    try {
      await bridge.waitForEvent('account.status', (e) => e.data.status === 'active');
      bridge.fake.updatePhoneNumber(PHONE_NUMBER_ID, {
        qualityRating: 'YELLOW',
        messagingLimitTier: 'TIER_10K',
        throughputPerSecond: 1_000,
      });
      const changed = await bridge.waitForEvent('account.status', (e) => e.data.qualityRating === 'YELLOW');
      expect(changed.data).toMatchObject({
        status: 'active',
        reason: 'quality_changed,messaging_limit_changed',
        messagingLimit: 'TIER_10K',
      });
      expect((await bridge.accounts.get(ACCOUNT_ID))?.cloud).toMatchObject({
        qualityRating: 'YELLOW',
        messagingLimit: 'TIER_10K',
        throughputPerSecond: 1_000,
      });
      // Nothing changed since: later rounds announce nothing.
      const rounds = bridge.fake.requests('get_phone_number').length;
      await waitFor(() => bridge.fake.requests('get_phone_number').length >= rounds + 2, {
        message: 'two more refresh rounds',
      });
      expect(bridge.eventsOf('account.status')).toHaveLength(2);
    } finally {
      await bridge.stop();
    }
  });

  test("Meta's phone_number_quality_update webhook refreshes the facts at once", async ({
    nats,
    database,
  }) => {
    const bridge = await startBridgeUnderTest({ nats, database });
    try {
      await bridge.waitForEvent('account.status', (e) => e.data.status === 'active');
      bridge.fake.updatePhoneNumber(PHONE_NUMBER_ID, { qualityRating: 'RED' });
      await bridge.deliverWebhook(
        webhookBody('phone_number_quality_update', {
          display_phone_number: '15550783881',
          event: 'FLAGGED',
          current_limit: 'TIER_2K',
        }),
      );
      const changed = await bridge.waitForEvent('account.status', (e) => e.data.qualityRating === 'RED');
      expect(changed.data.reason).toBe('quality_changed');
    } finally {
      await bridge.stop();
    }
  });
});
