import { type BinaryNode, getBinaryNodeChildren, isJidGroup } from '@whiskeysockets/baileys';
import type { Account } from '../state/device-registry';
import type { FaultPlan } from '../state/fault-plan';
import type { GroupDirectory } from '../state/group-directory';
import { deviceJid, parseUserJid, userJid } from '../state/jid';
import { childrenOf, unixSeconds } from './nodes';

/** The device a stanza comes from: a linked device, or the phone (device 0). */
export interface StanzaSender {
  readonly account: Account;
  readonly deviceId: number;
}

/** Persistent delivery to one device (queued while it is offline). */
export type DeviceDelivery = (number: string, deviceId: number, stanza: BinaryNode) => void;

/** Receipt types that stay between a user's own devices and are not relayed to the sender. */
const LOCAL_RECEIPT_TYPES = new Set(['sender', 'peer_msg', 'read-self', 'hist_sync', 'server-error']);

/**
 * Routes end-to-end encrypted messages and their receipts between devices without decrypting
 * anything: each `<to jid>` gets its own ciphertext, groups add the shared `skmsg` for every
 * member device, and receipts go back to the author's devices.
 */
export class MessageRouter {
  constructor(
    private readonly groups: GroupDirectory,
    private readonly faults: FaultPlan,
    private readonly devicesOf: (number: string) => number[],
    private readonly deliver: DeviceDelivery,
  ) {}

  /** Routes a `<message>`; returns the error code for the sender's ack, if refused. */
  routeMessage(sender: StanzaSender, stanza: BinaryNode): string | undefined {
    const { id, to } = stanza.attrs;
    if (!id || !to) {
      return '400';
    }
    if (sender.account.banned) {
      return '403';
    }
    if (!this.faults.admitMessage(sender.account.number)) {
      return '429';
    }
    const senderJid = deviceJid(sender.account.number, sender.deviceId);
    const perDevice = new Map<string, BinaryNode[]>();
    for (const participants of getBinaryNodeChildren(stanza, 'participants')) {
      for (const toNode of getBinaryNodeChildren(participants, 'to')) {
        perDevice.set(toNode.attrs.jid ?? '', getBinaryNodeChildren(toNode, 'enc'));
      }
    }
    const shared = getBinaryNodeChildren(stanza, 'enc');
    const attrs: Record<string, string> = {
      id,
      t: unixSeconds(),
      type: stanza.attrs.type ?? 'text',
      notify: sender.account.pushName,
      ...(stanza.attrs.edit ? { edit: stanza.attrs.edit } : {}),
    };
    if (isJidGroup(to)) {
      return this.routeGroupMessage(
        sender,
        senderJid,
        to,
        stanza.attrs.participant,
        perDevice,
        shared,
        attrs,
      );
    }
    const chat = parseUserJid(stanza.attrs.recipient ?? to);
    if (!chat) {
      return '400';
    }
    if (stanza.attrs.category === 'peer') {
      // Peer messages (app-state key requests, placeholder resends) go to the primary phone.
      this.deliver(sender.account.number, 0, {
        tag: 'message',
        attrs: { ...attrs, from: senderJid, category: 'peer' },
        content: shared,
      });
      return undefined;
    }
    for (const [jid, encs] of perDevice) {
      const target = parseUserJid(jid);
      if (!target || jid === senderJid || !encs.length) {
        continue;
      }
      const ownDevice = target.number === sender.account.number;
      this.deliver(target.number, target.device, {
        tag: 'message',
        attrs: { ...attrs, from: senderJid, ...(ownDevice ? { recipient: userJid(chat.number) } : {}) },
        content: encs,
      });
    }
    return undefined;
  }

  /** Relays a `<receipt>` to the devices of the message's author (retries: to the one device). */
  routeReceipt(sender: StanzaSender, stanza: BinaryNode): void {
    const { id, to, type, participant } = stanza.attrs;
    if (!id || !to || (type && LOCAL_RECEIPT_TYPES.has(type))) {
      return;
    }
    const senderJid = deviceJid(sender.account.number, sender.deviceId);
    const isRetry = type === 'retry';
    const relayedType = type === 'inactive' ? undefined : type;
    const content = childrenOf(stanza);
    const receipt = (attrs: Record<string, string>): BinaryNode => ({
      tag: 'receipt',
      attrs: {
        ...attrs,
        id,
        t: stanza.attrs.t ?? unixSeconds(),
        ...(relayedType ? { type: relayedType } : {}),
      },
      ...(content.length ? { content } : {}),
    });
    const author = parseUserJid(isJidGroup(to) ? participant : to);
    if (!author) {
      return;
    }
    if (isJidGroup(to)) {
      const relayed = receipt({ from: to, participant: isRetry ? senderJid : sender.account.jid });
      this.deliverTo(author.number, isRetry ? [author.device] : this.devicesOf(author.number), relayed);
      return;
    }
    if (isRetry) {
      const attrs: Record<string, string> = { from: senderJid };
      if (stanza.attrs.recipient) {
        attrs.recipient = stanza.attrs.recipient;
      }
      this.deliver(author.number, author.device, receipt(attrs));
      return;
    }
    this.deliverTo(author.number, this.devicesOf(author.number), receipt({ from: sender.account.jid }));
  }

  private routeGroupMessage(
    sender: StanzaSender,
    senderJid: string,
    groupJid: string,
    onlyParticipant: string | undefined,
    perDevice: Map<string, BinaryNode[]>,
    shared: BinaryNode[],
    attrs: Record<string, string>,
  ): string | undefined {
    const group = this.groups.get(groupJid);
    if (!group) {
      return '404';
    }
    if (
      !group.participants.has(sender.account.jid) ||
      (group.announce && !group.isAdmin(sender.account.jid))
    ) {
      return '403';
    }
    const targets: { number: string; device: number }[] = [];
    if (onlyParticipant) {
      const target = parseUserJid(onlyParticipant);
      if (target) {
        targets.push(target);
      }
    } else {
      for (const member of group.participants.keys()) {
        const number = member.split('@')[0]!;
        for (const device of this.devicesOf(number)) {
          targets.push({ number, device });
        }
      }
    }
    for (const { number, device } of targets) {
      const jid = deviceJid(number, device);
      if (jid === senderJid) {
        continue;
      }
      const content = [...(perDevice.get(jid) ?? []), ...shared];
      if (content.length) {
        this.deliver(number, device, {
          tag: 'message',
          attrs: { ...attrs, from: groupJid, participant: senderJid },
          content,
        });
      }
    }
    return undefined;
  }

  private deliverTo(number: string, devices: number[], stanza: BinaryNode): void {
    for (const device of devices) {
      this.deliver(number, device, stanza);
    }
  }
}
