import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { JsMsg } from '@wagate/bus';
import { streamSSE } from 'hono/streaming';
import { errors } from '../http/openapi';
import type { GatewayEnv } from '../http/request-context';
import type { GatewayRouteDeps } from '../http/route-deps';
import { SessionParam } from '../messages/views';
import type { AccountLookup } from '../sessions/account-lookup';

/** A comment line now and then keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

const streamEvents = createRoute({
  method: 'get',
  path: '/api/v1/sessions/{id}/events',
  tags: ['Events'],
  summary: 'Live event stream (SSE)',
  description:
    'Server-Sent Events of the session from `WA_EVENTS`: each event is a CloudEvents envelope as `data`, its type as `event`, and its `WA_EVENTS` sequence as `id`. Reconnect with `Last-Event-ID` (or `last_event_id`) to resume right after that event; without it the stream starts with new events. `types` filters (comma separated; `message.*` patterns allowed).',
  request: {
    params: z.object({ id: SessionParam }),
    query: z.object({
      types: z
        .string()
        .max(1024)
        .regex(/^[a-z_.*]+(,[a-z_.*]+)*$/, 'must be comma-separated event types')
        .optional()
        .openapi({ example: 'message.*,session.status' }),
      last_event_id: z
        .string()
        .regex(/^\d{1,19}$/)
        .optional(),
    }),
    headers: z.object({
      'last-event-id': z
        .string()
        .regex(/^\d{1,19}$/, 'must be an event sequence')
        .optional(),
    }),
  },
  responses: {
    200: { description: 'The event stream.', content: { 'text/event-stream': { schema: z.string() } } },
    ...errors(400, 401, 404, 503),
  },
});

function selects(patterns: string[] | undefined, type: string): boolean {
  if (!patterns) return true;
  return patterns.some(
    (pattern) =>
      pattern === '*' ||
      pattern === type ||
      (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))),
  );
}

/**
 * `GET /api/v1/sessions/{id}/events`: a live, resumable SSE stream of one session's events, read
 * from `WA_EVENTS` with an ordered consumer (so any replica can serve it, and nothing is missed
 * between a disconnect and a `Last-Event-ID` reconnect while the stream keeps the events).
 *
 * @example
 * app.route('/', eventRoutes(deps, lookup, shutdownSignal));
 */
export function eventRoutes(deps: GatewayRouteDeps, lookup: AccountLookup, shutdownSignal?: AbortSignal) {
  const app = new OpenAPIHono<GatewayEnv>();

  app.openapi(streamEvents, async (c) => {
    const account = await lookup.require(c.get('principal'), c.req.valid('param').id);
    const query = c.req.valid('query');
    const resumeAfter = c.req.valid('header')['last-event-id'] ?? query.last_event_id;
    const patterns = query.types?.split(',');
    const consumer = await deps.bus.js.consumers.get(deps.topology.streams.events, {
      filter_subjects: deps.topology.eventFilter(account.id),
      ...(resumeAfter
        ? { deliver_policy: 'by_start_sequence' as never, opt_start_seq: Number(resumeAfter) + 1 }
        : { deliver_policy: 'new' as never }),
    });
    // Consuming starts before the answer, so every event published after it is on the stream.
    const messages = await consumer.consume();
    const log = c.get('log');
    return streamSSE(c, async (stream) => {
      const stop = () => void messages.stop();
      stream.onAbort(stop);
      shutdownSignal?.addEventListener('abort', stop, { once: true });
      const keepalive = setInterval(() => void stream.write(': keepalive\n\n').catch(stop), KEEPALIVE_MS);
      try {
        await stream.writeSSE({
          event: 'ready',
          data: JSON.stringify({ session_id: account.id }),
          retry: 2_000,
        });
        for await (const msg of messages as AsyncIterable<JsMsg>) {
          const parsed = deps.topology.parseEventSubject(msg.subject);
          if (!parsed || !selects(patterns, parsed.type)) continue;
          await stream.writeSSE({ id: String(msg.seq), event: parsed.type, data: msg.string() });
          if (stream.aborted || stream.closed) break;
        }
      } catch (error) {
        log.warn({ err: (error as Error).message, session: account.id }, 'event stream ended');
      } finally {
        clearInterval(keepalive);
        shutdownSignal?.removeEventListener('abort', stop);
        stop();
      }
    });
  });

  return app;
}
