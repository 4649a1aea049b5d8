import { describe, expect, test } from '@wagate/testing';
import type { BinaryNode } from '@whiskeysockets/baileys';
import { DeviceLists } from './device-lists';

const OWN = '15550001111:7@s.whatsapp.net';

const device = (id: number, keyIndex?: number): BinaryNode => ({
  tag: 'device',
  attrs: { id: String(id), ...(keyIndex === undefined ? {} : { 'key-index': String(keyIndex) }) },
});

/** A usync answer as WhatsApp sends it: each user with the devices protocol's `<device-list>`. */
const usyncAnswer = (users: Record<string, BinaryNode[]>): BinaryNode => ({
  tag: 'iq',
  attrs: { type: 'result', id: 'q1', from: 's.whatsapp.net' },
  content: [
    {
      tag: 'usync',
      attrs: { context: 'message' },
      content: [
        { tag: 'result', attrs: {} },
        {
          tag: 'list',
          attrs: {},
          content: Object.entries(users).map(([user, devices]) => ({
            tag: 'user',
            attrs: { jid: `${user}@s.whatsapp.net` },
            content: [
              { tag: 'devices', attrs: {}, content: [{ tag: 'device-list', attrs: {}, content: devices }] },
            ],
          })),
        },
      ],
    },
  ],
});

describe('DeviceLists', () => {
  test('answers every device list WhatsApp gave, empty ones too, as each kind of send needs it', async () => {
    const lists = new DeviceLists(60_000, 100);
    const cache = lists.viewFor(() => OWN);
    const sendingTo = cache.sendingTo.bind(cache);
    lists.observe(
      usyncAnswer({
        '15550002222': [device(0)],
        '15550003333': [device(0), device(3, 1), device(4)],
        '15550001111': [device(0), device(7, 2), device(9, 3)],
      }),
    );
    const lookup = (user: string) => cache.get<Array<{ user: string; device: number }>>(user);
    const devicesOf = (user: string) => lookup(user)?.map((entry) => entry.device);

    // Outside a send Baileys is told nothing, so it asks WhatsApp as it would.
    expect(lookup('15550002222')).toBeUndefined();

    // A direct message: companions only (Baileys adds the phones), never this session's own device,
    // and a companion without a key index is left out as Baileys leaves it out.
    await sendingTo('15550002222@s.whatsapp.net', async () => {
      expect(lookup('15550002222')).toEqual([]);
      expect(lookup('15550003333')).toEqual([{ user: '15550003333', device: 3 }]);
      expect(devicesOf('15550001111')).toEqual([9]);
      expect(lookup('15550009999')).toBeUndefined();
    });
    // A group or a status goes to every device, phones included.
    for (const jid of ['120363000000000001@g.us', 'status@broadcast']) {
      await sendingTo(jid, async () => {
        expect(devicesOf('15550002222')).toEqual([0]);
        expect(devicesOf('15550003333')).toEqual([0, 3]);
        expect(devicesOf('15550001111')).toEqual([0, 9]);
      });
    }
    // Two sends that overlap (a session sends one at a time) are not answered from here.
    let releaseFirst = () => {};
    const first = sendingTo(
      '120363000000000001@g.us',
      () => new Promise<void>((resolve) => (releaseFirst = resolve)),
    );
    await sendingTo('15550002222@s.whatsapp.net', async () => expect(lookup('15550002222')).toBeUndefined());
    expect(lookup('15550002222')).toBeUndefined();
    releaseFirst();
    await first;
    expect(lookup('15550002222')).toBeUndefined();
  });

  test('asks again after a device notification, a message from an unknown device, or the TTL', async () => {
    const lists = new DeviceLists(50, 100);
    lists.observe(usyncAnswer({ '15550002222': [device(0)], '15550003333': [device(0), device(3, 1)] }));

    lists.observe({ tag: 'message', attrs: { from: '15550003333:3@s.whatsapp.net', id: 'M1' } });
    lists.observe({ tag: 'message', attrs: { from: '15550002222@s.whatsapp.net', id: 'M2' } });
    expect(lists.devicesOf('15550003333')).toEqual([0, 3]);
    expect(lists.devicesOf('15550002222')).toEqual([0]);

    lists.observe({
      tag: 'message',
      attrs: { from: '120363000000000001@g.us', participant: '15550002222:5@s.whatsapp.net', id: 'M3' },
    });
    expect(lists.devicesOf('15550002222')).toBeUndefined();

    lists.observe({ tag: 'notification', attrs: { type: 'devices', from: '15550003333@s.whatsapp.net' } });
    expect(lists.devicesOf('15550003333')).toBeUndefined();

    lists.observe(usyncAnswer({ '15550002222': [device(0)] }));
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(lists.devicesOf('15550002222')).toBeUndefined();
  });

  test('learns nothing from a user whose devices came with an error', () => {
    const lists = new DeviceLists(60_000, 100);
    const answer = usyncAnswer({ '15550002222': [device(0)] });
    const users = ((answer.content as BinaryNode[])[0]!.content as BinaryNode[])[1]!.content as BinaryNode[];
    (users[0]!.content as BinaryNode[])[0]!.content = [
      { tag: 'error', attrs: { code: '500', text: 'internal' } },
    ];
    lists.observe(answer);
    expect(lists.devicesOf('15550002222')).toBeUndefined();
  });
});
