import {
  type AuthenticationCreds,
  Curve,
  createSignalIdentity,
  initAuthCreds,
  type SignalKeyStore,
} from '@whiskeysockets/baileys';
import { MemorySignalKeyStore } from '../phone/memory-auth-state';
import { proto } from '../protocol/proto';
import type { Account } from '../state/device-registry';
import { signDeviceIdentity } from './device-identity';

/**
 * Baileys credentials and keys of a device linked without a QR scan.
 *
 * @example
 * const { creds, keys } = emulator.provisionLinkedDevice('15550001111');
 */
export interface ProvisionedDevice {
  readonly deviceJid: string;
  readonly creds: AuthenticationCreds;
  /** Holds the app-state sync key the phone shares at pairing. */
  readonly keys: SignalKeyStore;
}

/**
 * Links a device to `account` server-side and returns the credentials Baileys would hold after a
 * QR pairing and its restart: the same ADV identity signatures, `me`, and the app-state key.
 */
export const provisionLinkedDevice = (account: Account): ProvisionedDevice => {
  const creds = initAuthCreds();
  const device = account.linkDevice(
    Buffer.from(creds.noiseKey.public),
    {
      registrationId: creds.registrationId,
      identityKey: Buffer.from(creds.signedIdentityKey.public),
      signedPreKey: {
        keyId: creds.signedPreKey.keyId,
        publicKey: Buffer.from(creds.signedPreKey.keyPair.public),
        signature: Buffer.from(creds.signedPreKey.signature),
      },
    },
    'web',
  );
  device.appStateKeyDelivered = true;
  const accountKey = account.phone.identityKey;
  const { details, accountSignature } = signDeviceIdentity(
    accountKey,
    device.keyIndex,
    creds.signedIdentityKey.public,
  );
  const deviceSignature = Curve.sign(
    creds.signedIdentityKey.private,
    Buffer.concat([Buffer.from([6, 1]), details, creds.signedIdentityKey.public, accountKey.public]),
  );
  const appStateKey = account.phone.appStateKeyForAuthState();
  const keys = new MemorySignalKeyStore();
  keys.set({ 'app-state-sync-key': { [appStateKey.id]: appStateKey.data } });
  Object.assign(creds, {
    account: proto.ADVSignedDeviceIdentity.fromObject({
      details,
      accountSignatureKey: accountKey.public,
      accountSignature,
      deviceSignature,
    }),
    me: { id: device.jid, name: account.pushName, lid: `${account.lid}:${device.id}@lid` },
    signalIdentities: [createSignalIdentity(device.jid, accountKey.public)],
    platform: 'android',
    myAppStateKeyId: appStateKey.id,
  } satisfies Partial<AuthenticationCreds>);
  return { deviceJid: device.jid, creds, keys };
};
