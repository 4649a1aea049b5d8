import type { EventEmitter } from 'node:events';
import type { WASocket } from '@whiskeysockets/baileys';

type Listener = (...args: unknown[]) => unknown;

/**
 * Baileys lets some failures of one socket escape as exceptions that would crash the worker and
 * every session on it: a frame that fails to decrypt throws out of the WebSocket's `message`
 * listener, a query that times out right after login rejects inside the async `CB:success`
 * listener, and a WebSocket closed while still connecting emits `error` after Baileys' `end()`
 * removed every `error` listener. Contained here, the first two end only that socket (it then
 * reconnects like any dropped connection) and the last is dropped, since its socket is gone.
 * Call right after `makeWASocket`, once the socket's own listeners are registered.
 *
 * @example
 * containSocketFailures(sock, (error) => sock.end(error));
 */
export function containSocketFailures(sock: WASocket, onFailure: (error: Error) => void): void {
  const client = sock.ws as unknown as EventEmitter;
  const fail = (error: unknown) => onFailure(error instanceof Error ? error : new Error(String(error)));
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
        try {
          const result = listener.apply(client, args);
          if (result instanceof Promise) result.catch(fail);
        } catch (error) {
          fail(error);
        }
      });
    }
  }
  const emit = client.emit.bind(client);
  client.emit = (event: string | symbol, ...args: unknown[]) =>
    event === 'error' && client.listenerCount('error') === 0 ? false : emit(event, ...args);
}
