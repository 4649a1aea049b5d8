import type { Bus } from '@wagate/bus';

/** How long a known fan-out floor is trusted before JetStream is asked again. */
const REFRESH_MS = 20;

/**
 * How far the fan-out has come: every event of `WA_EVENTS` up to the fan-out consumer's ack
 * floor has its delivery jobs (and their per-chat queue rows) stored. An ordered job may only go
 * once every older event is fanned out, or an older event of its chat, fanned out late by another
 * handler or replica, could be overtaken.
 *
 * @example
 * if (!(await progress.waitFor(job.eventSequence - 1, 1_000))) delivery.nak(100);
 */
export class FanoutProgress {
  private floor = 0;
  private checkedAt = 0;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly bus: Bus) {}

  /** Whether every event up to `sequence` is fanned out. */
  async covers(sequence: number): Promise<boolean> {
    if (this.floor >= sequence) return true;
    if (Date.now() - this.checkedAt >= REFRESH_MS) {
      this.refreshing ??= this.refresh().finally(() => {
        this.refreshing = undefined;
      });
      await this.refreshing;
    }
    return this.floor >= sequence;
  }

  /** Waits up to `maxWaitMs` for the fan-out to cover `sequence` (it usually is milliseconds behind). */
  async waitFor(sequence: number, maxWaitMs: number): Promise<boolean> {
    const deadline = Date.now() + maxWaitMs;
    while (!(await this.covers(sequence))) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, REFRESH_MS));
    }
    return true;
  }

  private async refresh(): Promise<void> {
    const { topology, jsm } = this.bus;
    const info = await jsm.consumers.info(topology.streams.events, topology.consumers.webhookFanout);
    this.floor = Math.max(this.floor, info.ack_floor.stream_seq);
    this.checkedAt = Date.now();
  }
}
