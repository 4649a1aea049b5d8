import { randomBytes } from 'node:crypto';
import {
  aesDecryptCTR,
  aesDecryptGCM,
  aesEncryptCTR,
  type BinaryNode,
  Curve,
  derivePairingCodeKey,
  getBinaryNodeChild,
  hkdf,
  hmacSign,
  type KeyPair,
} from '@whiskeysockets/baileys';
import type { ClientConnection } from '../protocol/client-connection';
import { proto } from '../protocol/proto';
import { bytesOf, unixSeconds } from '../stanzas/nodes';
import type { Account, DeviceKeys, LinkedDevice } from '../state/device-registry';
import { SERVER_JID } from '../state/jid';
import { signDeviceIdentity } from './device-identity';

/** A fresh client waiting to be linked: what it registered with in its handshake. */
export interface PendingRegistration {
  readonly connection: ClientConnection;
  readonly noiseKey: Buffer;
  readonly keys: DeviceKeys;
  readonly platform: string;
}

/** What the pairing flow needs from the server around it. */
export interface PairingHost {
  /** Sends an iq to the connection and resolves with the client's answer. */
  request(connection: ClientConnection, iq: BinaryNode): Promise<BinaryNode>;
  /** Shares the app-state key with the new device, then sends the restart (515). */
  onLinked(account: Account, device: LinkedDevice, connection: ClientConnection): Promise<void>;
}

/** QR refs per connection and how long each one is shown, as WhatsApp and Baileys do. */
const QR_REF_COUNT = 6;
const FIRST_REF_MS = 60_000;
const NEXT_REF_MS = 20_000;
/** How long a code entry waits for the client's code request to reach the server. */
const CODE_REQUEST_WAIT_MS = 5_000;

interface QrSession {
  readonly registration: PendingRegistration;
  readonly refs: string[];
  readonly issuedAt: number;
}

interface CodeSession {
  readonly registration: PendingRegistration;
  readonly number: string;
  readonly ref: Buffer;
  readonly wrappedCompanionEphemeral: Buffer;
  finish?: (node: BinaryNode) => void;
}

/** Raised when the phone's scan or code entry cannot complete a pairing. */
export class PairingError extends Error {
  override readonly name = 'PairingError';
}

/**
 * Links companion devices to accounts, by QR scan or by pairing code, ending in the same
 * `pair-success` → `pair-device-sign` → app-state key share → restart (515) sequence.
 */
export class PairingService {
  private readonly qrByRef = new Map<string, QrSession>();
  private readonly qrByConnection = new Map<number, QrSession>();
  private readonly codeByNumber = new Map<string, CodeSession>();

  constructor(private readonly host: PairingHost) {}

  /** Shows QR refs to a fresh client: `<iq xmlns="md"><pair-device><ref/>…</pair-device></iq>`. */
  async offerQr(registration: PendingRegistration): Promise<void> {
    const refs = Array.from({ length: QR_REF_COUNT }, () => `2@${randomBytes(48).toString('base64')}`);
    const session: QrSession = { registration, refs, issuedAt: Date.now() };
    this.qrByConnection.set(registration.connection.id, session);
    for (const ref of refs) {
      this.qrByRef.set(ref, session);
    }
    await this.host.request(registration.connection, {
      tag: 'iq',
      attrs: { from: SERVER_JID, type: 'set', xmlns: 'md' },
      content: [
        {
          tag: 'pair-device',
          attrs: {},
          content: refs.map((ref) => ({ tag: 'ref', attrs: {}, content: Buffer.from(ref) })),
        },
      ],
    });
  }

  /** Forgets the pairing state of a closed connection. */
  forget(connection: ClientConnection): void {
    const session = this.qrByConnection.get(connection.id);
    if (session) {
      this.qrByConnection.delete(connection.id);
      for (const ref of session.refs) {
        this.qrByRef.delete(ref);
      }
    }
    for (const [number, codeSession] of this.codeByNumber) {
      if (codeSession.registration.connection === connection) {
        this.codeByNumber.delete(number);
      }
    }
  }

  /** The phone scanned `ref,noiseKey,identityKey,advSecret`: link that client to `account`. */
  async scanQr(account: Account, qr: string): Promise<LinkedDevice> {
    const [ref, noiseKeyB64, identityKeyB64, advSecretB64] = qr.split(',');
    const session = ref ? this.qrByRef.get(ref) : undefined;
    if (!session || !noiseKeyB64 || !identityKeyB64 || !advSecretB64) {
      throw new PairingError('QR code is not (or no longer) valid');
    }
    const index = session.refs.indexOf(ref!);
    const shownUntil = session.issuedAt + FIRST_REF_MS + index * NEXT_REF_MS;
    if (Date.now() > shownUntil) {
      throw new PairingError('QR code expired');
    }
    const { registration } = session;
    if (
      !Buffer.from(noiseKeyB64, 'base64').equals(registration.noiseKey) ||
      !Buffer.from(identityKeyB64, 'base64').equals(registration.keys.identityKey)
    ) {
      throw new PairingError('QR code keys do not match the waiting client');
    }
    this.forget(registration.connection);
    return this.completePairing(account, registration, Buffer.from(advSecretB64, 'base64'));
  }

  /** `link_code_companion_reg stage=companion_hello`: the client asked for a code for `number`. */
  companionHello(registration: PendingRegistration, stage: BinaryNode): BinaryNode[] {
    const number = (stage.attrs.jid ?? '').split('@')[0]!;
    const wrapped = bytesOf(getBinaryNodeChild(stage, 'link_code_pairing_wrapped_companion_ephemeral_pub'));
    if (!number || !wrapped || wrapped.length !== 80) {
      throw new PairingError('companion_hello without number or wrapped ephemeral key');
    }
    const ref = Buffer.from(randomBytes(16).toString('hex'));
    this.codeByNumber.set(number, { registration, number, ref, wrappedCompanionEphemeral: wrapped });
    return [
      {
        tag: 'link_code_companion_reg',
        attrs: {},
        content: [{ tag: 'link_code_pairing_ref', attrs: {}, content: ref }],
      },
    ];
  }

  /**
   * The client's code request for `number`. Baileys shows the code before the server has its
   * request, so a quick typist may be ahead of it: wait a little.
   */
  private async codeSessionFor(number: string): Promise<CodeSession> {
    const deadline = Date.now() + CODE_REQUEST_WAIT_MS;
    for (;;) {
      const session = this.codeByNumber.get(number);
      if (session) {
        return session;
      }
      if (Date.now() > deadline) {
        throw new PairingError(`no client is waiting for a pairing code for ${number}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** `link_code_companion_reg stage=companion_finish`: hands the client's answer to the phone. */
  companionFinish(stage: BinaryNode): void {
    const ref = bytesOf(getBinaryNodeChild(stage, 'link_code_pairing_ref'));
    for (const session of this.codeByNumber.values()) {
      if (ref && session.ref.equals(ref)) {
        session.finish?.(stage);
        return;
      }
    }
    throw new PairingError('companion_finish for an unknown pairing ref');
  }

  /** The phone typed the code the client shows: run the code exchange, then link. */
  async enterPairingCode(account: Account, code: string, identity: KeyPair): Promise<LinkedDevice> {
    const session = await this.codeSessionFor(account.number);
    const pairingCode = code.replace(/[-\s]/g, '').toUpperCase();
    const wrapped = session.wrappedCompanionEphemeral;
    const companionKey = await derivePairingCodeKey(pairingCode, wrapped.subarray(0, 32));
    const companionEphemeral = aesDecryptCTR(
      wrapped.subarray(48, 80),
      companionKey,
      wrapped.subarray(32, 48),
    );
    const primaryEphemeral = Curve.generateKeyPair();
    const salt = randomBytes(32);
    const iv = randomBytes(16);
    const primaryKey = await derivePairingCodeKey(pairingCode, salt);
    const wrappedPrimary = Buffer.concat([salt, iv, aesEncryptCTR(primaryEphemeral.public, primaryKey, iv)]);

    const finished = new Promise<BinaryNode>((resolve, reject) => {
      session.finish = resolve;
      setTimeout(() => reject(new PairingError('client did not finish the code pairing')), 30_000).unref();
    });
    await session.registration.connection.send({
      tag: 'notification',
      attrs: {
        from: SERVER_JID,
        type: 'link_code_companion_reg',
        id: randomBytes(8).toString('hex'),
        t: unixSeconds(),
      },
      content: [
        {
          tag: 'link_code_companion_reg',
          attrs: {},
          content: [
            { tag: 'link_code_pairing_ref', attrs: {}, content: session.ref },
            { tag: 'primary_identity_pub', attrs: {}, content: identity.public },
            { tag: 'link_code_pairing_wrapped_primary_ephemeral_pub', attrs: {}, content: wrappedPrimary },
          ],
        },
      ],
    });
    const finish = await finished;
    this.codeByNumber.delete(account.number);

    const bundle = bytesOf(getBinaryNodeChild(finish, 'link_code_pairing_wrapped_key_bundle'));
    const companionIdentity = bytesOf(getBinaryNodeChild(finish, 'companion_identity_public'));
    if (!bundle || !companionIdentity) {
      throw new PairingError('companion_finish without key bundle');
    }
    const sharedEphemeral = Curve.sharedKey(primaryEphemeral.private, companionEphemeral);
    const bundleKey = await hkdf(sharedEphemeral, 32, {
      salt: bundle.subarray(0, 32),
      info: 'link_code_pairing_key_bundle_encryption_key',
    });
    let bundlePlain: Buffer;
    try {
      bundlePlain = aesDecryptGCM(bundle.subarray(44), bundleKey, bundle.subarray(32, 44), Buffer.alloc(0));
    } catch {
      throw new PairingError('wrong pairing code');
    }
    const random = bundlePlain.subarray(64, 96);
    const identityShared = Curve.sharedKey(identity.private, companionIdentity);
    const advSecret = await hkdf(Buffer.concat([sharedEphemeral, identityShared, random]), 32, {
      info: 'adv_secret',
    });
    this.forget(session.registration.connection);
    return this.completePairing(account, session.registration, advSecret);
  }

  /** Signs the device into the account (ADV identity), waits for its signature, shares keys, restarts. */
  private async completePairing(
    account: Account,
    registration: PendingRegistration,
    advSecret: Buffer,
  ): Promise<LinkedDevice> {
    const { connection } = registration;
    if (!connection.isOpen) {
      throw new PairingError('the client disconnected before pairing completed');
    }
    const device = account.linkDevice(registration.noiseKey, registration.keys, registration.platform);
    const accountKey = account.phone.identityKey;
    const { details, accountSignature } = signDeviceIdentity(
      accountKey,
      device.keyIndex,
      registration.keys.identityKey,
    );
    const signedIdentity = proto.ADVSignedDeviceIdentity.encode({
      details,
      accountSignatureKey: accountKey.public,
      accountSignature,
    }).finish();
    const container = proto.ADVSignedDeviceIdentityHMAC.encode({
      details: signedIdentity,
      hmac: hmacSign(signedIdentity, advSecret),
    }).finish();

    let reply: BinaryNode;
    try {
      reply = await this.host.request(connection, {
        tag: 'iq',
        attrs: { from: SERVER_JID, type: 'set', xmlns: 'md' },
        content: [
          {
            tag: 'pair-success',
            attrs: {},
            content: [
              { tag: 'device-identity', attrs: {}, content: container },
              { tag: 'platform', attrs: { name: 'android' } },
              { tag: 'device', attrs: { jid: device.jid, lid: `${account.lid}:${device.id}@lid` } },
              { tag: 'biz', attrs: { name: account.pushName } },
            ],
          },
        ],
      });
    } catch (error) {
      account.unlinkDevice(device.id);
      throw error;
    }
    const signed = bytesOf(
      getBinaryNodeChild(getBinaryNodeChild(reply, 'pair-device-sign'), 'device-identity'),
    );
    const deviceIdentity = signed ? proto.ADVSignedDeviceIdentity.decode(signed) : undefined;
    const deviceMessage = Buffer.concat([
      Buffer.from([6, 1]),
      details,
      registration.keys.identityKey,
      accountKey.public,
    ]);
    if (
      !deviceIdentity?.deviceSignature ||
      !Curve.verify(registration.keys.identityKey, deviceMessage, deviceIdentity.deviceSignature)
    ) {
      account.unlinkDevice(device.id);
      throw new PairingError('client did not sign the device identity');
    }
    await this.host.onLinked(account, device, connection);
    return device;
  }
}
