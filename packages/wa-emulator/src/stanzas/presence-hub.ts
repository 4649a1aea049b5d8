import { type BinaryNode, isJidGroup } from '@whiskeysockets/baileys';
import type { Account } from '../state/device-registry';
import type { GroupDirectory } from '../state/group-directory';
import { parseUserJid } from '../state/jid';
import { childrenOf } from './nodes';

/** Sends a stanza to every live device (and the phone) of a number, without queueing it. */
export type LiveDelivery = (number: string, stanza: BinaryNode, exceptDeviceJid?: string) => void;

/**
 * Presence (`available`/`unavailable`), presence subscriptions and chat states (typing). None of
 * this is queued for offline devices: like WhatsApp it only reaches sockets that are online now.
 */
export class PresenceHub {
  /** Target user jid → device jids subscribed to its presence. */
  private readonly subscribers = new Map<string, Set<string>>();

  constructor(
    private readonly groups: GroupDirectory,
    private readonly sendLive: (deviceJid: string, stanza: BinaryNode) => void,
    private readonly deliverLive: LiveDelivery,
  ) {}

  /** `<presence type="subscribe" to>`: remember the subscriber and tell it the current state. */
  subscribe(subscriberDeviceJid: string, target: Account | undefined): void {
    if (!target) {
      return;
    }
    const set = this.subscribers.get(target.jid) ?? new Set<string>();
    set.add(subscriberDeviceJid);
    this.subscribers.set(target.jid, set);
    this.sendLive(subscriberDeviceJid, this.presenceOf(target));
  }

  unsubscribe(subscriberDeviceJid: string, targetJid: string): void {
    this.subscribers.get(targetJid)?.delete(subscriberDeviceJid);
  }

  /** A device went away: its subscriptions end with its socket, as on WhatsApp. */
  forgetSubscriber(deviceJid: string): void {
    for (const set of this.subscribers.values()) {
      set.delete(deviceJid);
    }
  }

  /** Tells every subscriber of `account` its current presence. */
  announce(account: Account): void {
    const stanza = this.presenceOf(account);
    for (const subscriber of this.subscribers.get(account.jid) ?? []) {
      this.sendLive(subscriber, stanza);
    }
  }

  /** Relays `<chatstate to>` (typing, recording, paused) from `sender` to a user or a group. */
  relayChatState(sender: Account, senderDeviceJid: string, chatState: BinaryNode): void {
    const to = chatState.attrs.to;
    const state = childrenOf(chatState)[0];
    if (!to || !state) {
      return;
    }
    if (isJidGroup(to)) {
      const group = this.groups.get(to);
      if (!group?.participants.has(sender.jid)) {
        return;
      }
      const stanza: BinaryNode = {
        tag: 'chatstate',
        attrs: { from: to, participant: sender.jid },
        content: [state],
      };
      for (const participant of group.participants.keys()) {
        this.deliverLive(participant.split('@')[0]!, stanza, senderDeviceJid);
      }
      return;
    }
    const target = parseUserJid(to);
    if (target) {
      this.deliverLive(target.number, { tag: 'chatstate', attrs: { from: sender.jid }, content: [state] });
    }
  }

  private presenceOf(account: Account): BinaryNode {
    return {
      tag: 'presence',
      attrs: {
        from: account.jid,
        ...(account.presence === 'unavailable'
          ? { type: 'unavailable', last: account.lastSeen.toString() }
          : { type: 'available' }),
      },
    };
  }
}
