import { lookup as dnsLookup, LookupAddress, LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

import type { CallbackAllowList } from '@server/config/callback-allow';

/** A connection the SSRF policy refused; permanent for the delivery that hit it. */
export class SsrfRefusedError extends Error {
  readonly code = 'SSRF_REFUSED';

  constructor(message: string) {
    super(message);
    this.name = 'SsrfRefusedError';
  }
}

// Never reachable, whatever HUB_CALLBACK_ALLOW says: link-local (which holds most cloud metadata
// services), the other well-known metadata addresses, multicast and reserved ranges.
const ALWAYS_REFUSED: [string, number, 'ipv4' | 'ipv6', string][] = [
  ['169.254.0.0', 16, 'ipv4', 'link-local'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['100.100.100.200', 32, 'ipv4', 'cloud metadata'],
  ['fd00:ec2::254', 128, 'ipv6', 'cloud metadata'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['ff00::', 8, 'ipv6', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
];

// Reachable only when HUB_CALLBACK_ALLOW admits the address or the callback's host name.
const RESTRICTED: [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', 'this-network'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'shared (CGNAT)'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol assignments'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['fc00::', 7, 'ipv6', 'unique-local (private)'],
];

/** Host names of metadata services, refused at registration (their addresses are refused anyway). */
const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
]);

interface Address {
  address: string;
  family: 'ipv4' | 'ipv6';
}

function rangeList(ranges: [string, number, 'ipv4' | 'ipv6', string][]): [BlockList, string][] {
  return ranges.map(([address, prefix, family, label]) => {
    const list = new BlockList();
    list.addSubnet(address, prefix, family);
    return [list, label];
  });
}

/**
 * Who callbacks may reach. Link-local and cloud-metadata addresses are always refused; loopback,
 * private and other internal ranges only when HUB_CALLBACK_ALLOW admits the address (an IP or CIDR
 * entry) or the callback's host name (a host entry); public addresses are allowed. IPv4-mapped and
 * NAT64 IPv6 addresses are judged as the IPv4 address they carry.
 */
export class CallbackAddressPolicy {
  private readonly alwaysRefused = rangeList(ALWAYS_REFUSED);
  private readonly restricted = rangeList(RESTRICTED);
  private readonly allowed = new BlockList();
  private readonly allowedHosts: string[];

  constructor(allow: CallbackAllowList) {
    for (const range of allow.ranges) {
      this.allowed.addSubnet(range.address, range.prefix, range.family);
    }
    this.allowedHosts = allow.hosts;
  }

  /** Why `address` may not be reached from a callback on `hostname`; undefined when it may. */
  refusal(address: string, hostname?: string): string | undefined {
    const normalized = normalizeAddress(address);
    if (!normalized) {
      return `${address} is not an IP address`;
    }
    const { address: ip, family } = normalized;
    for (const [list, label] of this.alwaysRefused) {
      if (list.check(ip, family)) {
        return `${address} is a ${label} address, which callbacks may never reach`;
      }
    }
    for (const [list, label] of this.restricted) {
      if (list.check(ip, family)) {
        if (this.allowed.check(ip, family) || (hostname && this.hostAllowed(hostname))) {
          return undefined;
        }
        return `${address} is a ${label} address; HUB_CALLBACK_ALLOW does not admit it`;
      }
    }
    return undefined;
  }

  /**
   * Registration-time check of a callback URL: an absolute http(s) URL whose host, when it is an IP
   * literal, is allowed. Host names are checked again on every connection, after DNS resolution.
   */
  callbackRefusal(callback: string): string | undefined {
    let url: URL;
    try {
      url = new URL(callback);
    } catch {
      return 'callback must be an absolute http(s) URL';
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return `callback must use http or https, not ${url.protocol.replace(/:$/, '')}`;
    }
    const host = hostOf(url);
    if (host === '') {
      return 'callback must name a host';
    }
    if (isIP(host) !== 0) {
      const refused = this.refusal(host);
      return refused ? `callback refused: ${refused}` : undefined;
    }
    if (METADATA_HOSTS.has(host.replace(/\.$/, ''))) {
      return `callback refused: ${host} is a cloud metadata service`;
    }
    return undefined;
  }

  private hostAllowed(hostname: string): boolean {
    const host = hostname.toLowerCase().replace(/\.$/, '');
    return this.allowedHosts.some((entry) =>
      entry.startsWith('*.') ? host.endsWith(entry.slice(1)) : host === entry,
    );
  }
}

/** The URL's host without IPv6 brackets, lower-case. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for node:http(s) / node:net that resolves the name and keeps only the addresses the
 * policy allows, so the check happens when the connection is made (a DNS answer that changed since
 * registration, or a rebinding attack, cannot reach a refused address).
 */
export function guardedLookup(policy: CallbackAddressPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) {
        callback(err, []);
        return;
      }
      const refusals: string[] = [];
      const allowed = addresses.filter((entry) => {
        const refused = policy.refusal(entry.address, hostname);
        if (refused) {
          refusals.push(refused);
        }
        return !refused;
      });
      if (allowed.length === 0) {
        callback(
          new SsrfRefusedError(
            `${hostname} resolves only to refused addresses (${refusals.join('; ') || 'none'})`,
          ),
          [],
        );
        return;
      }
      if (options.all) {
        callback(null, allowed);
      } else {
        callback(null, allowed[0].address, allowed[0].family);
      }
    });
  };
}

/** An IP address in canonical form; IPv4 carried in IPv6 (mapped, NAT64, compatible) unwrapped. */
export function normalizeAddress(address: string): Address | undefined {
  const plain = address.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const version = isIP(plain);
  if (version === 4) {
    return { address: plain, family: 'ipv4' };
  }
  if (version !== 6) {
    return undefined;
  }
  const words = ipv6Words(plain);
  const embedded = `${words[6] >> 8}.${words[6] & 255}.${words[7] >> 8}.${words[7] & 255}`;
  const zeroPrefix = (n: number) => words.slice(0, n).every((w) => w === 0);
  // ::ffff:a.b.c.d (mapped), 64:ff9b::a.b.c.d (NAT64), ::a.b.c.d (deprecated compatible form).
  if (zeroPrefix(5) && words[5] === 0xffff) {
    return { address: embedded, family: 'ipv4' };
  }
  if (words[0] === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((w) => w === 0)) {
    return { address: embedded, family: 'ipv4' };
  }
  if (zeroPrefix(6) && (words[6] !== 0 || words[7] > 1)) {
    return { address: embedded, family: 'ipv4' };
  }
  return { address: plain, family: 'ipv6' };
}

/** The eight 16-bit words of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function ipv6Words(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (part: string | undefined) =>
    part ? part.split(':').map((w) => parseInt(w, 16)) : [];
  const first = parse(head);
  const last = parse(tail);
  if (tail === undefined) {
    return first;
  }
  return [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last];
}
