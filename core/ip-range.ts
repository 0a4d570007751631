// IP addresses and CIDR ranges as written in `identity.proxy.trustedProxies`.
// `node:net` isIP is a pure string check, so this module stays free of I/O.
import { isIP } from 'node:net';

/** One trusted proxy entry: a single address, or a range when `prefix` is set. */
export interface IpRange {
  address: string;
  family: 'ipv4' | 'ipv6';
  /** Prefix length of a CIDR range (`10.0.0.0/8` has 8); undefined for a single address. */
  prefix?: number;
}

/** Parses `127.0.0.1`, `::1`, `10.0.0.0/8` or `fd00::/8`; returns a reason when the entry is invalid. */
export function parseIpRange(entry: string): { range: IpRange } | { error: string } {
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const version = address.includes('%') ? 0 : isIP(address);
  if (version === 0) return { error: `"${address}" is not an IPv4 or IPv6 address` };
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (slash === -1) return { range: { address, family } };

  const prefixText = entry.slice(slash + 1);
  const maxPrefix = family === 'ipv4' ? 32 : 128;
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!(prefix >= 0 && prefix <= maxPrefix)) return { error: `the prefix length "/${prefixText}" must be a whole number from 0 to ${maxPrefix} for an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address` };
  return { range: { address, family, prefix } };
}
