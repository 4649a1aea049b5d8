import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { WASocket } from '@whiskeysockets/baileys';

type Listener = (...args: unknown[]) => unknown;
type FailureHandler = (error: unknown) => void;
type DecodeFrame = (data: Uint8Array, onFrame: (frame: unknown) => void) => Promise<void>;

/** Baileys' noise handler module, the very object its sockets create their handler through. */
const noiseHandlers = createRequire(import.meta.url)(
  '@whiskeysockets/baileys/lib/Utils/noise-handler.js',
) as {
  makeNoiseHandler: (...args: never[]) => { decodeFrame: DecodeFrame };
  __wagateWatched?: boolean;
};

/** The frame decoding that the `message` listener running now started (set within that call). */
let decodingStarted: Promise<void> | undefined;

function takeDecodingStarted(): Promise<void> | undefined {
  const decoding = decodingStarted;
  decodingStarted = undefined;
  return decoding;
}

/**
 * Lets `containSocketFailures` see the frame decoding Baileys starts and drops: its WebSocket
 * `message` listener starts the async decoder without awaiting it, so a frame that fails to
 * decrypt (its noise keys fell out of step) would become an unhandled rejection, and Node would end
 * the process with every session on it. The decoder is started synchronously inside the listener,
 * so the wrapped listener picks up that very promise right after the call. Call before the first
 * `makeWASocket` (sockets made before keep their unwatched decoder).
 */
export function watchFrameDecoding(): void {
  if (noiseHandlers.__wagateWatched) return;
  const makeNoiseHandler = noiseHandlers.makeNoiseHandler;
  noiseHandlers.makeNoiseHandler = (...args) => {
    const handler = makeNoiseHandler(...args);
    const decodeFrame = handler.decodeFrame;
    handler.decodeFrame = (data, onFrame) => {
      const decoding = decodeFrame(data, onFrame);
      decodingStarted = decoding;
      return decoding;
    };
    return handler;
  };
  noiseHandlers.__wagateWatched = true;
}

/**
 * Baileys lets some failures of one socket escape as exceptions that would crash the worker and
 * every session on it: a frame that fails to decrypt rejects the decoding that the WebSocket's
 * `message` listener starts and drops (`watchFrameDecoding`), a query that times out right after
 * login rejects inside the async `CB:success` listener, and a WebSocket closed while still
 * connecting emits `error` after Baileys' `end()` removed every `error` listener. Contained here,
 * the first two end only that socket (it then reconnects like any dropped connection) and the last
 * is dropped, since its socket is gone. Call right after `makeWASocket`, once the socket's own
 * listeners are registered.
 *
 * @example
 * containSocketFailures(sock, (error) => sock.end(error));
 */
export function containSocketFailures(sock: WASocket, onFailure: (error: Error) => void): void {
  if (!noiseHandlers.__wagateWatched) throw new Error('call watchFrameDecoding() before makeWASocket');
  const client = sock.ws as unknown as EventEmitter;
  const fail: FailureHandler = (error) =>
    onFailure(error instanceof Error ? error : new Error(String(error)));
  // Only the permanent listeners: Baileys removes its temporary ones (`open`, `close`, `error`,
  // `frame`, `TAG:<id>`) by identity, which a wrapper would defeat.
  const permanent = client
    .eventNames()
    .filter((event) => event === 'message' || (typeof event === 'string' && event.startsWith('CB:')));
  for (const event of permanent) {
    const listeners = client.listeners(event) as Listener[];
    client.removeAllListeners(event);
    for (const listener of listeners) {
      client.on(event, (...args: unknown[]) => {
        decodingStarted = undefined;
        try {
          const result = listener.apply(client, args);
          if (result instanceof Promise) result.catch(fail);
        } catch (error) {
          fail(error);
        }
        takeDecodingStarted()?.catch(fail);
      });
    }
  }
  const emit = client.emit.bind(client);
  client.emit = (event: string | symbol, ...args: unknown[]) =>
    event === 'error' && client.listenerCount('error') === 0 ? false : emit(event, ...args);
}
