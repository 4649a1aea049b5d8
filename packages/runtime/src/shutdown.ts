import type { Logger } from '@wagate/observability';
import { describeError } from './errors';

interface ShutdownStep {
  name: string;
  run: () => Promise<void> | void;
}

/**
 * Steps of a graceful shutdown, run once, in the order they were added, each bounded in time; a
 * failing step is logged and the next one still runs. The product's order is: readiness false →
 * stop taking work → close sockets (not logout) → flush state → release leases → drain NATS →
 * close the database.
 *
 * @example
 * const shutdown = new ShutdownSequence(log);
 * shutdown.add('readiness false', () => readiness.markShuttingDown());
 * shutdown.add('drain NATS', () => bus.drain());
 * onShutdownSignal(() => shutdown.run());
 */
export class ShutdownSequence {
  private readonly steps: ShutdownStep[] = [];
  private running: Promise<void> | undefined;

  /**
   * @param totalTimeoutMs the budget of the whole sequence: a step that overruns it is abandoned,
   *   and each later step still gets a second so that NATS drains and the database closes.
   */
  constructor(
    private readonly log: Logger,
    private readonly totalTimeoutMs = 20_000,
  ) {}

  add(name: string, run: ShutdownStep['run']): this {
    this.steps.push({ name, run });
    return this;
  }

  /** Runs the steps; a second call returns the first run's promise. */
  run(): Promise<void> {
    this.running ??= this.runSteps();
    return this.running;
  }

  private async runSteps(): Promise<void> {
    const deadline = performance.now() + this.totalTimeoutMs;
    for (const step of this.steps) {
      const started = performance.now();
      const allowedMs = Math.max(1_000, Math.round(deadline - started));
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(step.run),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${allowedMs} ms`)), allowedMs);
          }),
        ]);
        this.log.debug(
          { step: step.name, ms: Math.round(performance.now() - started) },
          'shutdown step done',
        );
      } catch (error) {
        this.log.error({ step: step.name, err: describeError(error) }, 'shutdown step failed');
      } finally {
        clearTimeout(timer);
      }
    }
  }
}

/**
 * Calls `handler` on the first SIGTERM or SIGINT; a second signal exits at once (an operator who
 * presses Ctrl-C twice means it). Returns a function that removes the listeners.
 *
 * @example
 * onShutdownSignal(async (signal) => { await shutdown.run(); process.exit(0); });
 */
export function onShutdownSignal(handler: (signal: NodeJS.Signals) => Promise<void> | void): () => void {
  let received = false;
  const listener = (signal: NodeJS.Signals) => {
    if (received) process.exit(130);
    received = true;
    void handler(signal);
  };
  process.on('SIGTERM', listener);
  process.on('SIGINT', listener);
  return () => {
    process.off('SIGTERM', listener);
    process.off('SIGINT', listener);
  };
}
