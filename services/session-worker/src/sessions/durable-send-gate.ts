import { createRequire } from 'node:module';
import type { Logger } from '@wagate/observability';
import type { BinaryNode, WASocket } from '@whiskeysockets/baileys';
import type { WriteOrdering } from '../auth/account-auth-state';

const require = createRequire(import.meta.url);

/**
 * Baileys encodes a stanza and hands the encrypted frame to the WebSocket in one synchronous
 * call chain (`sendNode` → `encodeBinaryNode` → noise → `ws.send`), so the last node encoded is
 * the node of the frame being sent. Wrapping the exported encoder once lets the gate see which
 * stanza each opaque frame carries. Baileys reads the export at every call, so the wrapper is seen.
 */
let lastEncoded: { node: BinaryNode; length: number } | undefined;
function watchEncodedNodes(): void {
  const encoder = require('@whiskeysockets/baileys/lib/WABinary/encode.js') as {
    encodeBinaryNode: (node: BinaryNode, ...rest: unknown[]) => Uint8Array;
    __wagateWatched?: boolean;
  };
  if (encoder.__wagateWatched) return;
  const original = encoder.encodeBinaryNode;
  encoder.encodeBinaryNode = (node, ...rest) => {
    const bytes = original(node, ...rest);
    lastEncoded = { node, length: bytes.length };
    return bytes;
  };
  encoder.__wagateWatched = true;
}

/** A Noise transport frame: 3-byte length, ciphertext, 16-byte AES-GCM tag (plus the 4-byte intro once). */
const FRAME_OVERHEAD = [3 + 16, 3 + 16 + 4];

type Send = (data: Uint8Array, callback?: (error?: Error) => void) => void;

interface HeldFrame {
  data: Uint8Array;
  node: BinaryNode | undefined;
  /** Tracked inbound stanzas that must be stored before this frame may leave. */
  waitsFor: Set<number>;
  /** Key writes through this sequence must be durable before the frame leaves. */
  writesThrough: number;
}

const RECENTLY_SENT_LIMIT = 256;

/** How long an inbound stanza may hold the socket before the gate gives up on its storage. */
const SETTLE_TIMEOUT_MS = 5_000;

/**
 * Makes what a session acknowledges to WhatsApp durable first. WhatsApp deletes a message once the
 * device acks it, and Baileys acks before the app sees the message; so the gate holds every frame
 * from the ack of an inbound message (or receipt) on, in order, until the app reports it stored.
 * A crash before that leaves the stanza unacknowledged, and WhatsApp delivers it again to the next
 * owner. The same ordering holds back Signal key writes that follow an unstored stanza, so a
 * redelivered message can still be decrypted. Only acks wait: queries go out at once, so Baileys
 * never waits on itself.
 *
 * @example
 * const gate = new DurableSendGate(log);
 * gate.attach(sock);
 * auth.orderWith(gate);
 * // after storing the messages of a `messages.upsert`:
 * gate.settleMessages(ids);
 */
export class DurableSendGate implements WriteOrdering {
  private seq = 0;
  /** Tracked inbound stanzas not yet stored: token → arrival sequence. */
  private readonly unsettled = new Map<number, number>();
  private readonly tokensByMessageId = new Map<string, number[]>();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private held: HeldFrame[] = [];
  private send: Send | undefined;
  private lastEmitSeq = 0;
  private closed = false;
  private readonly sentListeners = new Map<string, (sent: boolean) => void>();
  /** Outbound message ids written before anyone asked (`whenSent` is called after sending). */
  private readonly recentlySent = new Set<string>();
  /** Receipt acks waiting for the events emitted after them: token → sequence of the ack. */
  private readonly receiptWaits = new Map<number, number>();
  /** Called when stanzas settled (key writes may now be durable). */
  onSettled: () => void = () => {};
  /** Highest sequence through which key writes are durable (from the account's auth state). */
  durableThrough: () => number = () => Number.POSITIVE_INFINITY;

  constructor(private readonly log: Logger) {
    watchEncodedNodes();
  }

  /**
   * Wraps the socket's WebSocket; call right after `makeWASocket`. Message frames leave only once
   * the key writes issued before them (the ratchet step of their encryption) are durable, so a
   * crash never leaves a sent message whose ratchet step the next owner would repeat.
   */
  attach(sock: WASocket): void {
    const ws = sock.ws as unknown as { socket?: { send: Send } | null; on: WASocket['ws']['on'] };
    const socket = ws.socket;
    if (!socket) throw new Error('Baileys socket has no WebSocket yet');
    const original = socket.send.bind(socket);
    this.send = original;
    socket.send = (data, callback) => this.outgoing(data, callback);
    ws.on('frame', (frame: BinaryNode | Uint8Array) => {
      if (!(frame instanceof Uint8Array)) this.incoming(frame);
    });
  }

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /** Whether everything that arrived before `seq` is stored (writes up to `seq` may be durable). */
  durableUpTo(seq: number): boolean {
    for (const arrival of this.unsettled.values()) if (arrival < seq) return false;
    return true;
  }

  /** The sequence at which a batch of Baileys events was emitted. */
  eventsEmitted(): number {
    this.lastEmitSeq = this.nextSeq();
    return this.lastEmitSeq;
  }

  /** The messages of an upsert are stored (or need no storing): their acks may leave. */
  settleMessages(ids: Iterable<string>): void {
    let any = false;
    for (const id of ids) {
      const tokens = this.tokensByMessageId.get(id);
      if (!tokens) continue;
      this.tokensByMessageId.delete(id);
      for (const token of tokens) any = this.settle(token) || any;
    }
    if (any) this.released();
  }

  /**
   * Resolves true when the outbound message `id` has left for WhatsApp (no longer held by the
   * gate), false when the socket closed before.
   */
  whenSent(id: string): Promise<boolean> {
    if (this.recentlySent.delete(id)) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => this.sentListeners.set(id, resolve));
  }

  /** Whether frames are waiting for storage. */
  get holding(): boolean {
    return this.held.length > 0;
  }

  /** The socket closed: what was held is dropped (WhatsApp redelivers what was not acked). */
  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.unsettled.clear();
    this.tokensByMessageId.clear();
    this.held = [];
    for (const listener of this.sentListeners.values()) listener(false);
    this.sentListeners.clear();
    this.recentlySent.clear();
    this.onSettled();
  }

  private incoming(node: BinaryNode): void {
    if (node.tag === 'message') {
      if (Array.isArray(node.content) && node.content.some((child) => child.tag === 'unavailable')) return;
      const id = node.attrs.id;
      if (!id) return;
      const token = this.track();
      const tokens = this.tokensByMessageId.get(id) ?? [];
      tokens.push(token);
      this.tokensByMessageId.set(id, tokens);
    }
  }

  private track(): number {
    const token = this.nextSeq();
    this.unsettled.set(token, token);
    const timer = setTimeout(() => {
      this.log.warn({ token }, 'an inbound stanza was not stored in time; releasing its acknowledgement');
      for (const [id, tokens] of this.tokensByMessageId) {
        const left = tokens.filter((candidate) => candidate !== token);
        if (left.length > 0) this.tokensByMessageId.set(id, left);
        else this.tokensByMessageId.delete(id);
      }
      if (this.settle(token)) this.released();
    }, SETTLE_TIMEOUT_MS);
    timer.unref();
    this.timers.set(token, timer);
    return token;
  }

  private settle(token: number): boolean {
    clearTimeout(this.timers.get(token));
    this.timers.delete(token);
    return this.unsettled.delete(token);
  }

  private outgoing(data: Uint8Array, callback?: (error?: Error) => void): void {
    const node =
      lastEncoded && FRAME_OVERHEAD.includes(data.length - lastEncoded.length) ? lastEncoded.node : undefined;
    lastEncoded = undefined;
    const waitsFor = new Set<number>();
    if (node?.tag === 'ack' && !node.attrs.error) {
      if (node.attrs.class === 'message') {
        for (const token of this.tokensByMessageId.get(node.attrs.id ?? '') ?? []) waitsFor.add(token);
      } else if (node.attrs.class === 'receipt') {
        // A receipt's events are emitted right after its ack: wait until they are stored.
        const token = this.track();
        const ackedAt = token;
        setImmediate(() => {
          if (this.lastEmitSeq < ackedAt && this.settle(token)) this.released();
          else this.receiptWaits.set(token, ackedAt);
        });
        waitsFor.add(token);
      }
    }
    const writesThrough = node?.tag === 'message' ? this.nextSeq() - 1 : 0;
    if (this.held.length === 0 && waitsFor.size === 0 && this.durableThrough() >= writesThrough) {
      this.write(data, node);
    } else {
      this.held.push({ data, node, waitsFor, writesThrough });
    }
    // Baileys awaits this callback before going on; the frame itself leaves in order later.
    callback?.();
  }

  /** The events emitted at `emitSeq` are stored: receipts acked before then are settled. */
  eventsStored(emitSeq: number): void {
    let any = false;
    for (const [token, ackedAt] of this.receiptWaits) {
      if (ackedAt < emitSeq) {
        this.receiptWaits.delete(token);
        any = this.settle(token) || any;
      }
    }
    if (any) this.released();
  }

  /** Key writes became durable: frames waiting for them may go. */
  writesDurable(): void {
    this.released();
  }

  private released(): void {
    while (this.held.length > 0) {
      const head = this.held[0]!;
      for (const token of head.waitsFor) if (!this.unsettled.has(token)) head.waitsFor.delete(token);
      if (head.waitsFor.size > 0) break;
      if (head.writesThrough > 0 && this.durableThrough() < head.writesThrough) break;
      this.held.shift();
      this.write(head.data, head.node);
    }
    this.onSettled();
  }

  private write(data: Uint8Array, node: BinaryNode | undefined): void {
    if (this.closed || !this.send) return;
    this.send(data, (error) => {
      if (error)
        this.log.debug({ err: error.message }, 'a frame could not be written; the socket is closing');
    });
    const id = node?.tag === 'message' ? node.attrs.id : undefined;
    if (!id) return;
    const listener = this.sentListeners.get(id);
    if (listener) {
      this.sentListeners.delete(id);
      listener(true);
      return;
    }
    this.recentlySent.add(id);
    if (this.recentlySent.size > RECENTLY_SENT_LIMIT) {
      this.recentlySent.delete(this.recentlySent.values().next().value as string);
    }
  }
}
