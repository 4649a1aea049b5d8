import { randomInt } from 'node:crypto';
import { Curve, type KeyPair } from '@whiskeysockets/baileys';
import { proto } from '../protocol/proto';

/** An ADV device identity signed by the account key, as `pair-success` carries it. */
export interface AccountSignedIdentity {
  /** `ADVDeviceIdentity` bytes (raw id, timestamp, key index). */
  readonly details: Uint8Array;
  readonly accountSignature: Uint8Array;
}

/**
 * Signs a new companion into an account: `accountSignature` covers `[6,0] ‖ details ‖
 * companionIdentityKey`, which Baileys verifies in `configureSuccessfulPairing`.
 */
export const signDeviceIdentity = (
  accountKey: KeyPair,
  keyIndex: number,
  companionIdentityKey: Uint8Array,
): AccountSignedIdentity => {
  const details = proto.ADVDeviceIdentity.encode({
    rawId: randomInt(1, 2 ** 31),
    timestamp: Math.floor(Date.now() / 1000),
    keyIndex,
  }).finish();
  const accountSignature = Curve.sign(
    accountKey.private,
    Buffer.concat([Buffer.from([6, 0]), details, companionIdentityKey]),
  );
  return { details, accountSignature };
};
