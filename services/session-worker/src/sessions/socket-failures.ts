import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventEmitter } from 'node:events';
import type { WASocket } from '@whiskeysockets/baileys';

type Listener = (...args: unknown[]) => unknown;
type FailureHandler = (error: unknown) => void;

/** The failure handler of the socket whose listener started the work running now. */
const socketScope = new AsyncLocalStorage<FailureHandler>();
let rejectionsRouted = false;

/**
 * Baileys drops some promises of its own: its WebSocket `message` listener starts the async frame
 * decoder without awaiting it, so a frame that fails to decrypt (its noise keys fell out of step,
 * which a reply arriving before Baileys finished deriving them after the handshake causes) becomes
 * an unhandled rejection, and Node ends the process with every session on it. Node runs
 * `unhandledRejection` listeners in the async context of the rejected promise, so a rejection
 * started by a socket's listener is routed to that socket's handler; any other one still crashes
 * the process, as Node would have.
 */
function routeRejectionsToSockets(): void {
  if (rejectionsRouted) return;
  rejectionsRouted = true;
  process.on('unhandledRejection', (reason) => {
    const fail = socketScope.getStore();
    if (!fail) throw reason;
    fail(reason);
  });
}

/**
 * Baileys lets some failures of one socket escape as exceptions that would crash the worker and
 * every session on it: a frame that fails to decrypt rejects inside the WebSocket's `message`
 * listener (a promise Baileys drops), a query that times out right after login rejects inside the
 * async `CB:success` listener, and a WebSocket closed while still connecting emits `error` after
 * Baileys' `end()` removed every `error` listener. Contained here, the first two end only that
 * socket (it then reconnects like any dropped connection) and the last is dropped, since its
 * socket is gone. Call right after `makeWASocket`, once the socket's own listeners are registered.
 *
 * @example
 * containSocketFailures(sock, (error) => sock.end(error));
 */
export function containSocketFailures(sock: WASocket, onFailure: (error: Error) => void): void {
  routeRejectionsToSockets();
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
      client.on(event, (...args: unknown[]) =>
        socketScope.run(fail, () => {
          try {
            const result = listener.apply(client, args);
            if (result instanceof Promise) result.catch(fail);
          } catch (error) {
            fail(error);
          }
        }),
      );
    }
  }
  const emit = client.emit.bind(client);
  client.emit = (event: string | symbol, ...args: unknown[]) =>
    event === 'error' && client.listenerCount('error') === 0 ? false : emit(event, ...args);
}
