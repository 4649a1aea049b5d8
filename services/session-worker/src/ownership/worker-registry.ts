import type { KV } from '@wagate/bus';
import type { Logger } from '@wagate/observability';
import { describeError } from '@wagate/runtime';

/** What a worker says about itself in `WA_WORKERS`. */
export interface WorkerHeartbeat {
  id: string;
  startedAt: string;
  heartbeatAt: string;
  /** A draining worker is shutting down: it owns nothing new and others take its partitions. */
  draining: boolean;
}

/**
 * This worker's heartbeat in `WA_WORKERS` (the bucket's TTL removes a dead worker's entry), and
 * the list of live workers that placement hashes over.
 *
 * @example
 * const registry = new WorkerRegistry(await bus.kv(topology.buckets.workers), 'worker-a', log);
 * await registry.beat();
 * const workers = await registry.liveWorkers(2_000);
 */
export class WorkerRegistry {
  private readonly startedAt = new Date().toISOString();
  private draining = false;

  constructor(
    private readonly kv: KV,
    readonly workerId: string,
    private readonly log: Logger,
  ) {}

  /** Writes (or refreshes) the heartbeat. */
  async beat(): Promise<void> {
    const heartbeat: WorkerHeartbeat = {
      id: this.workerId,
      startedAt: this.startedAt,
      heartbeatAt: new Date().toISOString(),
      draining: this.draining,
    };
    await this.kv.put(this.workerId, JSON.stringify(heartbeat));
  }

  /** Announces the drain at once, so others stop handing partitions to this worker. */
  async markDraining(): Promise<void> {
    this.draining = true;
    await this.beat();
  }

  /** Removes the heartbeat: the worker is gone. */
  async remove(): Promise<void> {
    await this.kv.delete(this.workerId).catch((error: unknown) => {
      this.log.warn({ err: describeError(error) }, 'could not remove the worker heartbeat; it will expire');
    });
  }

  /**
   * Ids of live workers that take partitions (not draining), sorted. The key listing is bounded by
   * `timeoutMs`: it can miss its end when a heartbeat is replaced while it runs (nats.js waits for
   * a last message that never comes), and a tick stuck on it would stop this worker's heartbeats.
   */
  async liveWorkers(timeoutMs: number): Promise<string[]> {
    const keys = await this.kv.keys();
    let timer: NodeJS.Timeout | undefined;
    const ids = await Promise.race([
      (async () => {
        const listed: string[] = [];
        for await (const key of keys) listed.push(key);
        return listed;
      })(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          keys.stop();
          reject(new Error(`listing the workers took longer than ${timeoutMs} ms`));
        }, timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    const live: string[] = [];
    await Promise.all(
      ids.map(async (id) => {
        const entry = await this.kv.get(id);
        if (entry?.operation !== 'PUT') return;
        try {
          const heartbeat = JSON.parse(entry.string()) as WorkerHeartbeat;
          if (!heartbeat.draining) live.push(id);
        } catch {
          this.log.warn({ worker: id }, 'ignoring an unreadable heartbeat');
        }
      }),
    );
    return live.sort();
  }
}
