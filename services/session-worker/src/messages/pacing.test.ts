import { AccountsRepository, WebSessionStore } from '@wagate/db';
import { describe, expect, test, waitFor } from '@wagate/testing';
import { startEmulator } from '@wagate/wa-emulator';
import { linkedAccounts, sendCommand, startWorker, workerEnv } from '../testing/worker-harness';
import { Pacer } from './pacing';

const CAROL = '15550003333@s.whatsapp.net';

describe('Pacer', () => {
  test('spaces messages by rate and per recipient, adds jitter only when pacing, and types longer for longer texts', () => {
    const pacer = new Pacer(
      {
        messagesPerMinute: 30,
        jitterMs: 1_000,
        perRecipientMs: 5_000,
        simulateTyping: true,
        typingMaxMs: 3_000,
      },
      () => 0.5,
    );
    expect(pacer.delayFor('a', 0)).toBe(500);
    pacer.sent('a', 0);
    expect(pacer.delayFor('b', 1_000)).toBe(1_000 + 500);
    expect(pacer.delayFor('a', 1_000)).toBe(4_000 + 500);
    expect(pacer.delayFor('b', 2_000)).toBe(500);
    expect(pacer.typingMs('hi')).toBe(480);
    expect(pacer.typingMs('x'.repeat(500))).toBe(3_000);
    const unpaced = new Pacer({
      messagesPerMinute: 0,
      jitterMs: 1_000,
      perRecipientMs: 0,
      simulateTyping: false,
      typingMaxMs: 0,
    });
    unpaced.sent('a', 0);
    expect(unpaced.delayFor('a', 0)).toBe(0);
  });

  test('a paced account sends at its rate, shows queued messages as pending, and holds scheduled ones until due', async ({
    nats,
    database,
  }) => {
    const emulator = await startEmulator();
    await linkedAccounts(
      database.db,
      emulator,
      [{ id: 'alice', number: '15550001111' }],
      nats.topology.partitions,
    );
    const carol = emulator.createPhone({ number: '15550003333', pushName: 'Carol' });
    const accounts = new AccountsRepository(database.db, nats.topology.partitions);
    await accounts.update('alice', {
      settings: { messagesPerMinute: 40, jitterMs: 0, perRecipientSpacingMs: 0 },
    });
    const worker = await startWorker(
      workerEnv({
        natsUrl: nats.url,
        namespace: nats.namespace,
        databaseUrl: database.url,
        wsUrl: emulator.wsUrl,
      }),
    );
    const bus = await nats.connect('test');
    try {
      await waitFor(async () => (await accounts.get('alice'))?.sessionStatus === 'logged_in', {
        timeoutMs: 20_000,
      });
      const scheduledFor = new Date(Date.now() + 8_000);
      await sendCommand(
        bus,
        'alice',
        'message.send',
        { to: CAROL, content: { type: 'text', text: 'later' }, messageId: 'scheduled' },
        { notBefore: scheduledFor.toISOString() },
      );
      for (const index of [1, 2, 3]) {
        await sendCommand(bus, 'alice', 'message.send', {
          to: CAROL,
          content: { type: 'text', text: `paced ${index}` },
          messageId: `paced-${index}`,
        });
      }
      await waitFor(
        async () =>
          (await WebSessionStore.findMessage(database.db, 'alice', 'paced-3', CAROL))?.status === 'pending',
        {
          message: 'the last paced message queued and visible as pending',
        },
      );
      const arrivals: number[] = [];
      for (const index of [1, 2, 3]) {
        await carol.waitForMessage((message) => message.key.id === `paced-${index}`, 20_000);
        arrivals.push(Date.now());
      }
      // 40 per minute is one every 1.5 s.
      expect(arrivals[2]! - arrivals[0]!).toBeGreaterThanOrEqual(2_500);
      expect((await WebSessionStore.findMessage(database.db, 'alice', 'scheduled', CAROL))?.status).toBe(
        'pending',
      );
      await carol.waitForMessage((message) => message.key.id === 'scheduled', 20_000);
      expect(Date.now()).toBeGreaterThanOrEqual(scheduledFor.getTime());
      await waitFor(
        async () =>
          (await WebSessionStore.queuedOutbound(database.db, nats.topology.partitionOf('alice'))).length ===
          0,
        { message: 'the queue empty once everything was sent' },
      );
    } finally {
      await worker.shutdown();
      await emulator.close();
    }
  }, 90_000);
});
