import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type { Counter, Gauge, Histogram } from 'prom-client';

/**
 * A Prometheus registry whose metrics are created once and then reused, so several services (or
 * several instances in tests) in one process share one `/metrics` without "already registered"
 * errors. Metric names follow `wagate_<component>_<what>_<unit>`.
 *
 * @example
 * const metrics = new MetricsRegistry();
 * metrics.counter('wagate_bus_published_total', 'Messages published', ['stream']).inc({ stream: 'WA_EVENTS' });
 * const text = await metrics.render();
 */
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor(options: { collectDefaults?: boolean; defaultLabels?: Record<string, string> } = {}) {
    if (options.defaultLabels) this.registry.setDefaultLabels(options.defaultLabels);
    if (options.collectDefaults ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'wagate_' });
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return this.getOrCreate(name, () => new Counter({ name, help, labelNames, registers: [this.registry] }));
  }

  gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return this.getOrCreate(name, () => new Gauge({ name, help, labelNames, registers: [this.registry] }));
  }

  histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets: number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  ): Histogram<L> {
    return this.getOrCreate(
      name,
      () => new Histogram({ name, help, labelNames, buckets, registers: [this.registry] }),
    );
  }

  /** The exposition text for `GET /metrics`. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private getOrCreate<M>(name: string, create: () => M): M {
    return (this.registry.getSingleMetric(name) as M | undefined) ?? create();
  }
}
