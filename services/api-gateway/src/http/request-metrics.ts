import type { MetricsRegistry } from '@wagate/observability';
import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import type { GatewayEnv } from './request-context';

/**
 * Prometheus metrics of the API: `wagate_gateway_http_requests_total` and
 * `wagate_gateway_http_request_duration_seconds` by method, route pattern and status.
 *
 * @example
 * app.use(requestMetrics(metrics));
 */
export function requestMetrics(metrics: MetricsRegistry) {
  const requests = metrics.counter(
    'wagate_gateway_http_requests_total',
    'HTTP requests answered by the API',
    ['method', 'route', 'status'],
  );
  const duration = metrics.histogram(
    'wagate_gateway_http_request_duration_seconds',
    'Time to answer HTTP requests',
    ['method', 'route'],
  );
  return createMiddleware<GatewayEnv>(async (c, next) => {
    const started = performance.now();
    await next();
    const route = routePath(c, -1) || 'unmatched';
    const labels = { method: c.req.method, route };
    requests.inc({ ...labels, status: String(c.res.status) });
    duration.observe(labels, (performance.now() - started) / 1000);
  });
}
