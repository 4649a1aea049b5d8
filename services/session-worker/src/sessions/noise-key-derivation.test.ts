import { randomBytes } from 'node:crypto';
import { describe, expect, test } from '@wagate/testing';
import { immediateHkdf, webCryptoHkdf } from './noise-key-derivation';

describe('immediateHkdf', () => {
  test("derives the bytes of Baileys' WebCrypto HKDF, before the thread pool could answer", async () => {
    const cases = [
      { buffer: new Uint8Array(0), length: 64, info: { salt: randomBytes(32), info: '' } },
      { buffer: randomBytes(32), length: 64, info: { salt: randomBytes(32), info: '' } },
      { buffer: randomBytes(32), length: 112, info: { info: 'WhatsApp Image Keys' } },
      { buffer: randomBytes(32), length: 160, info: { info: 'WhatsApp Mutation Keys' } },
    ];
    for (const { buffer, length, info } of cases) {
      expect(await immediateHkdf(buffer, length, info)).toEqual(await webCryptoHkdf(buffer, length, info));
    }

    // The noise handler awaits the derivation without yielding to I/O: done within microtasks.
    const settlesWithinMicrotasks = async (derive: typeof immediateHkdf) => {
      let derived = false;
      void derive(randomBytes(32), 64, { salt: randomBytes(32), info: '' }).then(() => {
        derived = true;
      });
      for (let hop = 0; hop < 10; hop += 1) await Promise.resolve();
      return derived;
    };
    expect(await settlesWithinMicrotasks(immediateHkdf)).toBe(true);
    expect(await settlesWithinMicrotasks(webCryptoHkdf)).toBe(false);
  });
});
