import { describe, expect, it } from 'vitest';
import { Topology } from './topology';

describe('Topology', () => {
  it('gives the canonical names of the public contract by default', () => {
    const topology = new Topology();
    expect(topology.streams).toEqual({
      events: 'WA_EVENTS',
      commands: 'WA_COMMANDS',
      webhooks: 'WA_WEBHOOKS',
      cloudInbound: 'WA_CLOUD_INBOUND',
    });
    expect(topology.buckets).toEqual({ leases: 'WA_LEASES', workers: 'WA_WORKERS', media: 'WA_MEDIA' });
    expect(topology.eventSubject('demo', 'message.received')).toBe('wa.evt.demo.message.received');
    expect(topology.commandSubject('demo', 'message.send')).toBe('wa.cmd.54.demo.message.send');
    expect(topology.commandSubject('biz', 'message.send', 'cloud')).toBe('wa.cmd.cloud.biz.message.send');
    expect(topology.rpcSubject('demo', 'session.qr')).toBe('wa.rpc.54.demo.session.qr');
    expect(topology.partitionCommandFilter(54)).toBe('wa.cmd.54.>');
    expect(topology.webhookSubject('wh1')).toBe('wa.hook.wh1');
    expect(topology.leaseKey(3)).toBe('p.3');
  });

  it('prefixes every name with a namespace so deployments can share a server', () => {
    const topology = new Topology({ namespace: 't1', partitions: 8 });
    expect(topology.streams.events).toBe('t1_WA_EVENTS');
    expect(topology.buckets.leases).toBe('t1_WA_LEASES');
    expect(topology.eventFilter()).toBe('t1.wa.evt.*.>');
    expect(topology.commandSubject('demo', 'session.connect')).toBe(
      `t1.wa.cmd.${topology.partitionOf('demo')}.demo.session.connect`,
    );
  });

  it('parses the subjects it builds', () => {
    const topology = new Topology({ namespace: 'ns' });
    expect(topology.parseEventSubject(topology.eventSubject('acc', 'group.participants'))).toEqual({
      accountId: 'acc',
      type: 'group.participants',
    });
    expect(topology.parseRoutedSubject(topology.rpcSubject('acc', 'group.create'))).toEqual({
      route: String(topology.partitionOf('acc')),
      accountId: 'acc',
      op: 'group.create',
    });
    expect(topology.parseEventSubject('other.subject')).toBeUndefined();
    expect(topology.parseLeaseKey('p.12')).toBe(12);
    expect(topology.parseLeaseKey('p.999')).toBeUndefined();
  });

  it('refuses a namespace that is not a subject token', () => {
    expect(() => new Topology({ namespace: 'a.b' })).toThrow(RangeError);
  });
});
