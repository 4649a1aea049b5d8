/**
 * One authenticated socket of a device, from login to close.
 *
 * @example
 * emulator.socketHistory(deviceJid).map((socket) => socket.endedBy); // ['conflict', undefined]
 */
export interface SocketRecord {
  readonly connectionId: number;
  readonly openedAt: number;
  closedAt?: number;
  /** Why the server ended it, when it did (e.g. `conflict`, `logged-out`, `dropped`). */
  endedBy?: string;
}

/**
 * Counts authenticated sockets per device over time, so tests can assert that a device never had
 * two live sockets at once (the session-worker failover promise).
 */
export class SocketLedger {
  private readonly history = new Map<string, SocketRecord[]>();
  private readonly live = new Map<string, number>();
  private maxConcurrent = 0;
  private liveTotal = 0;

  opened(deviceJid: string, connectionId: number): SocketRecord {
    const record: SocketRecord = { connectionId, openedAt: Date.now() };
    const records = this.history.get(deviceJid) ?? [];
    records.push(record);
    this.history.set(deviceJid, records);
    const count = (this.live.get(deviceJid) ?? 0) + 1;
    this.live.set(deviceJid, count);
    this.liveTotal += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, count);
    return record;
  }

  closed(deviceJid: string, record: SocketRecord, endedBy?: string): void {
    if (record.closedAt !== undefined) {
      return;
    }
    record.closedAt = Date.now();
    if (endedBy && !record.endedBy) {
      record.endedBy = endedBy;
    }
    const count = (this.live.get(deviceJid) ?? 1) - 1;
    if (count > 0) {
      this.live.set(deviceJid, count);
    } else {
      this.live.delete(deviceJid);
    }
    this.liveTotal -= 1;
  }

  /** Highest number of sockets one device had open at the same instant, since start. */
  get maxConcurrentSocketsPerDevice(): number {
    return this.maxConcurrent;
  }

  /** Devices with at least one authenticated socket now. */
  get connectedDevices(): number {
    return this.live.size;
  }

  get connectedSockets(): number {
    return this.liveTotal;
  }

  liveSockets(deviceJid: string): number {
    return this.live.get(deviceJid) ?? 0;
  }

  socketHistory(deviceJid: string): readonly SocketRecord[] {
    return this.history.get(deviceJid) ?? [];
  }
}
