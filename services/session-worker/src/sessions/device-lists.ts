import {
  type BinaryNode,
  type CacheStore,
  getBinaryNodeChild,
  getBinaryNodeChildren,
  isJidBroadcast,
  isJidGroup,
  jidDecode,
  USyncDeviceProtocol,
} from '@whiskeysockets/baileys';

/**
 * Which devices a Baileys send asks the cache for. A message to a user goes to their companion
 * devices (their phone, device 0, is added by Baileys itself); a message to a group or a status
 * goes to every device of every member, phones included.
 */
type Fanout = 'companions' | 'all-devices';

const fanoutOf = (jid: string): Fanout =>
  isJidGroup(jid) || isJidBroadcast(jid) ? 'all-devices' : 'companions';

const parseDevices = new USyncDeviceProtocol().parser;

/**
 * The devices of WhatsApp users as WhatsApp's usync answers list them, shared by every session of
 * a worker. Baileys asks WhatsApp for the devices of the recipient and of its own user before
 * every message, and caches only non-empty answers: a user with nothing but a phone (most users)
 * and an account whose only companion is this session were asked about again for every message,
 * a query round trip per message. Here every answer counts, empty ones too, for `ttlMs`, as
 * WhatsApp Web keeps device lists; a notification about a user's devices, or a message from a
 * device the list does not have, makes the next send ask again.
 *
 * @example
 * const lists = new DeviceLists(5 * 60_000, 50_000);
 * const devices = lists.viewFor(() => auth.creds.me?.id);
 * const sock = makeWASocket({ userDevicesCache: devices, auth });
 * sock.ws.on('frame', (frame) => lists.observe(frame));
 */
export class DeviceLists {
  private readonly entries = new Map<string, { devices: number[]; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly limit: number,
  ) {}

  /** The devices of `user` (device 0 is the phone), or undefined if unknown or expired. */
  devicesOf(user: string): number[] | undefined {
    const entry = this.entries.get(user);
    if (!entry) return undefined;
    if (entry.expiresAt < Date.now()) {
      this.entries.delete(user);
      return undefined;
    }
    return entry.devices;
  }

  /** Learns from a stanza WhatsApp sent a session: usync answers, device notifications, messages. */
  observe(frame: BinaryNode): void {
    switch (frame.tag) {
      case 'iq':
        if (frame.attrs.type === 'result') this.learnFromUsync(frame);
        return;
      case 'notification':
        if (frame.attrs.type === 'devices') this.forget(frame.attrs.from);
        return;
      case 'message':
        this.checkSender(frame.attrs.participant ?? frame.attrs.from);
        return;
      default:
        return;
    }
  }

  /** The cache one session gives Baileys (`userDevicesCache`): see `DeviceListView`. */
  viewFor(ownJid: () => string | undefined): DeviceListView {
    return new DeviceListView(this, ownJid);
  }

  /** Makes the next send ask WhatsApp for `user`'s devices. */
  forgetUser(user: string): void {
    this.entries.delete(user);
  }

  private learnFromUsync(frame: BinaryNode): void {
    const list = getBinaryNodeChild(getBinaryNodeChild(frame, 'usync'), 'list');
    for (const user of getBinaryNodeChildren(list, 'user')) {
      const devicesNode = getBinaryNodeChild(user, 'devices');
      const decoded = jidDecode(user.attrs.jid);
      if (!devicesNode || !decoded?.user) continue;
      let parsed: ReturnType<typeof parseDevices>;
      try {
        parsed = parseDevices(devicesNode);
      } catch {
        // An error for this user: nothing learned, the next send asks again.
        continue;
      }
      // As Baileys' extractDeviceJids: a companion without a key index cannot be sent to.
      const devices = (parsed.deviceList ?? [])
        .filter(({ id, keyIndex }) => id === 0 || Boolean(keyIndex))
        .map(({ id }) => id);
      this.remember(decoded.user, devices);
    }
  }

  private remember(user: string, devices: number[]): void {
    this.entries.delete(user);
    this.entries.set(user, { devices, expiresAt: Date.now() + this.ttlMs });
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as string);
  }

  private forget(jid: string | undefined): void {
    const user = jidDecode(jid)?.user;
    if (user) this.forgetUser(user);
  }

  private checkSender(jid: string | undefined): void {
    const sender = jidDecode(jid);
    if (!sender?.user || isJidGroup(jid)) return;
    const devices = this.entries.get(sender.user)?.devices;
    if (devices && !devices.includes(sender.device ?? 0)) this.forgetUser(sender.user);
  }
}

/**
 * The device lists as one session's Baileys socket reads them (`userDevicesCache`): seen from the
 * session's own device, which it never sends to, and fitted to the send under way (`sendingTo`).
 * Outside a send it knows nothing, so Baileys asks WhatsApp as it would.
 *
 * @example
 * const devices = lists.viewFor(() => sock.authState.creds.me?.id);
 * await devices.sendingTo(chatId, () => sock.sendMessage(chatId, { text: 'hi' }));
 */
export class DeviceListView implements CacheStore {
  private fanout: Fanout | undefined;
  private sends = 0;

  constructor(
    private readonly lists: DeviceLists,
    private readonly ownJid: () => string | undefined,
  ) {}

  /**
   * Runs a Baileys send to `jid` so that the device lists it reads fit its kind of send. A session
   * sends one message at a time; should two sends ever overlap, neither is answered from here.
   */
  async sendingTo<T>(jid: string, send: () => Promise<T>): Promise<T> {
    this.sends += 1;
    this.fanout = this.sends === 1 ? fanoutOf(jid) : undefined;
    try {
      return await send();
    } finally {
      this.sends -= 1;
      if (this.sends === 0) this.fanout = undefined;
    }
  }

  get<T>(user: string): T | undefined {
    const { fanout } = this;
    const devices = fanout ? this.lists.devicesOf(user) : undefined;
    if (!devices) return undefined;
    const own = jidDecode(this.ownJid());
    const ownDevice = own?.user === user ? own.device : undefined;
    return devices
      .filter((device) => device !== ownDevice && (fanout === 'all-devices' || device !== 0))
      .map((device) => ({ user, device })) as T;
  }

  /** What Baileys extracted is already learned, whole, from the answer itself. */
  set(): void {}

  del(user: string): void {
    this.lists.forgetUser(user);
  }

  flushAll(): void {}
}
