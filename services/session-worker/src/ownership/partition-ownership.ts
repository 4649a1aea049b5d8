import { KvWatchInclude } from '@nats-io/kv';
import type { Bus, KV } from '@wagate/bus';
import type { Topology } from '@wagate/contracts';
import { claimPartitionFence, type Database } from '@wagate/db';
import type { Logger, MetricsRegistry } from '@wagate/observability';
import { describeError } from '@wagate/runtime';
import { PartitionLease, readLease } from './partition-lease';
import { rendezvousOwner } from './rendezvous';
import { WorkerRegistry } from './worker-registry';

/** Why a partition stops on this worker. */
export type ReleaseReason = 'lost' | 'handover' | 'shutdown';

/** What runs a partition once this worker owns it. */
export interface PartitionRunner {
  /**
   * The lease is held and fenced with `epoch`: start consuming commands and connecting sessions.
   * `previously` says whether the last owner released it cleanly or vanished (crash, lost lease).
   */
  start(partition: number, epoch: number, previously: 'released' | 'absent'): Promise<void>;
  /**
   * Stop the partition: close its sockets (never log out). On `lost` this must happen at once,
   * since another worker may already own it.
   */
  stop(partition: number, reason: ReleaseReason): Promise<void>;
}

export interface OwnershipOptions {
  bus: Bus;
  topology: Topology;
  db: Database;
  workerId: string;
  runner: PartitionRunner;
  log: Logger;
  metrics?: MetricsRegistry;
  leaseTtlMs: number;
  /** How often leases are renewed and placement reconsidered. Default TTL/4. */
  tickMs?: number;
  /** Wait before starting a partition whose previous owner did not release it. Default 1 s. */
  graceMs?: number;
  /** Before taking a free partition that another live worker should own. Default 2 × tick. */
  orphanDelayMs?: number;
  /** Partitions handed to their rightful owners per tick (gradual rebalancing). Default 2. */
  handoversPerTick?: number;
}

interface HeldPartition {
  lease: PartitionLease;
  started: boolean;
  /** Set while the partition stops to be handed over; its lease is renewed until it is released. */
  releasing?: Promise<void>;
}

/**
 * Partition ownership of one worker: heartbeats in `WA_WORKERS`, places partitions by rendezvous
 * hashing over live workers, and holds them with fenced KV leases.
 *
 * - It campaigns at once for the partitions it wins; for others only after `orphanDelayMs`.
 * - It renews every tick; a revision conflict, or no renewal for 0.7 × TTL, stops the partition
 *   at once (`lost`).
 * - Scale-out and scale-in rebalance gradually: up to `handoversPerTick` partitions at a time are
 *   released (cleanly, so the new owner takes over immediately) to the worker that wins them. A
 *   handover stops its partition beside the ticks, which keep renewing every lease (its own too,
 *   until it is released): a slow stop never costs the worker its other partitions.
 * - A partition whose previous owner did not release it waits `graceMs` before it starts.
 * - `stop()` drains: it announces itself draining and hands every partition over.
 *
 * @example
 * const ownership = new PartitionOwnership({ bus, topology, db, workerId, runner, log, leaseTtlMs: 10_000 });
 * await ownership.start();
 * // … on SIGTERM
 * await ownership.stop();
 */
export class PartitionOwnership {
  private readonly held = new Map<number, HeldPartition>();
  private readonly acquiring = new Set<number>();
  private readonly freeSince = new Map<number, number>();
  private registry!: WorkerRegistry;
  private leases!: KV;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private tickAgain = false;
  private stopping = false;
  private liveWorkers: string[] = [];
  private readonly tickMs: number;
  private readonly ownedGauge;
  private readonly transitions;

  constructor(private readonly options: OwnershipOptions) {
    this.tickMs = options.tickMs ?? Math.max(250, Math.floor(options.leaseTtlMs / 4));
    this.ownedGauge = options.metrics?.gauge('wagate_worker_partitions_owned', 'Partitions this worker owns');
    this.transitions = options.metrics?.counter(
      'wagate_worker_partition_transitions_total',
      'Partitions started or stopped',
      ['event'],
    );
  }

  /** Partitions owned and started (not being handed over), with their epochs. */
  owned(): Map<number, number> {
    const owned = new Map<number, number>();
    for (const [partition, held] of this.held)
      if (held.started && !held.releasing) owned.set(partition, held.lease.epoch);
    return owned;
  }

  /** Whether this worker owns `partition` right now (lease held, not locally expired, not leaving). */
  owns(partition: number): boolean {
    const held = this.held.get(partition);
    return Boolean(held?.started && !held.releasing && !held.lease.expiredLocally());
  }

  async start(): Promise<void> {
    const { bus, topology, workerId, log } = this.options;
    this.leases = await bus.kv(topology.buckets.leases);
    this.registry = new WorkerRegistry(await bus.kv(topology.buckets.workers), workerId, log);
    await this.registry.beat();
    void this.watchReleases();
    this.requestTick();
    await this.ticking;
  }

  /** Graceful: stop taking partitions, hand every one over, and leave the registry. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.ticking;
    await this.registry.markDraining().catch(() => {});
    await Promise.all(
      [...this.held.entries()].map(
        ([partition, held]) => held.releasing ?? this.release(partition, 'shutdown'),
      ),
    );
    await this.registry.remove();
  }

  /** Runs a tick now, or right after the one in progress; ticks never overlap. */
  private requestTick(): void {
    if (this.stopping) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    clearTimeout(this.timer);
    this.ticking = this.tick().finally(() => {
      this.ticking = undefined;
      if (this.tickAgain) {
        this.tickAgain = false;
        this.requestTick();
      } else if (!this.stopping) {
        this.timer = setTimeout(() => this.requestTick(), this.tickMs);
      }
    });
  }

  private async tick(): Promise<void> {
    try {
      await this.registry.beat();
    } catch (error) {
      this.options.log.warn({ err: describeError(error) }, 'heartbeat failed');
    }
    await this.renewAll();
    if (this.stopping) return;
    try {
      this.liveWorkers = await this.registry.liveWorkers(this.tickMs);
    } catch (error) {
      this.options.log.warn({ err: describeError(error) }, 'cannot list workers; keeping the last placement');
    }
    if (!this.liveWorkers.includes(this.options.workerId))
      this.liveWorkers = [...this.liveWorkers, this.options.workerId].sort();
    await this.rebalance();
    this.ownedGauge?.set(this.held.size);
  }

  private async renewAll(): Promise<void> {
    await Promise.all(
      [...this.held.entries()].map(async ([partition, held]) => {
        if (!(await held.lease.renew())) {
          this.options.log.warn(
            { partition, epoch: held.lease.epoch },
            'lease lost; stopping the partition at once',
          );
          this.held.delete(partition);
          this.transitions?.inc({ event: 'lost' });
          // A handover in progress is already stopping it; `lost` closes what is left at once.
          if (held.started) await this.options.runner.stop(partition, 'lost');
        }
      }),
    );
  }

  private async rebalance(): Promise<void> {
    const { topology, workerId } = this.options;
    let handovers =
      (this.options.handoversPerTick ?? 2) - [...this.held.values()].filter((held) => held.releasing).length;
    const now = performance.now();
    const orphanDelay = this.options.orphanDelayMs ?? 2 * this.tickMs;
    for (let partition = 0; partition < topology.partitions; partition += 1) {
      const rightful = rendezvousOwner(partition, this.liveWorkers);
      const mine = rightful === workerId;
      const held = this.held.get(partition);
      if (held) {
        if (!mine && handovers > 0 && held.started && !held.releasing) {
          handovers -= 1;
          held.releasing = this.release(partition, 'handover');
        }
        continue;
      }
      if (this.acquiring.has(partition)) continue;
      const state = await readLease(this.leases, topology.leaseKey(partition)).catch(() => undefined);
      if (!state || state.kind === 'held') {
        this.freeSince.delete(partition);
        continue;
      }
      if (!mine) {
        const since = this.freeSince.get(partition) ?? now;
        this.freeSince.set(partition, since);
        if (now - since < orphanDelay) continue;
      }
      this.freeSince.delete(partition);
      this.acquiring.add(partition);
      void this.acquire(partition, state.previously).finally(() => this.acquiring.delete(partition));
    }
  }

  private async acquire(partition: number, previously: 'released' | 'absent'): Promise<void> {
    const { topology, workerId, leaseTtlMs, db, log, runner } = this.options;
    const lease = await PartitionLease.acquire(
      this.leases,
      topology.leaseKey(partition),
      partition,
      workerId,
      leaseTtlMs,
    );
    if (!lease || this.stopping) {
      await lease?.release();
      return;
    }
    const held: HeldPartition = { lease, started: false };
    this.held.set(partition, held);
    try {
      if (!(await claimPartitionFence(db, partition, lease.epoch, workerId))) {
        log.warn({ partition, epoch: lease.epoch }, 'a newer epoch holds the fence; giving the lease back');
        this.held.delete(partition);
        await lease.release();
        return;
      }
      // An owner that vanished without releasing stops by itself within 0.7 × TTL; the grace
      // covers what it may still have in flight.
      if (previously === 'absent')
        await new Promise((resolve) => setTimeout(resolve, this.options.graceMs ?? 1_000));
      if (this.held.get(partition) !== held || this.stopping) return;
      if (lease.expiredLocally()) {
        // No renewal got through during the grace (a stalled event loop): give it back, never
        // keep a partition that is held but not running.
        this.held.delete(partition);
        await lease.release();
        return;
      }
      await runner.start(partition, lease.epoch, previously);
      held.started = true;
      this.transitions?.inc({ event: 'started' });
      log.debug({ partition, epoch: lease.epoch }, 'partition started');
    } catch (error) {
      log.error({ partition, err: describeError(error) }, 'starting the partition failed; giving it back');
      this.held.delete(partition);
      await runner.stop(partition, 'handover').catch(() => {});
      await lease.release();
    }
  }

  /** Stops the partition, then gives its lease back; the lease stays held (and renewed) meanwhile. */
  private async release(partition: number, reason: ReleaseReason): Promise<void> {
    const held = this.held.get(partition);
    if (!held) return;
    try {
      if (held.started) await this.options.runner.stop(partition, reason);
    } catch (error) {
      this.options.log.error({ partition, err: describeError(error) }, 'stopping the partition failed');
    }
    // A lease lost while stopping was already dropped (and the partition stopped) by the renewal.
    if (this.held.get(partition) !== held) return;
    this.held.delete(partition);
    await held.lease.release();
    this.transitions?.inc({ event: reason });
    this.options.log.info({ partition, reason }, 'partition released');
  }

  /** A clean release is seen at once; expiry is not (NATS 2.9), so ticks also poll. */
  private async watchReleases(): Promise<void> {
    try {
      const watch = await this.leases.watch({ include: KvWatchInclude.UpdatesOnly });
      for await (const entry of watch) {
        if (this.stopping) break;
        if (entry.operation === 'PUT') continue;
        const partition = this.options.topology.parseLeaseKey(entry.key);
        if (partition !== undefined && !this.held.has(partition)) this.requestTick();
      }
    } catch (error) {
      if (!this.stopping)
        this.options.log.warn({ err: describeError(error) }, 'lease watch ended; relying on polling');
    }
  }
}
