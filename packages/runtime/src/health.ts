import { Hono } from 'hono';
import { describeError } from './errors';

/** One dependency readiness depends on; `check` throws (or rejects) when it is not usable. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface ReadinessReport {
  ready: boolean;
  shuttingDown: boolean;
  checks: Record<string, { ok: boolean; error?: string }>;
}

/**
 * Readiness of a process: every check passes and shutdown has not begun. Liveness is separate and
 * never depends on NATS or PostgreSQL, so a broker outage never causes restart storms.
 *
 * @example
 * const readiness = new Readiness([{ name: 'nats', check: async () => bus.assertConnected() }]);
 * readiness.markShuttingDown(); // first step of a graceful shutdown
 */
export class Readiness {
  private shuttingDown = false;
  private readonly checks: ReadinessCheck[];

  constructor(checks: ReadinessCheck[] = []) {
    this.checks = [...checks];
  }

  add(check: ReadinessCheck): void {
    if (!this.checks.some((existing) => existing.name === check.name)) this.checks.push(check);
  }

  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  async report(timeoutMs = 2_000): Promise<ReadinessReport> {
    const results = await Promise.all(
      this.checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), timeoutMs, `${name} did not answer within ${timeoutMs} ms`);
          return [name, { ok: true }] as const;
        } catch (error) {
          return [name, { ok: false, error: describeError(error) }] as const;
        }
      }),
    );
    const checks = Object.fromEntries(results);
    const ready = !this.shuttingDown && results.every(([, result]) => result.ok);
    return { ready, shuttingDown: this.shuttingDown, checks };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Anything that renders Prometheus exposition text. */
export interface MetricsSource {
  render(): Promise<string>;
  readonly contentType: string;
}

/**
 * `/healthz` (liveness), `/readyz` (readiness) and `/metrics`, mounted by every service.
 *
 * @example
 * app.route('/', opsRoutes({ readiness, metrics }));
 */
export function opsRoutes(options: { readiness: Readiness; metrics?: MetricsSource }): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const report = await options.readiness.report();
    return c.json(report, report.ready ? 200 : 503);
  });
  if (options.metrics) {
    const metrics = options.metrics;
    app.get('/metrics', async (c) =>
      c.body(await metrics.render(), 200, { 'Content-Type': metrics.contentType }),
    );
  }
  return app;
}
