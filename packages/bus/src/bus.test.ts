import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEvent, newId, partitionOf, Topology } from '@wagate/contracts';
import { createLogger } from '@wagate/observability';
import { spawnNatsServer } from '@wagate/runtime';
import { describe, expect, type NatsNamespace, test, waitFor } from '@wagate/test-servers';
import { afterEach } from 'vitest';
import { Bus } from './bus';
import { NoRespondersError, PermanentError, RequestTimeoutError, RetryableError } from './errors';
import { type ProvisioningSettings, provision, provisioningPlan } from './provisioning';
import { RpcFailure } from './rpc';

const testLogger = () => createLogger({ service: 'bus-test', level: 'silent', format: 'json' });
const openBuses: Bus[] = [];
afterEach(async () => {
  await Promise.all(openBuses.splice(0).map((bus) => bus.close()));
});

/** A bus on the test's namespace, closed after the test. */
async function connectTo(nats: NatsNamespace, name = 'test'): Promise<Bus> {
  const bus = await Bus.connect({ url: nats.url, name, topology: nats.topology, log: testLogger() });
  openBuses.push(bus);
  return bus;
}

async function provisionNamespace(nats: NatsNamespace, settings?: ProvisioningSettings): Promise<Bus> {
  const bus = await connectTo(nats, 'provisioner');
  await provision(bus.nc, bus.jsm, provisioningPlan(nats.topology, settings), testLogger());
  return bus;
}

describe('provisioning', () => {
  test('creates the design once, changes nothing the second time, and updates a changed config', async ({
    natsNamespace: nats,
  }) => {
    const bus = await connectTo(nats);
    const log = testLogger();
    const plan = provisioningPlan(nats.topology);

    const first = await provision(bus.nc, bus.jsm, plan, log);
    expect(first.created).toEqual(
      expect.arrayContaining([
        `stream:${nats.topology.streams.events}`,
        `stream:${nats.topology.streams.commands}`,
        `kv:${nats.topology.buckets.leases}`,
        `consumer:${nats.topology.streams.commands}/cmd-p0`,
        `consumer:${nats.topology.streams.webhooks}/webhook-delivery`,
      ]),
    );
    expect(first.created).toHaveLength(4 + 2 + nats.topology.partitions + 4);

    const second = await provision(bus.nc, bus.jsm, plan, log);
    expect(second.created).toEqual([]);
    expect(second.updated).toEqual([]);

    const changed = provisioningPlan(nats.topology, {
      eventsMaxAgeMs: 3_600_000,
      webhookMaxDeliver: 12,
      leaseTtlMs: 20_000,
    });
    const third = await provision(bus.nc, bus.jsm, changed, log);
    expect(third.updated.sort()).toEqual(
      [
        `consumer:${nats.topology.streams.webhooks}/webhook-delivery`,
        `kv:${nats.topology.buckets.leases}`,
        `stream:${nats.topology.streams.events}`,
      ].sort(),
    );
    const events = await bus.jsm.streams.info(nats.topology.streams.events);
    expect(events.config.max_age).toBe(3_600_000 * 1e6);
    const delivery = await bus.jsm.consumers.info(nats.topology.streams.webhooks, 'webhook-delivery');
    expect(delivery.config.max_deliver).toBe(12);
    expect((await provision(bus.nc, bus.jsm, changed, log)).updated).toEqual([]);
  });

  test('several services provisioning at once all succeed', async ({ natsNamespace: nats }) => {
    const buses = await Promise.all([connectTo(nats, 'a'), connectTo(nats, 'b'), connectTo(nats, 'c')]);
    const plan = provisioningPlan(nats.topology);
    await Promise.all(buses.map((bus) => provision(bus.nc, bus.jsm, plan, testLogger())));
    const info = await buses[0]!.jsm.streams.info(nats.topology.streams.commands);
    expect(info.config.retention).toBe('workqueue');
  });
});

describe('publishing and consuming', () => {
  test('stores an event once per Nats-Msg-Id and carries the trace headers', async ({
    natsNamespace: nats,
  }) => {
    const bus = await provisionNamespace(nats);
    const event = createEvent('session.status', 'demo', { status: 'connecting' }, { source: 'test' });
    const first = await bus.publishEvent(event);
    const again = await bus.publishEvent(event);
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    const stored = await bus.jsm.streams.getMessage(nats.topology.streams.events, { seq: first.seq });
    expect(stored?.subject).toBe(nats.topology.eventSubject('demo', 'session.status'));
    expect(stored?.header.get('Wagate-Contracts-Version')).toBe('1');
    expect(stored?.json()).toMatchObject({
      id: event.id,
      type: 'session.status',
      data: { status: 'connecting' },
    });
  });

  test('acks on success, naks with delay on RetryableError, terms on PermanentError and poison', async ({
    natsNamespace: nats,
  }) => {
    const bus = await provisionNamespace(nats);
    const topology = nats.topology;
    const partition = partitionOf('acct', topology.partitions);
    const seen: Array<{ op: string; attempt: number }> = [];
    const loop = bus.consume<{ op: string }>({
      stream: topology.streams.commands,
      consumer: topology.partitionCommandConsumer(partition),
      concurrency: 4,
      handle: async (delivery) => {
        seen.push({ op: delivery.data.op, attempt: delivery.deliveryCount });
        if (delivery.data.op === 'flaky' && delivery.deliveryCount < 3)
          throw new RetryableError('not yet', { delayMs: 50 });
        if (delivery.data.op === 'broken') throw new PermanentError('cannot ever work');
      },
    });
    const publish = (op: string) =>
      bus.publishCommand({
        id: newId(),
        accountId: 'acct',
        op,
        createdAt: new Date().toISOString(),
        payload: {},
      });
    await publish('fine');
    await publish('flaky');
    await publish('broken');
    await bus.js.publish(topology.commandSubject('acct', 'poison'), 'not json {');

    await waitFor(() => seen.filter((entry) => entry.op === 'flaky').length === 3, {
      message: 'three attempts of flaky',
    });
    await waitFor(async () => (await bus.jsm.streams.info(topology.streams.commands)).state.messages === 0, {
      message: 'the work queue to empty (acked and terminated messages are removed)',
    });
    expect(seen.filter((entry) => entry.op === 'fine')).toEqual([{ op: 'fine', attempt: 1 }]);
    expect(seen.filter((entry) => entry.op === 'broken')).toEqual([{ op: 'broken', attempt: 1 }]);
    await loop.stop();
  });
});

describe('request/reply', () => {
  test('returns the reply, maps failures, no responders and timeouts', async ({ natsNamespace: nats }) => {
    const bus = await connectTo(nats);
    const subject = nats.topology.rpcSubject('acct', 'session.status');
    const sub = bus.serve(subject, async ({ payload }) => {
      const { mode } = payload as { mode: string };
      if (mode === 'fail') throw new RpcFailure('not_connected', 'session acct is not logged in');
      if (mode === 'crash') throw new Error('secret internals');
      if (mode === 'slow') await new Promise((resolve) => setTimeout(resolve, 500));
      return { status: 'logged_in' };
    });
    await bus.nc.flush();
    expect(await bus.request(subject, { mode: 'ok' })).toEqual({ ok: true, data: { status: 'logged_in' } });
    expect(await bus.request(subject, { mode: 'fail' })).toEqual({
      ok: false,
      error: { code: 'not_connected', message: 'session acct is not logged in' },
    });
    const crash = await bus.request(subject, { mode: 'crash' });
    expect(crash).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(JSON.stringify(crash)).not.toContain('secret internals');
    await expect(bus.request(subject, { mode: 'slow' }, { timeoutMs: 100 })).rejects.toBeInstanceOf(
      RequestTimeoutError,
    );
    await expect(bus.request(nats.topology.rpcSubject('nobody', 'x'), {})).rejects.toBeInstanceOf(
      NoRespondersError,
    );
    sub.unsubscribe();
  });
});

describe('connecting', () => {
  test('an unreachable server is one clear error naming the URL, without credentials', async () => {
    const attempt = Bus.connect({
      url: 'nats://user:pw@127.0.0.1:1',
      name: 'test',
      topology: new Topology(),
      log: testLogger(),
      connectTimeoutMs: 500,
    });
    await expect(attempt).rejects.toThrow(/cannot reach NATS at nats:\/\/127\.0\.0\.1:1 .*set NATS_URL/);
  });
});

describe('partition golden test against NATS itself', () => {
  test("partitionOf matches nats-server's partition() subject mapping for 500 ids", async ({ skip }) => {
    const storeDir = mkdtempSync(join(tmpdir(), 'wagate-golden-'));
    const configFile = join(storeDir, 'mapping.conf');
    writeFileSync(
      configFile,
      'mappings = {\n  "probe.*": "mapped.{{partition(128,1)}}.{{wildcard(1)}}"\n  "probe13.*": "mapped13.{{partition(13,1)}}.{{wildcard(1)}}"\n}\n',
    );
    const server = await spawnNatsServer({ storeDir, configFile }).catch(() => undefined);
    if (!server) {
      rmSync(storeDir, { recursive: true, force: true });
      if (process.env.CI === 'true') throw new Error('nats-server is needed for the partition golden test');
      return skip('nats-server is not on the PATH');
    }
    try {
      const bus = await Bus.connect({
        url: server.url,
        name: 'golden',
        topology: new Topology(),
        log: testLogger(),
      });
      const ids = Array.from({ length: 500 }, (_, index) => `acct-${index}-${newId().slice(-6)}`);
      const observed = new Map<string, [number, number]>();
      const sub = bus.nc.subscribe('mapped.>');
      const sub13 = bus.nc.subscribe('mapped13.>');
      for (const id of ids) {
        bus.nc.publish(`probe.${id}`);
        bus.nc.publish(`probe13.${id}`);
      }
      await bus.nc.flush();
      let count = 0;
      for await (const msg of sub) {
        const [, partition, id] = msg.subject.split('.');
        observed.set(id!, [Number(partition), -1]);
        if (++count === ids.length) break;
      }
      count = 0;
      for await (const msg of sub13) {
        const [, partition, id] = msg.subject.split('.');
        observed.get(id!)![1] = Number(partition);
        if (++count === ids.length) break;
      }
      for (const id of ids) expect([partitionOf(id, 128), partitionOf(id, 13)]).toEqual(observed.get(id));
      await bus.close();
    } finally {
      await server.stop();
      rmSync(storeDir, { recursive: true, force: true });
    }
  });
});
