import { NoRespondersError, RequestTimeoutError } from '@wagate/bus';
import {
  type AccountKindForRouting,
  CLOUD_RPC_CATALOG,
  type CloudRpcOp,
  type CommandOp,
  type CommandPayload,
  newId,
  type RpcErrorCode,
  WEB_RPC_CATALOG,
  type WebRpcOp,
  type WebRpcRequest,
  type WebRpcResponse,
} from '@wagate/contracts';
import type { z } from 'zod';
import { ApiError, type ErrorCode } from './errors';
import type { GatewayRouteDeps } from './route-deps';

/** How long a client should wait before retrying when no worker answers (failover takes seconds). */
const RETRY_AFTER_SECONDS = '2';

const RPC_ERRORS: Record<RpcErrorCode, ErrorCode> = {
  invalid_request: 'invalid_request',
  not_found: 'not_found',
  conflict: 'conflict',
  not_connected: 'not_connected',
  rate_limited: 'rate_limited',
  unavailable: 'unavailable',
  timeout: 'timeout',
  internal: 'bad_gateway',
};

/**
 * Calls the session worker that owns an account (`wa.rpc.<p>.<account>.<op>`) and returns the
 * reply's data, validated against the catalog. No worker → 503 with Retry-After, no answer in
 * time → 504, an error reply → its code's status.
 *
 * @example
 * const qr = await callWorker(deps, 'demo', 'session.qr', {});
 */
export async function callWorker<Op extends WebRpcOp>(
  deps: Pick<GatewayRouteDeps, 'bus' | 'topology' | 'rpcTimeoutMs'>,
  accountId: string,
  op: Op,
  request: WebRpcRequest<Op>,
): Promise<WebRpcResponse<Op>> {
  const spec = WEB_RPC_CATALOG[op];
  const subject = deps.topology.rpcSubject(accountId, op, 'web');
  return (await call(deps, subject, spec.request, spec.response, request)) as WebRpcResponse<Op>;
}

/**
 * Runs a call to a session worker that only matters when a worker runs the session: when none
 * does (503), there is nothing to stop or disconnect, and false says so.
 *
 * @example
 * await unlessNoWorker(() => callWorker(deps, id, 'session.stop', { logout: false }));
 */
export async function unlessNoWorker(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'unavailable') return false;
    throw error;
  }
}

/**
 * Calls the cloud bridge for a cloud account (`wa.rpc.cloud.<account>.<op>`).
 *
 * @example
 * const result = await callCloudBridge(deps, 'support', 'account.test', {});
 */
export async function callCloudBridge<Op extends CloudRpcOp>(
  deps: Pick<GatewayRouteDeps, 'bus' | 'topology' | 'rpcTimeoutMs'>,
  accountId: string,
  op: Op,
  request: z.input<(typeof CLOUD_RPC_CATALOG)[Op]['request']>,
): Promise<z.infer<(typeof CLOUD_RPC_CATALOG)[Op]['response']>> {
  const spec = CLOUD_RPC_CATALOG[op];
  const subject = deps.topology.rpcSubject(accountId, op, 'cloud');
  return (await call(deps, subject, spec.request, spec.response, request)) as z.infer<
    (typeof CLOUD_RPC_CATALOG)[Op]['response']
  >;
}

async function call(
  deps: Pick<GatewayRouteDeps, 'bus' | 'rpcTimeoutMs'>,
  subject: string,
  requestSchema: z.ZodType,
  responseSchema: z.ZodType,
  request: unknown,
): Promise<unknown> {
  const parsedRequest = requestSchema.safeParse(request);
  if (!parsedRequest.success) {
    throw new ApiError(
      'invalid_request',
      'the request is invalid',
      parsedRequest.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  }
  let reply: Awaited<ReturnType<GatewayRouteDeps['bus']['request']>>;
  try {
    reply = await deps.bus.request(subject, parsedRequest.data, { timeoutMs: deps.rpcTimeoutMs });
  } catch (error) {
    if (error instanceof NoRespondersError) {
      throw new ApiError(
        'unavailable',
        'no session worker serves this account right now (starting or failing over); retry shortly',
        undefined,
        { 'Retry-After': RETRY_AFTER_SECONDS },
      );
    }
    if (error instanceof RequestTimeoutError) {
      throw new ApiError('timeout', `the session worker did not answer within ${deps.rpcTimeoutMs} ms`);
    }
    throw error;
  }
  if (!reply.ok) {
    const code = RPC_ERRORS[reply.error.code];
    const headers =
      code === 'unavailable' || code === 'rate_limited' ? { 'Retry-After': RETRY_AFTER_SECONDS } : undefined;
    throw new ApiError(code, reply.error.message, reply.error.details, headers);
  }
  const data = responseSchema.safeParse(reply.data);
  if (!data.success) {
    throw new ApiError('bad_gateway', `the answer to ${subject} does not match the RPC catalog`);
  }
  return data.data;
}

/**
 * Starts the JetStream publishes asked for during one turn of the event loop together: the NATS
 * client writes what is queued in one microtask with one socket write, so sends that arrive
 * together share it (one write per send was a quarter of the gateway's CPU under load).
 */
const publishTurn: Array<() => void> = [];
function inNextPublishTurn<T>(publish: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (publishTurn.push(() => void publish().then(resolve, reject)) === 1) {
      setImmediate(() => {
        for (const start of publishTurn.splice(0)) start();
      });
    }
  });
}

/**
 * Publishes a durable command and resolves once JetStream stored it (the moment a 202 may be
 * promised); a broker that does not take it is 503 with Retry-After.
 *
 * @example
 * const commandId = await sendCommand(deps, 'demo', 'message.send', payload);
 */
export async function sendCommand<Op extends CommandOp>(
  deps: Pick<GatewayRouteDeps, 'bus'>,
  accountId: string,
  op: Op,
  payload: CommandPayload<Op>,
  options: { kind?: AccountKindForRouting; notBefore?: string; commandId?: string } = {},
): Promise<string> {
  const id = options.commandId ?? `cmd_${newId()}`;
  try {
    const command = {
      id,
      accountId,
      op,
      createdAt: new Date().toISOString(),
      ...(options.notBefore ? { notBefore: options.notBefore } : {}),
      payload,
    };
    await inNextPublishTurn(() => deps.bus.publishCommand(command, options.kind ?? 'web'));
  } catch {
    throw new ApiError(
      'unavailable',
      'the command queue did not accept the command; retry shortly',
      undefined,
      {
        'Retry-After': RETRY_AFTER_SECONDS,
      },
    );
  }
  return id;
}
