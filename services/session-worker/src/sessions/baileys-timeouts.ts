import { createRequire } from 'node:module';

type Executor<T> = (resolve: (value: T) => void, reject: (error: unknown) => void) => unknown;
type DelayCancellable = (ms: number) => { delay: Promise<void>; cancel: () => void };

const require = createRequire(import.meta.url);
/** Baileys' helpers, the very module object its sockets call `promiseTimeout` through. */
const baileysGenerics = require('@whiskeysockets/baileys/lib/Utils/generics.js') as {
  promiseTimeout: typeof lazyPromiseTimeout;
  delayCancellable: DelayCancellable;
};
/** The `Boom` class Baileys itself throws (resolved from Baileys, which depends on it). */
const { Boom } = createRequire(require.resolve('@whiskeysockets/baileys'))('@hapi/boom') as {
  Boom: new (message: string, options: { statusCode: number; data: object }) => Error;
};
/** `DisconnectReason.timedOut`. */
const TIMED_OUT = 408;

/** Where a call came from, formatted only if someone reads it. */
function callSiteOf(caller: (...args: never[]) => unknown): { stack?: string } {
  const site: { stack?: string } = {};
  Error.captureStackTrace(site, caller);
  return site;
}

/**
 * Baileys' `promiseTimeout`, with the same outcomes: the executor's value, its error, or after
 * `ms` a `Boom` "Timed Out" (408) whose `data.stack` shows the caller.
 */
export function lazyPromiseTimeout<T>(ms: number | undefined, executor: Executor<T>): Promise<T> {
  if (!ms) return new Promise<T>(executor);
  const site = callSiteOf(lazyPromiseTimeout);
  let timer: NodeJS.Timeout | undefined;
  return new Promise<T>((resolve, reject) => {
    timer = setTimeout(
      () => reject(new Boom('Timed Out', { statusCode: TIMED_OUT, data: { stack: site.stack } })),
      ms,
    );
    executor(resolve, reject);
  }).finally(() => clearTimeout(timer));
}

/** Baileys' `delayCancellable`: `cancel` rejects `delay` with a `Boom` "Cancelled" (500). */
export const lazyDelayCancellable: DelayCancellable = (ms) => {
  const site = callSiteOf(lazyDelayCancellable);
  let timer: NodeJS.Timeout | undefined;
  let reject: (error: unknown) => void = () => {};
  const delay = new Promise<void>((resolve, rejectDelay) => {
    timer = setTimeout(resolve, ms);
    reject = rejectDelay;
  });
  const cancel = () => {
    clearTimeout(timer);
    reject(new Boom('Cancelled', { statusCode: 500, data: { stack: site.stack } }));
  };
  return { delay, cancel };
};

/**
 * Makes Baileys' timeouts capture their caller's stack without formatting it. Baileys reads
 * `new Error().stack` twice for every stanza it sends and every query, only to put it in a timeout
 * error that almost never happens; formatting a stack (with source maps, as the services run) cost
 * about 7 % of a busy worker's CPU. V8 formats a captured stack when it is first read, so the
 * errors still carry the same stack, and a completed wait creates no error at all.
 */
export function captureBaileysCallSitesLazily(): void {
  baileysGenerics.promiseTimeout = lazyPromiseTimeout;
  baileysGenerics.delayCancellable = lazyDelayCancellable;
}
