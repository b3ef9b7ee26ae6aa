import { isIP } from 'node:net';

/** An IP range from HUB_CALLBACK_ALLOW. */
export interface AllowedRange {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** HUB_CALLBACK_ALLOW, parsed: host names (exact or `*.suffix`) and IP ranges. */
export interface CallbackAllowList {
  /** Lower-case host names; an entry starting with `*.` admits every sub-domain of the rest. */
  hosts: string[];
  ranges: AllowedRange[];
}

const HOST_NAME =
  /^(\*\.)?([a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/;

/**
 * Reads `HUB_CALLBACK_ALLOW`: comma-separated entries, each an IP (`10.1.2.3`, `::1`), a CIDR range
 * (`127.0.0.0/8`, `fc00::/7`) or a host name (`hooks.internal`, `*.svc.cluster.local`).
 * Throws a message fit for the start-up error list.
 */
export function parseCallbackAllow(raw: string): CallbackAllowList {
  const list: CallbackAllowList = { hosts: [], ranges: [] };
  const problems: string[] = [];
  for (const entry of raw.split(',').map((e) => e.trim().toLowerCase())) {
    if (entry === '') {
      continue;
    }
    const slash = entry.indexOf('/');
    const address = (slash < 0 ? entry : entry.slice(0, slash)).replace(/^\[(.*)\]$/, '$1');
    const version = isIP(address);
    if (version !== 0) {
      const max = version === 4 ? 32 : 128;
      const prefixText = slash < 0 ? String(max) : entry.slice(slash + 1);
      const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
      if (!(prefix >= 0 && prefix <= max)) {
        problems.push(`"${entry}" has an invalid prefix length (0-${max})`);
        continue;
      }
      list.ranges.push({ address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' });
      continue;
    }
    if (slash < 0 && HOST_NAME.test(entry) && !/^[\d.]+$/.test(entry)) {
      list.hosts.push(entry.replace(/\.$/, ''));
      continue;
    }
    problems.push(`"${entry}" is neither an IP address, a CIDR range nor a host name`);
  }
  if (problems.length > 0) {
    throw new Error(`HUB_CALLBACK_ALLOW: ${problems.join('; ')}`);
  }
  return list;
}
