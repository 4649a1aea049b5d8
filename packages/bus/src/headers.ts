import { headers as createHeaders, type MsgHdrs } from '@nats-io/nats-core';
import { CONTRACTS_VERSION, CONTRACTS_VERSION_HEADER } from '@wagate/contracts';
import { type Context, extractTraceContext, injectTraceContext } from '@wagate/observability';

/**
 * Headers for a message the product publishes: the contracts version, the active trace context
 * (W3C `traceparent`) and any extra headers.
 *
 * @example
 * const headers = outgoingHeaders({ 'Wagate-Command-Id': id });
 */
export function outgoingHeaders(extra: Record<string, string> = {}): MsgHdrs {
  const headers = createHeaders();
  headers.set(CONTRACTS_VERSION_HEADER, String(CONTRACTS_VERSION));
  injectTraceContext(headers, (carrier, key, value) => carrier.set(key, value));
  for (const [key, value] of Object.entries(extra)) headers.set(key, value);
  return headers;
}

/**
 * The trace context a message carries, to parent the span of its handling.
 *
 * @example
 * const parent = incomingTraceContext(msg.headers);
 */
export function incomingTraceContext(headers: MsgHdrs | undefined): Context {
  return extractTraceContext(headers, (carrier, key) => carrier?.get(key));
}
