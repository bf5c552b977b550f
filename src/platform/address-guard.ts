import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { LookupFunction } from 'node:net';

/**
 * Addresses an admin-supplied URL (IdP metadata, webhook endpoints) must never reach (SSRF):
 * loopback, private, shared, link-local, benchmarking, multicast and reserved ranges
 * (RFC 6890 special-purpose registries).
 */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const)
  BLOCKED.addSubnet(net, prefix, 'ipv6');

export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  // IPv4-mapped IPv6 (::ffff:127.0.0.1) is checked as the IPv4 address it is.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return BLOCKED.check(mapped, 'ipv4');
  return BLOCKED.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** The host of a URL as an address when it is an IP literal (brackets of IPv6 removed), else null. */
export function ipLiteral(url: URL): string | null {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return isIP(host) === 0 ? null : host;
}

/**
 * A `lookup` for http(s) requests that resolves every address and refuses the host if any is
 * blocked; the connection then uses the checked address (no second lookup, so DNS rebinding
 * cannot swap it). `refuse` makes the error for a refused host.
 */
export function guardedLookup(allowPrivate: boolean, refuse: (message: string) => Error): LookupFunction {
  return (hostname, _options, callback) => {
    lookup(hostname, { all: true, order: 'verbatim' }).then(
      (addresses) => {
        const bad = addresses.find((a) => isBlockedAddress(a.address));
        const first = addresses[0];
        if (!first) callback(new Error(`${hostname} has no address`), '', 4);
        else if (bad && !allowPrivate)
          callback(refuse(`${hostname} resolves to a private or loopback address`), '', 4);
        else callback(null, first.address, first.family);
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, '', 4),
    );
  };
}
