import {
  type DatabaseUnderTest,
  describe,
  expect,
  type NatsUnderTest,
  test,
  testLogger,
  waitFor,
} from '@wagate/testing';
import { PartitionOwnership, type PartitionRunner, type ReleaseReason } from './partition-ownership';
import { rendezvousOwner } from './rendezvous';

const LEASE_TTL_MS = 3_000;

/** Records which worker runs which partition, and fails on any overlap. */
class RunningPartitions {
  readonly runningOn = new Map<number, string>();
  readonly overlaps: string[] = [];
  readonly stops: Array<{ worker: string; partition: number; reason: ReleaseReason }> = [];

  /** `handoverMs`: how long stopping a partition for a handover takes (sends in flight finishing). */
  constructor(private readonly handoverMs = 0) {}

  runnerFor(worker: string): PartitionRunner {
    return {
      start: async (partition) => {
        const other = this.runningOn.get(partition);
        if (other && other !== worker) this.overlaps.push(`partition ${partition} on ${other} and ${worker}`);
        this.runningOn.set(partition, worker);
      },
      stop: async (partition, reason) => {
        this.stops.push({ worker, partition, reason });
        if (reason === 'handover') await new Promise((resolve) => setTimeout(resolve, this.handoverMs));
        if (this.runningOn.get(partition) === worker) this.runningOn.delete(partition);
      },
    };
  }

  partitionsOf(worker: string): number[] {
    return [...this.runningOn.entries()]
      .filter(([, owner]) => owner === worker)
      .map(([partition]) => partition)
      .sort((a, b) => a - b);
  }
}

/** Starts the ownership of `workerId`, its partitions run by `running`. */
async function startOwnership(
  nats: NatsUnderTest,
  database: DatabaseUnderTest,
  running: RunningPartitions,
  workerId: string,
): Promise<PartitionOwnership> {
  const ownership = new PartitionOwnership({
    bus: await nats.connect(workerId),
    topology: nats.topology,
    db: database.db,
    workerId,
    runner: running.runnerFor(workerId),
    log: testLogger(workerId),
    leaseTtlMs: LEASE_TTL_MS,
    graceMs: 200,
  });
  await ownership.start();
  return ownership;
}

/**
 * worker-a takes every partition, then worker-b starts; resolves once worker-b runs its rendezvous
 * share (within `timeoutMs`).
 */
async function scaleOut(
  nats: NatsUnderTest,
  database: DatabaseUnderTest,
  running: RunningPartitions,
  timeoutMs: number,
) {
  const all = Array.from({ length: nats.topology.partitions }, (_, partition) => partition);
  const a = await startOwnership(nats, database, running, 'worker-a');
  await waitFor(() => running.partitionsOf('worker-a').length === all.length, {
    message: 'worker-a owning all',
  });
  const b = await startOwnership(nats, database, running, 'worker-b');
  const expectedB = all.filter(
    (partition) => rendezvousOwner(partition, ['worker-a', 'worker-b']) === 'worker-b',
  );
  await waitFor(() => JSON.stringify(running.partitionsOf('worker-b')) === JSON.stringify(expectedB), {
    timeoutMs,
    message: 'worker-b owning its rendezvous share',
  });
  return { a, b, all, expectedB };
}

describe('PartitionOwnership', () => {
  test('one worker owns every partition; a second takes its rendezvous share gradually; a clean stop hands over at once', async ({
    nats,
    database,
  }) => {
    await nats.provision({ leaseTtlMs: LEASE_TTL_MS, workerTtlMs: 2_000 });
    const running = new RunningPartitions();
    const { a, b, all, expectedB } = await scaleOut(nats, database, running, 20_000);
    expect(running.partitionsOf('worker-a')).toEqual(
      all.filter((partition) => !expectedB.includes(partition)),
    );
    expect(
      running.stops
        .filter((stop) => stop.reason === 'handover')
        .map((stop) => stop.partition)
        .sort(),
    ).toEqual(expectedB);

    const stoppedAt = Date.now();
    await b.stop();
    await waitFor(() => running.partitionsOf('worker-a').length === all.length, {
      message: 'worker-a taking everything back',
    });
    expect(Date.now() - stoppedAt).toBeLessThan(LEASE_TTL_MS);
    expect(running.overlaps).toEqual([]);
    await a.stop();
    expect(running.runningOn.size).toBe(0);
  });

  test('a handover slower than a lease renewal keeps every other partition, and its own lease until it is done', async ({
    nats,
    database,
  }) => {
    await nats.provision({ leaseTtlMs: LEASE_TTL_MS, workerTtlMs: 2_000 });
    // Longer than 0.7 × TTL, after which an unrenewed lease counts as lost.
    const running = new RunningPartitions(1.5 * LEASE_TTL_MS);
    const { a, b, all, expectedB } = await scaleOut(nats, database, running, 30_000);
    expect(running.stops.filter((stop) => stop.reason === 'lost')).toEqual([]);
    expect(running.partitionsOf('worker-a')).toEqual(
      all.filter((partition) => !expectedB.includes(partition)),
    );
    expect(running.overlaps).toEqual([]);
    await Promise.all([a.stop(), b.stop()]);
  }, 60_000);

  test('a worker cut off from NATS stops its partitions by itself before another takes them', async ({
    nats,
    database,
  }) => {
    await nats.provision({ leaseTtlMs: LEASE_TTL_MS, workerTtlMs: 2_000 });
    const running = new RunningPartitions();
    const busA = await nats.connect('worker-a');
    const a = new PartitionOwnership({
      bus: busA,
      topology: nats.topology,
      db: database.db,
      workerId: 'worker-a',
      runner: running.runnerFor('worker-a'),
      log: testLogger('worker-a'),
      leaseTtlMs: LEASE_TTL_MS,
      graceMs: 200,
    });
    await a.start();
    await waitFor(() => running.partitionsOf('worker-a').length === nats.topology.partitions);

    const b = new PartitionOwnership({
      bus: await nats.connect('worker-b'),
      topology: nats.topology,
      db: database.db,
      workerId: 'worker-b',
      runner: running.runnerFor('worker-b'),
      log: testLogger('worker-b'),
      leaseTtlMs: LEASE_TTL_MS,
      graceMs: 200,
      handoversPerTick: 0,
    });
    await b.start();

    await busA.close();
    await waitFor(() => running.partitionsOf('worker-b').length === nats.topology.partitions, {
      timeoutMs: 15_000,
      message: 'worker-b owning everything after worker-a lost NATS',
    });
    expect(running.stops.filter((stop) => stop.worker === 'worker-a' && stop.reason === 'lost')).toHaveLength(
      nats.topology.partitions,
    );
    expect(running.overlaps).toEqual([]);
    await b.stop();
  });
});
