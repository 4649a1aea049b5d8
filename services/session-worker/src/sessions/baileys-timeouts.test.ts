import { createRequire } from 'node:module';
import { describe, expect, test } from '@wagate/testing';
import { captureBaileysCallSitesLazily, lazyDelayCancellable, lazyPromiseTimeout } from './baileys-timeouts';

type PromiseTimeout = typeof lazyPromiseTimeout;
const require = createRequire(import.meta.url);
const generics = require('@whiskeysockets/baileys/lib/Utils/generics.js') as {
  promiseTimeout: PromiseTimeout;
};
/** What Baileys' sockets call (`Utils_1.promiseTimeout`, re-exported through getters). */
const utils = require('@whiskeysockets/baileys/lib/Utils/index.js') as { promiseTimeout: PromiseTimeout };
const baileysPromiseTimeout = generics.promiseTimeout;

/** How often V8 formats a stack while `work` runs. */
async function stackFormatsDuring(work: () => Promise<unknown>): Promise<number> {
  const original = Error.prepareStackTrace;
  let formats = 0;
  Error.prepareStackTrace = (error, frames) => {
    formats += 1;
    return original ? original(error, frames) : `${error}\n${frames.join('\n')}`;
  };
  try {
    await work();
  } finally {
    Error.prepareStackTrace = original;
  }
  return formats;
}

describe('lazyPromiseTimeout', () => {
  test("answers as Baileys' promiseTimeout does, and formats no stack when the wait completes", async () => {
    for (const timeout of [baileysPromiseTimeout, lazyPromiseTimeout]) {
      await expect(timeout(1_000, (resolve) => setTimeout(() => resolve('answer'), 5))).resolves.toBe(
        'answer',
      );
      await expect(timeout(undefined, (resolve) => resolve('untimed'))).resolves.toBe('untimed');
      await expect(timeout(1_000, (_resolve, reject) => reject(new Error('refused')))).rejects.toThrow(
        'refused',
      );
      const timedOut = await timeout(20, () => {}).catch((error: unknown) => error);
      expect(timedOut).toMatchObject({ message: 'Timed Out', output: { statusCode: 408 } });
      expect((timedOut as { data: { stack: string } }).data.stack).toContain('baileys-timeouts.test.ts');
    }

    const quickWait = () => lazyPromiseTimeout(1_000, (resolve) => resolve(1));
    expect(await stackFormatsDuring(quickWait)).toBe(0);
    expect(
      await stackFormatsDuring(() => baileysPromiseTimeout(1_000, (resolve) => resolve(1))),
    ).toBeGreaterThan(0);
  });

  test('a cancelled delay rejects with a Boom "Cancelled"; an uncancelled one resolves', async () => {
    const { delay, cancel } = lazyDelayCancellable(1_000);
    cancel();
    await expect(delay).rejects.toMatchObject({ message: 'Cancelled', output: { statusCode: 500 } });
    await expect(lazyDelayCancellable(5).delay).resolves.toBeUndefined();
  });

  test("once installed, Baileys' own exports use the lazy timeouts", () => {
    captureBaileysCallSitesLazily();
    expect(generics.promiseTimeout).toBe(lazyPromiseTimeout);
    expect(utils.promiseTimeout).toBe(lazyPromiseTimeout);
  });
});
