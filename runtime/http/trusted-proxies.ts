// Trusted proxy matching, and HTTPS detection behind such a proxy. Both go by
// the socket's peer address, never by X-Forwarded-For.
import { BlockList } from 'node:net';
import type { Context } from 'koa';
import { parseIpRange } from '../../core/ip-range.js';

/** Strips the IPv4-mapped IPv6 prefix so `::ffff:127.0.0.1` matches `127.0.0.1`. */
export function normalizeAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** Set of trusted proxy addresses and CIDR ranges, matched with Node's net.BlockList. */
export class TrustedProxies {
  readonly #list = new BlockList();
  readonly size: number;

  /** Raises on an invalid entry. Entries from opsdeck.yaml are checked when the settings load, before this runs. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const parsed = parseIpRange(entry);
      if ('error' in parsed) throw new Error(`trusted proxy "${entry}" is invalid: ${parsed.error}`);
      const { address, family, prefix } = parsed.range;
      if (prefix === undefined) this.#list.addAddress(address, family);
      else this.#list.addSubnet(address, prefix, family);
    }
    this.size = entries.length;
  }

  /** Returns whether a peer address (as `socket.remoteAddress` gives it) is a trusted proxy. */
  includes(peer: string | undefined): boolean {
    const address = normalizeAddress(peer);
    if (address === '' || this.size === 0) return false;
    return this.#list.check(address, address.includes(':') ? 'ipv6' : 'ipv4');
  }
}

/**
 * Returns whether the browser reached Opsdeck over HTTPS: the connection is
 * TLS, or a trusted proxy sent `X-Forwarded-Proto: https`. koa's own
 * `ctx.secure` would believe that header from any peer once `app.proxy` is on,
 * so it stays off and this check is used instead.
 */
export function isSecureRequest(ctx: Context, trusted: TrustedProxies): boolean {
  if ((ctx.req.socket as { encrypted?: boolean }).encrypted === true) return true;
  if (!trusted.includes(ctx.req.socket.remoteAddress)) return false;
  // A proxy chain appends its own value, so the first one is what the browser used.
  const forwarded = ctx.get('x-forwarded-proto').split(',')[0].trim().toLowerCase();
  return forwarded === 'https';
}

/**
 * Middleware that marks HTTPS requests, so every cookie set later carries
 * `Secure`. The cookies module raises on a `secure` cookie over plain HTTP
 * unless its `secure` flag is set, so this sets the flag for requests that a
 * trusted proxy received over HTTPS.
 */
export function markSecureRequests(trusted: TrustedProxies) {
  return async (ctx: Context, next: () => Promise<unknown>): Promise<void> => {
    const secure = isSecureRequest(ctx, trusted);
    ctx.state.secure = secure;
    (ctx.cookies as unknown as { secure?: boolean }).secure = secure;
    await next();
  };
}

/** Returns whether cookies of this request must carry `Secure`, as decided by markSecureRequests. */
export function cookieSecure(ctx: Context): boolean {
  return ctx.state.secure === true;
}
