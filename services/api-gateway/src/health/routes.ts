import os from 'node:os';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { AccountsRepository } from '@wagate/db';
import { errors, json } from '../http/openapi';
import type { GatewayEnv } from '../http/request-context';
import type { GatewayRouteDeps } from '../http/route-deps';

const health = createRoute({
  method: 'get',
  path: '/api/v1/health',
  tags: ['Health'],
  summary: 'API health',
  description:
    'Liveness of the API (seed 002). Readiness, with its dependencies, is `/readyz`; Prometheus metrics are `/metrics`.',
  security: [],
  responses: {
    200: json(
      z.object({
        status: z.literal('ok'),
        timestamp: z.iso.datetime().openapi({ example: '2026-01-01T00:00:00.000Z' }),
      }),
      'The API answers.',
    ),
  },
});

const Lag = z.object({ pending: z.number().int(), ack_pending: z.number().int() });
const resources = createRoute({
  method: 'get',
  path: '/api/v1/health/resources',
  tags: ['Health'],
  summary: 'Resource usage',
  description:
    'CPU, memory, sessions by status and queue lag of the command and webhook consumers (seed 002).',
  responses: {
    200: json(
      z
        .object({
          timestamp: z.string(),
          cpu: z.object({
            cores: z.number().int(),
            load_average: z.array(z.number()),
            process_user_ms: z.number(),
            process_system_ms: z.number(),
          }),
          memory: z.object({
            rss_bytes: z.number(),
            heap_used_bytes: z.number(),
            system_total_bytes: z.number(),
            system_free_bytes: z.number(),
          }),
          uptime_seconds: z.number(),
          sessions: z.object({
            total: z.number().int(),
            by_status: z.record(z.string(), z.number().int()),
            cloud_accounts: z.number().int(),
          }),
          queues: z.object({
            commands: Lag,
            webhooks: Lag,
            events: z.object({ messages: z.number().int(), bytes: z.number() }),
          }),
        })
        .openapi('Resources'),
      'Usage figures.',
    ),
    ...errors(401, 503),
  },
});

/**
 * `GET /api/v1/health` (public) and `GET /api/v1/health/resources` (seed 002).
 *
 * @example
 * app.route('/', healthRoutes(deps));
 */
export function healthRoutes(deps: GatewayRouteDeps) {
  const accounts = new AccountsRepository(deps.db, deps.topology.partitions);
  const app = new OpenAPIHono<GatewayEnv>();
  app.openapi(health, (c) => c.json({ status: 'ok' as const, timestamp: new Date().toISOString() }, 200));

  app.openapi(resources, async (c) => {
    const jsm = deps.bus.jsm;
    const { streams, consumers } = deps.topology;
    const commandLag = { pending: 0, ack_pending: 0 };
    for await (const info of jsm.consumers.list(streams.commands)) {
      commandLag.pending += info.num_pending;
      commandLag.ack_pending += info.num_ack_pending;
    }
    const webhookInfo = await jsm.consumers
      .info(streams.webhooks, consumers.webhookDelivery)
      .catch(() => undefined);
    const events = await jsm.streams.info(streams.events);
    const rows = await accounts.list({ kind: 'web', limit: 100_000 });
    const byStatus: Record<string, number> = {};
    for (const row of rows) byStatus[row.sessionStatus] = (byStatus[row.sessionStatus] ?? 0) + 1;
    const usage = process.cpuUsage();
    const memory = process.memoryUsage();
    return c.json(
      {
        timestamp: new Date().toISOString(),
        cpu: {
          cores: os.cpus().length,
          load_average: os.loadavg(),
          process_user_ms: Math.round(usage.user / 1000),
          process_system_ms: Math.round(usage.system / 1000),
        },
        memory: {
          rss_bytes: memory.rss,
          heap_used_bytes: memory.heapUsed,
          system_total_bytes: os.totalmem(),
          system_free_bytes: os.freemem(),
        },
        uptime_seconds: Math.round(process.uptime()),
        sessions: { total: rows.length, by_status: byStatus, cloud_accounts: await accounts.count('cloud') },
        queues: {
          commands: commandLag,
          webhooks: {
            pending: webhookInfo?.num_pending ?? 0,
            ack_pending: webhookInfo?.num_ack_pending ?? 0,
          },
          events: { messages: events.state.messages, bytes: events.state.bytes },
        },
      },
      200,
    );
  });
  return app;
}
