import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** Where webhooks may be sent (the SSRF guard's settings). */
export interface EgressPolicy {
  /** Allow every private, loopback and link-local address (monolithic demos). */
  allowPrivateNetworks: boolean;
  /** Host names, IP addresses or CIDR ranges allowed although private (`127.0.0.1`, `10.0.0.0/8`, `hooks.internal`). */
  allowedHosts: readonly string[];
}

/** How many URLs' verdicts are kept before they are all forgotten (deleted webhooks' URLs go too). */
const MAX_REMEMBERED_URLS = 10_000;

/** A webhook URL that points somewhere webhooks may not go. */
export class EgressRefusedError extends Error {
  override readonly name = 'EgressRefusedError';
  readonly code = 'EGRESS_REFUSED';
}

/** Addresses no webhook may reach unless allowed: RFC 1918, loopback, link-local, CGNAT, ULA, multicast, reserved. */
function privateRanges(): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['224.0.0.0', 3],
  ] as const) {
    list.addSubnet(network, prefix, 'ipv4');
  }
  for (const [network, prefix] of [
    ['::', 128],
    ['::1', 128],
    ['fc00::', 7],
    ['fe80::', 10],
    ['ff00::', 8],
    ['64:ff9b::', 96],
  ] as const) {
    list.addSubnet(network, prefix, 'ipv6');
  }
  return list;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * The SSRF guard: refuses webhook URLs that are not http(s) or whose host is, or resolves to, a
 * private, loopback or link-local address, unless the policy allows it. The check happens again
 * in the DNS lookup of each connection, so a name that changes its answer (DNS rebinding) cannot
 * slip through.
 *
 * @example
 * const guard = new EgressGuard({ allowPrivateNetworks: false, allowedHosts: ['127.0.0.1'] });
 * guard.assertUrl('http://10.0.0.1/hook'); // throws EgressRefusedError
 * got.post(url, { dnsLookup: guard.lookup });
 */
export class EgressGuard {
  private readonly blocked = privateRanges();
  private readonly allowedAddresses = new BlockList();
  private readonly allowedNames = new Set<string>();
  /** `assertUrl`'s verdict per URL (null: allowed): the policy never changes, and URLs repeat. */
  private readonly verdicts = new Map<string, EgressRefusedError | null>();

  constructor(private readonly policy: EgressPolicy) {
    for (const entry of policy.allowedHosts) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address ?? '');
      if (family === 0) this.allowedNames.add(entry.toLowerCase());
      else if (prefix === undefined)
        this.allowedAddresses.addAddress(address!, family === 4 ? 'ipv4' : 'ipv6');
      else this.allowedAddresses.addSubnet(address!, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
    }
  }

  /** Whether a resolved address may be reached. */
  allowsAddress(address: string): boolean {
    if (this.policy.allowPrivateNetworks) return true;
    const family = isIP(address);
    if (family === 0) return false;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const mapped = type === 'ipv6' ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] : undefined;
    if (mapped) return this.allowsAddress(mapped);
    return this.allowedAddresses.check(address, type) || !this.blocked.check(address, type);
  }

  /** Throws `EgressRefusedError` for a URL that is not http(s) or names a refused address. */
  assertUrl(url: string): void {
    let refusal = this.verdicts.get(url);
    if (refusal === undefined) {
      refusal = this.refusalOf(url) ?? null;
      if (this.verdicts.size >= MAX_REMEMBERED_URLS) this.verdicts.clear();
      this.verdicts.set(url, refusal);
    }
    if (refusal) throw refusal;
  }

  private refusalOf(url: string): EgressRefusedError | undefined {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return new EgressRefusedError('the webhook URL is not a valid URL');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return new EgressRefusedError(`webhooks go over http or https, not ${parsed.protocol}`);
    }
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0 && !this.allowsHost(host) && !this.allowsAddress(host)) {
      return new EgressRefusedError(`${host} is a private address; allow it with WEBHOOK_ALLOWED_HOSTS`);
    }
    return undefined;
  }

  /** A `dns.lookup` replacement for got (`dnsLookup`) that drops refused addresses. */
  readonly lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const allowed = this.allowsHost(hostname)
        ? addresses
        : addresses.filter((entry) => this.allowsAddress(entry.address));
      if (allowed.length === 0) {
        return callback(
          new EgressRefusedError(
            `${hostname} resolves to a private address; allow it with WEBHOOK_ALLOWED_HOSTS`,
          ),
          [],
        );
      }
      if (options.all) return callback(null, allowed);
      callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };

  private allowsHost(host: string): boolean {
    return this.allowedNames.has(host.toLowerCase());
  }
}
