import { z } from 'zod';

/** Error codes a service answers an RPC with; the gateway maps each to one HTTP status. */
export const RpcErrorCode = z.enum([
  'invalid_request',
  'not_found',
  'conflict',
  /** The session is not logged in, so WhatsApp cannot be asked. */
  'not_connected',
  'rate_limited',
  'unavailable',
  'timeout',
  'internal',
]);
export type RpcErrorCode = z.infer<typeof RpcErrorCode>;

export const RpcError = z.object({
  code: RpcErrorCode,
  message: z.string(),
  details: z.unknown().optional(),
});
export type RpcError = z.infer<typeof RpcError>;

/**
 * The reply to every RPC on `wa.rpc.<p>.<accountId>.<op>`: the request body is the op's payload.
 *
 * @example
 * RpcReply.parse({ ok: true, data: { status: 'logged_in' } });
 */
export const RpcReply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: RpcError }),
]);
export type RpcReply = z.infer<typeof RpcReply>;
