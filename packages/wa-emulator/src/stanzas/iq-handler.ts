import { type BinaryNode, getBinaryNodeChild, getBinaryNodeChildren } from '@whiskeysockets/baileys';
import type { Account, LinkedDevice } from '../state/device-registry';
import { parseUserJid, userJid } from '../state/jid';
import { bytesOf, childrenOf, IqRejection, readUInt } from './nodes';

/** What iq answers need from the server. */
export interface IqContext {
  findAccount(numberOrJid: string): Account | undefined;
  bundlesFor(jids: string[]): BinaryNode;
  groupIq(actor: Account, device: LinkedDevice, iq: BinaryNode): BinaryNode[];
  mediaConnection(): BinaryNode;
  /** `remove-companion-device`: the device logs itself (or a sibling) out. */
  removeDevice(account: Account, deviceJid: string): void;
  /** `passive active`: the device is ready for its offline queue. */
  activate(device: LinkedDevice): void;
}

const PRIVACY_DEFAULTS: Record<string, string> = {
  last: 'all',
  online: 'all',
  profile: 'all',
  status: 'all',
  groupadd: 'all',
  readreceipts: 'all',
  calladd: 'all',
  messages: 'all',
};

/**
 * Answers the iqs a logged-in Baileys device sends, by namespace. Returns the children of the
 * result; throws `IqRejection` for an error answer. Unknown namespaces get 501.
 */
export const answerIq = (
  context: IqContext,
  account: Account,
  device: LinkedDevice,
  iq: BinaryNode,
): BinaryNode[] => {
  const { xmlns, type } = iq.attrs;
  const [child] = childrenOf(iq);
  switch (xmlns) {
    case 'w:p':
    case 'w:stats':
    case 'urn:xmpp:whatsapp:dirty':
    case 'status':
    case 'disappearing_mode':
      return [];
    case 'passive':
      if (child?.tag === 'active') {
        context.activate(device);
      }
      return [];
    case 'w':
      return [{ tag: 'props', attrs: { protocol: '2', hash: 'wa-emulator-1' } }];
    case 'blocklist':
      return type === 'get' ? [{ tag: 'list', attrs: {} }] : [];
    case 'privacy':
      if (type === 'get' && child?.tag === 'privacy') {
        return [
          {
            tag: 'privacy',
            attrs: {},
            content: Object.entries(PRIVACY_DEFAULTS).map(([name, value]) => ({
              tag: 'category',
              attrs: { name, value },
            })),
          },
        ];
      }
      return [];
    case 'w:sync:app:state':
      // No app-state mutations are stored: every collection is empty at its asked-for version.
      return [
        {
          tag: 'sync',
          attrs: {},
          content: getBinaryNodeChildren(child, 'collection').map((collection) => ({
            tag: 'collection',
            attrs: { name: collection.attrs.name ?? '', version: collection.attrs.version ?? '0' },
          })),
        },
      ];
    case 'encrypt':
      return answerEncrypt(context, device, iq);
    case 'usync':
      return [answerUsync(context, iq)];
    case 'w:m':
      return [context.mediaConnection()];
    case 'w:g2':
      return context.groupIq(account, device, iq);
    case 'md':
      if (child?.tag === 'remove-companion-device') {
        context.removeDevice(account, child.attrs.jid ?? '');
        return [];
      }
      throw new IqRejection(501);
    case 'w:profile:picture':
      if (type === 'get') {
        throw new IqRejection(404);
      }
      return [];
    default:
      throw new IqRejection(501);
  }
};

const answerEncrypt = (context: IqContext, device: LinkedDevice, iq: BinaryNode): BinaryNode[] => {
  const [child] = childrenOf(iq);
  if (iq.attrs.type === 'get' && child?.tag === 'count') {
    return [{ tag: 'count', attrs: { value: device.preKeys.length.toString() } }];
  }
  if (iq.attrs.type === 'get' && child?.tag === 'key') {
    const jids = getBinaryNodeChildren(child, 'user').map((user) => user.attrs.jid ?? '');
    return [context.bundlesFor(jids)];
  }
  if (iq.attrs.type === 'set') {
    for (const key of getBinaryNodeChildren(getBinaryNodeChild(iq, 'list'), 'key')) {
      const id = bytesOf(getBinaryNodeChild(key, 'id'));
      const value = bytesOf(getBinaryNodeChild(key, 'value'));
      if (id && value) {
        device.preKeys.push({ keyId: readUInt(id), publicKey: value });
      }
    }
    const signed = getBinaryNodeChild(iq, 'skey');
    const signedId = bytesOf(getBinaryNodeChild(signed, 'id'));
    const signedValue = bytesOf(getBinaryNodeChild(signed, 'value'));
    const signature = bytesOf(getBinaryNodeChild(signed, 'signature'));
    if (signedId && signedValue && signature) {
      device.keys.signedPreKey = { keyId: readUInt(signedId), publicKey: signedValue, signature };
    }
    return [];
  }
  throw new IqRejection(501);
};

/** usync: device lists, "is on WhatsApp" contact checks, status and disappearing mode per user. */
const answerUsync = (context: IqContext, iq: BinaryNode): BinaryNode => {
  const usync = getBinaryNodeChild(iq, 'usync');
  const protocols = childrenOf(getBinaryNodeChild(usync, 'query')).map((node) => node.tag);
  const users: BinaryNode[] = [];
  for (const user of getBinaryNodeChildren(getBinaryNodeChild(usync, 'list'), 'user')) {
    const phone = bytesOf(getBinaryNodeChild(user, 'contact'))?.toString();
    const number = phone ? phone.replace(/\D/g, '') : parseUserJid(user.attrs.jid)?.number;
    if (!number) {
      continue;
    }
    const account = context.findAccount(number);
    const content: BinaryNode[] = [];
    for (const protocol of protocols) {
      switch (protocol) {
        case 'devices':
          content.push(deviceListNode(account));
          break;
        case 'contact':
          content.push({ tag: 'contact', attrs: { type: account && !account.banned ? 'in' : 'out' } });
          break;
        case 'status':
          content.push({
            tag: 'status',
            attrs: { t: '0' },
            content: Buffer.from('Hey there! I am using WhatsApp.'),
          });
          break;
        case 'disappearing_mode':
          content.push({ tag: 'disappearing_mode', attrs: { duration: '0', t: '0' } });
          break;
        default:
          break;
      }
    }
    users.push({ tag: 'user', attrs: { jid: userJid(number) }, content });
  }
  return {
    tag: 'usync',
    attrs: { ...(usync?.attrs ?? {}) },
    content: [
      { tag: 'result', attrs: {} },
      { tag: 'list', attrs: {}, content: users },
    ],
  };
};

const deviceListNode = (account: Account | undefined): BinaryNode => ({
  tag: 'devices',
  attrs: {},
  content: [
    {
      tag: 'device-list',
      attrs: {},
      content: account
        ? [
            { tag: 'device', attrs: { id: '0' } },
            ...[...account.devices.values()].map((device) => ({
              tag: 'device',
              attrs: { id: device.id.toString(), 'key-index': device.keyIndex.toString() },
            })),
          ]
        : [],
    },
  ],
});
