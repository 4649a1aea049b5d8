import type { BinaryNode } from '@whiskeysockets/baileys';

/**
 * Identifies a delivered stanza by what the client's `<ack>` echoes back: class, id, sender, and
 * for receipts and notifications their type (a delivery and a read receipt share an id).
 */
const ackKey = (stanzaClass: string, id: string, from: string, type: string | undefined): string =>
  `${stanzaClass}|${id}|${from}|${stanzaClass === 'message' ? '' : (type ?? '')}`;

/**
 * Stanzas for one device that it has not acknowledged: queued while it is offline, in flight while
 * it is online. Like WhatsApp, unacknowledged stanzas are delivered again on the next login.
 */
export class OfflineQueue {
  private queued: BinaryNode[] = [];
  private readonly inFlight = new Map<string, BinaryNode>();

  enqueue(stanza: BinaryNode): void {
    this.queued.push(stanza);
  }

  /** Records a stanza sent to the live socket until the device acknowledges it. */
  markInFlight(stanza: BinaryNode): void {
    const { id, from, type } = stanza.attrs;
    if (id && from) {
      this.inFlight.set(ackKey(stanza.tag, id, from, type), stanza);
    }
  }

  acknowledge(stanzaClass: string, id: string, from: string, type: string | undefined): void {
    this.inFlight.delete(ackKey(stanzaClass, id, from, type));
  }

  /** Takes everything to deliver on login: unacknowledged stanzas first, then the queue. */
  drain(): BinaryNode[] {
    const stanzas = [...this.inFlight.values(), ...this.queued];
    this.inFlight.clear();
    this.queued = [];
    return stanzas;
  }

  /** Moves unacknowledged stanzas back to the queue when the socket goes away. */
  requeueInFlight(): void {
    if (this.inFlight.size) {
      this.queued = [...this.inFlight.values(), ...this.queued];
      this.inFlight.clear();
    }
  }

  clear(): void {
    this.queued = [];
    this.inFlight.clear();
  }
}
