import type { EmulatedPhone } from '../phone/emulated-phone';
import type { ClientConnection } from '../protocol/client-connection';
import { deviceJid, parseUserJid, userJid } from './jid';
import { OfflineQueue } from './offline-queue';

export interface SignedPreKeyRecord {
  readonly keyId: number;
  readonly publicKey: Buffer;
  readonly signature: Buffer;
}

export interface PreKeyRecord {
  readonly keyId: number;
  readonly publicKey: Buffer;
}

/** The Signal identity a device publishes: what `iq encrypt get <key>` hands to its peers. */
export interface DeviceKeys {
  readonly registrationId: number;
  readonly identityKey: Buffer;
  signedPreKey: SignedPreKeyRecord;
}

/** A companion (linked) device of an account: device id ≥ 1, a Baileys client in practice. */
export class LinkedDevice {
  readonly jid: string;
  readonly queue = new OfflineQueue();
  readonly preKeys: PreKeyRecord[] = [];
  /** The socket logged in as this device, if any. */
  connection: ClientConnection | undefined;
  removed = false;
  /** True once the device acknowledged the phone's app-state key share. */
  appStateKeyDelivered = false;

  constructor(
    readonly number: string,
    readonly id: number,
    readonly keyIndex: number,
    /** The client's Noise static key: logins must present it. */
    readonly noiseKey: Buffer,
    readonly keys: DeviceKeys,
    readonly platform: string,
  ) {
    this.jid = deviceJid(number, id);
  }
}

export type PresenceState = 'available' | 'unavailable';

/** A phone number on the emulated network: its phone (device 0) and its linked devices. */
export class Account {
  readonly jid: string;
  readonly devices = new Map<number, LinkedDevice>();
  /** Removed devices keep answering bundle fetches so stale sender caches do not fail sends. */
  readonly removedDevices = new Map<number, LinkedDevice>();
  banned = false;
  presence: PresenceState = 'unavailable';
  lastSeen = Math.floor(Date.now() / 1000);
  private nextDeviceId = 1;
  private nextKeyIndex = 1;

  constructor(
    readonly number: string,
    readonly lid: string,
    public pushName: string,
    readonly phone: EmulatedPhone,
  ) {
    this.jid = userJid(number);
  }

  /** Links a new companion device with the keys it registered with. */
  linkDevice(noiseKey: Buffer, keys: DeviceKeys, platform: string): LinkedDevice {
    const device = new LinkedDevice(
      this.number,
      this.nextDeviceId++,
      this.nextKeyIndex++,
      noiseKey,
      keys,
      platform,
    );
    this.devices.set(device.id, device);
    return device;
  }

  unlinkDevice(deviceId: number): LinkedDevice | undefined {
    const device = this.devices.get(deviceId);
    if (device) {
      device.removed = true;
      device.queue.clear();
      this.devices.delete(deviceId);
      this.removedDevices.set(deviceId, device);
    }
    return device;
  }

  /** Device ids a sender must encrypt to: the phone and every linked device. */
  get deviceIds(): number[] {
    return [0, ...this.devices.keys()];
  }
}

/** Every account on the emulated network, by phone number. */
export class DeviceRegistry {
  private readonly accounts = new Map<string, Account>();

  add(account: Account): void {
    if (this.accounts.has(account.number)) {
      throw new Error(`phone number ${account.number} already exists`);
    }
    this.accounts.set(account.number, account);
  }

  /** The account of a number or jid; undefined for unknown numbers and for non-numbers. */
  get(numberOrJid: string): Account | undefined {
    const digits = numberOrJid.split('@')[0]!.split(':')[0]!.replace(/\D/g, '');
    return digits ? this.accounts.get(digits) : undefined;
  }

  require(numberOrJid: string): Account {
    const account = this.get(numberOrJid);
    if (!account) {
      throw new Error(`unknown phone number ${numberOrJid}`);
    }
    return account;
  }

  all(): IterableIterator<Account> {
    return this.accounts.values();
  }

  /** The linked device a device jid names (never device 0), live or removed. */
  findDevice(jid: string): LinkedDevice | undefined {
    const parsed = parseUserJid(jid);
    if (!parsed || parsed.device === 0) {
      return undefined;
    }
    const account = this.accounts.get(parsed.number);
    return account?.devices.get(parsed.device) ?? account?.removedDevices.get(parsed.device);
  }
}
