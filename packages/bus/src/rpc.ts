import type { Msg, Subscription } from '@nats-io/nats-core';
import type { RpcErrorCode, RpcReply } from '@wagate/contracts';
import { describeError } from '@wagate/runtime';
import type { Bus } from './bus';
import { decodeJson, encodeJson } from './codec';

/**
 * A failure an RPC handler reports to the caller with a code from the contracts; the gateway maps
 * each code to one HTTP status.
 *
 * @example
 * throw new RpcFailure('not_connected', 'session demo is not logged in');
 */
export class RpcFailure extends Error {
  override readonly name = 'RpcFailure';
  constructor(
    readonly code: RpcErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface RpcRequest {
  subject: string;
  payload: unknown;
  msg: Msg;
}

/** Answers one RPC; the resolved value becomes `{ ok: true, data }`. */
export type RpcHandler = (request: RpcRequest) => Promise<unknown>;

/**
 * Subscribes `handler` to `subject` and replies with an `RpcReply` to each request: malformed JSON
 * is `invalid_request`, an `RpcFailure` keeps its code, anything else is `internal` (logged).
 *
 * @example
 * serveRpc(bus, topology.partitionRpcFilter(3), async ({ subject, payload }) => ({ status: 'logged_in' }));
 */
export function serveRpc(
  bus: Bus,
  subject: string,
  handler: RpcHandler,
  options: { queue?: string } = {},
): Subscription {
  return bus.nc.subscribe(subject, {
    queue: options.queue,
    callback: (error, msg) => {
      if (error) {
        bus.log.error({ subject, err: describeError(error) }, 'RPC subscription failed');
        return;
      }
      void answer(bus, handler, msg);
    },
  });
}

async function answer(bus: Bus, handler: RpcHandler, msg: Msg): Promise<void> {
  let reply: RpcReply;
  try {
    let payload: unknown = {};
    if (msg.data.length > 0) {
      try {
        payload = decodeJson(msg.data);
      } catch {
        throw new RpcFailure('invalid_request', 'request body is not valid JSON');
      }
    }
    const data = await handler({ subject: msg.subject, payload, msg });
    reply = { ok: true, data: data ?? null };
  } catch (error) {
    if (error instanceof RpcFailure) {
      reply = { ok: false, error: { code: error.code, message: error.message, details: error.details } };
    } else {
      bus.log.error({ subject: msg.subject, err: describeError(error) }, 'RPC handler failed');
      reply = {
        ok: false,
        error: { code: 'internal', message: 'the service failed to answer; see its logs' },
      };
    }
  }
  if (msg.reply) msg.respond(encodeJson(reply));
}
