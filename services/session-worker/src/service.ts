import type { ServiceModule } from '@wagate/service-host';
import { SessionWorkerConfig } from './config';
import { PartitionOwnership } from './ownership/partition-ownership';
import { ConnectSlots } from './partitions/partition-context';
import { PartitionRuntime } from './partitions/partition-runtime';
import { BaileysEnvironment } from './sessions/baileys-environment';

/**
 * The session worker: owns partitions of web accounts and runs their WhatsApp sessions, commands
 * and RPCs.
 *
 * @example
 * runMain(() => hostServices([sessionWorker]));
 */
export const sessionWorker: ServiceModule<typeof SessionWorkerConfig> = {
  name: 'session-worker',
  config: SessionWorkerConfig,
  start: async (context, config) => {
    const runtime = new PartitionRuntime({
      bus: context.bus,
      db: context.db,
      log: context.log,
      mediaStore: context.mediaStore,
      config,
      workerId: context.instanceId,
      baileys: new BaileysEnvironment(config, context.log),
      connectSlots: new ConnectSlots(config.CONNECT_CONCURRENCY),
    });
    const ownership = new PartitionOwnership({
      bus: context.bus,
      topology: context.topology,
      db: context.db,
      workerId: context.instanceId,
      runner: runtime,
      log: context.log,
      metrics: context.metrics,
      leaseTtlMs: config.LEASE_TTL_MS,
      graceMs: config.LEASE_GRACE_MS,
      handoversPerTick: config.HANDOVERS_PER_TICK,
    });
    const sessionsGauge = context.metrics.gauge(
      'wagate_worker_sessions',
      'Sessions on this worker by status',
      ['status'],
    );
    const gaugeTimer = setInterval(() => {
      const counts = new Map<string, number>();
      for (const session of runtime.sessions())
        counts.set(session.status, (counts.get(session.status) ?? 0) + 1);
      for (const status of [
        'disconnected',
        'connecting',
        'waiting_for_qr',
        'waiting_for_pair_code',
        'connected',
        'logged_in',
      ])
        sessionsGauge.set({ status }, counts.get(status) ?? 0);
    }, 5_000);
    gaugeTimer.unref();
    await ownership.start();
    context.log.info(
      { worker: context.instanceId, partitions: ownership.owned().size },
      'session worker started',
    );
    return {
      // Draining hands every partition to the other workers before the process exits.
      stop: async () => {
        clearInterval(gaugeTimer);
        await ownership.stop();
      },
    };
  },
};
