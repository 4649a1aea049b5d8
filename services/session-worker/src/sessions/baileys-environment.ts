import { Agent } from 'node:https';
import type { Logger } from '@wagate/observability';
import {
  type BinaryNode,
  Browsers,
  type CacheStore,
  type UserFacingSocketConfig,
  type WASocket,
} from '@whiskeysockets/baileys';
import type { SessionWorkerConfig } from '../config';
import { captureBaileysCallSitesLazily } from './baileys-timeouts';
import { DeviceLists, type DeviceListView } from './device-lists';
import { deriveBaileysKeysImmediately } from './noise-key-derivation';
import { watchFrameDecoding } from './socket-failures';

/** A small TTL cache; Baileys keeps retry counters and call offers in it. */
class TtlCache implements CacheStore {
  private readonly entries = new Map<string, { value: unknown; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly limit: number,
  ) {}

  get<T>(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt < Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value as T;
  }

  set<T>(key: string, value: T): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: Date.now() + this.ttlMs });
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as string);
  }

  del(key: string): void {
    this.entries.delete(key);
  }

  flushAll(): void {
    this.entries.clear();
  }
}

/**
 * What every Baileys socket of a worker shares: the WebSocket URL, the media TLS agent, the log
 * level, key derivation that completes at once (`deriveBaileysKeysImmediately`), timeouts that
 * format no stack unless they fire (`captureBaileysCallSitesLazily`), frame decoding whose failures
 * `containSocketFailures` can catch (`watchFrameDecoding`), and the caches Baileys would
 * otherwise create per socket (device lists and retry counters are facts about other users and
 * message ids, the same for every account), which keeps an idle session small.
 *
 * @example
 * const environment = new BaileysEnvironment(config, log);
 * makeWASocket({ ...environment.socketConfig('demo', environment.deviceListView(ownJid)), auth });
 */
export class BaileysEnvironment {
  /** Device lists are facts about other users, the same for every account (`DeviceLists`). */
  private readonly deviceLists = new DeviceLists(5 * 60_000, 50_000);
  private readonly msgRetryCounterCache = new TtlCache(60 * 60_000, 50_000);
  private readonly callOfferCache = new TtlCache(5 * 60_000, 10_000);
  private readonly placeholderResendCache = new TtlCache(60 * 60_000, 10_000);
  private readonly mediaAgent: Agent | undefined;

  constructor(
    private readonly config: SessionWorkerConfig,
    private readonly log: Logger,
  ) {
    this.mediaAgent = config.WA_INSECURE_MEDIA_TLS ? new Agent({ rejectUnauthorized: false }) : undefined;
    deriveBaileysKeysImmediately();
    captureBaileysCallSitesLazily();
    watchFrameDecoding();
  }

  /** Baileys' level, never chattier than the worker's own. */
  private get level(): string {
    const { levels } = this.log;
    const own = this.log.levelVal;
    const wanted = levels.values[this.config.BAILEYS_LOG_LEVEL] ?? Number.POSITIVE_INFINITY;
    return wanted >= own ? this.config.BAILEYS_LOG_LEVEL : this.log.level;
  }

  /** The device lists as the account whose own device `ownJid` names (once paired) sees them. */
  deviceListView(ownJid: () => string | undefined): DeviceListView {
    return this.deviceLists.viewFor(ownJid);
  }

  /**
   * Socket settings for one account (auth and callbacks are added by the session); `devices` is
   * the account's view of the device lists (`deviceListView`).
   */
  socketConfig(accountId: string, devices: DeviceListView): Partial<UserFacingSocketConfig> {
    const logger = this.log.child({ component: 'baileys', account: accountId }, { level: this.level });
    return {
      waWebSocketUrl: this.config.WA_WEBSOCKET_URL,
      browser: Browsers.ubuntu('Chrome'),
      logger: logger as unknown as UserFacingSocketConfig['logger'],
      printQRInTerminal: false,
      markOnlineOnConnect: this.config.MARK_ONLINE_ON_CONNECT,
      syncFullHistory: false,
      // The worker records and publishes its own sends; Baileys' echo of them would be redundant work.
      emitOwnEvents: false,
      defaultQueryTimeoutMs: 20_000,
      connectTimeoutMs: 20_000,
      userDevicesCache: devices,
      msgRetryCounterCache: this.msgRetryCounterCache,
      callOfferCache: this.callOfferCache,
      placeholderResendCache: this.placeholderResendCache,
      ...(this.mediaAgent ? { fetchAgent: this.mediaAgent, options: { httpsAgent: this.mediaAgent } } : {}),
    };
  }

  /** Lets the worker's device lists learn from what WhatsApp tells this socket. */
  watch(sock: WASocket): void {
    sock.ws.on('frame', (frame: BinaryNode | Uint8Array) => {
      if (!(frame instanceof Uint8Array)) this.deviceLists.observe(frame);
    });
  }

  /** Options for media downloads (the same TLS settings as uploads). */
  downloadOptions(): { options?: { httpsAgent: Agent } } {
    return this.mediaAgent ? { options: { httpsAgent: this.mediaAgent } } : {};
  }
}
