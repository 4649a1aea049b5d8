import { aesDecryptGCM, aesEncryptGCM, Curve, hkdf, type KeyPair, sha256 } from '@whiskeysockets/baileys';
import { NOISE_PROLOGUE } from './frame-codec';
import { proto } from './proto';

/** `Noise_XX_25519_AESGCM_SHA256\0\0\0\0` is exactly 32 bytes, so it is the initial hash itself. */
const NOISE_PROTOCOL_NAME = Buffer.from('Noise_XX_25519_AESGCM_SHA256\0\0\0\0');

const nonce = (counter: number): Buffer => {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(counter, 8);
  return iv;
};

/** What the client proved and said in its handshake finish. */
export interface ClientHandshake {
  /** The client's long-lived Noise static key (`creds.noiseKey.public`), identifying the device. */
  readonly noiseKey: Buffer;
  readonly payload: InstanceType<typeof proto.ClientPayload>;
}

/**
 * The responder side of WhatsApp's Noise XX handshake, mirroring Baileys' `noise-handler.js`: one
 * symmetric state whose counter is shared while handshaking, then a key and a counter per direction.
 */
export class NoiseResponder {
  private hash: Buffer = NOISE_PROTOCOL_NAME;
  private salt: Buffer = NOISE_PROTOCOL_NAME;
  private handshakeKey: Buffer = NOISE_PROTOCOL_NAME;
  private handshakeCounter = 0;
  private readonly ephemeral: KeyPair = Curve.generateKeyPair();
  private clientEphemeral: Buffer | undefined;
  private sendKey: Buffer | undefined;
  private receiveKey: Buffer | undefined;
  private sendCounter = 0;
  private receiveCounter = 0;

  constructor(
    private readonly serverStatic: KeyPair,
    private readonly certificateChain: Uint8Array,
  ) {
    this.authenticate(NOISE_PROLOGUE);
  }

  get isEstablished(): boolean {
    return this.sendKey !== undefined;
  }

  /** Answers the client hello frame with the server hello frame (ephemeral, static, certificate). */
  async respondToHello(frame: Uint8Array): Promise<Uint8Array> {
    const ephemeral = proto.HandshakeMessage.decode(frame).clientHello?.ephemeral;
    if (ephemeral?.length !== 32) {
      throw new Error('client hello without a 32-byte ephemeral key');
    }
    this.clientEphemeral = Buffer.from(ephemeral);
    this.authenticate(this.clientEphemeral);
    this.authenticate(this.ephemeral.public);
    await this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, this.clientEphemeral));
    const encryptedStatic = this.encryptHandshake(this.serverStatic.public);
    await this.mixIntoKey(Curve.sharedKey(this.serverStatic.private, this.clientEphemeral));
    const encryptedCertificate = this.encryptHandshake(this.certificateChain);
    return proto.HandshakeMessage.encode({
      serverHello: {
        ephemeral: this.ephemeral.public,
        static: encryptedStatic,
        payload: encryptedCertificate,
      },
    }).finish();
  }

  /** Reads the client finish frame, then switches to the per-direction transport keys. */
  async acceptFinish(frame: Uint8Array): Promise<ClientHandshake> {
    const finish = proto.HandshakeMessage.decode(frame).clientFinish;
    if (!finish?.static || !finish.payload || !this.clientEphemeral) {
      throw new Error('client finish out of order or incomplete');
    }
    const noiseKey = this.decryptHandshake(finish.static);
    if (noiseKey.length !== 32) {
      throw new Error('client static key is not 32 bytes');
    }
    await this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, noiseKey));
    const payload = proto.ClientPayload.decode(this.decryptHandshake(finish.payload));
    const keys = await hkdf(Buffer.alloc(0), 64, { salt: this.salt, info: '' });
    // The client encrypts with the first half and decrypts with the second.
    this.receiveKey = keys.subarray(0, 32);
    this.sendKey = keys.subarray(32);
    return { noiseKey, payload };
  }

  /** Encrypts one transport frame to the client. */
  encrypt(plaintext: Uint8Array): Buffer {
    if (!this.sendKey) {
      throw new Error('noise session not established');
    }
    return aesEncryptGCM(plaintext, this.sendKey, nonce(this.sendCounter++), Buffer.alloc(0));
  }

  /** Decrypts one transport frame from the client. */
  decrypt(ciphertext: Uint8Array): Buffer {
    if (!this.receiveKey) {
      throw new Error('noise session not established');
    }
    return aesDecryptGCM(ciphertext, this.receiveKey, nonce(this.receiveCounter++), Buffer.alloc(0));
  }

  private authenticate(data: Uint8Array): void {
    this.hash = sha256(Buffer.concat([this.hash, data]));
  }

  private async mixIntoKey(material: Uint8Array): Promise<void> {
    const derived = await hkdf(Buffer.from(material), 64, { salt: this.salt, info: '' });
    this.salt = derived.subarray(0, 32);
    this.handshakeKey = derived.subarray(32);
    this.handshakeCounter = 0;
  }

  private encryptHandshake(plaintext: Uint8Array): Buffer {
    const ciphertext = aesEncryptGCM(plaintext, this.handshakeKey, nonce(this.handshakeCounter++), this.hash);
    this.authenticate(ciphertext);
    return ciphertext;
  }

  private decryptHandshake(ciphertext: Uint8Array): Buffer {
    const plaintext = aesDecryptGCM(ciphertext, this.handshakeKey, nonce(this.handshakeCounter++), this.hash);
    this.authenticate(ciphertext);
    return plaintext;
  }
}

/**
 * A certificate chain Baileys accepts: it only checks that the intermediate's issuer serial is 0
 * (`WA_CERT_DETAILS.SERIAL`) and verifies no signature, so the emulator signs with its own key.
 */
export const createCertificateChain = (serverStatic: KeyPair): Uint8Array => {
  const issuer = Curve.generateKeyPair();
  const intermediateDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: 1,
    issuerSerial: 0,
    key: issuer.public,
    notBefore: 0,
    notAfter: 4102444800,
  }).finish();
  const leafDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: 2,
    issuerSerial: 1,
    key: serverStatic.public,
    notBefore: 0,
    notAfter: 4102444800,
  }).finish();
  return proto.CertChain.encode({
    intermediate: {
      details: intermediateDetails,
      signature: Curve.sign(issuer.private, intermediateDetails),
    },
    leaf: { details: leafDetails, signature: Curve.sign(issuer.private, leafDetails) },
  }).finish();
};
