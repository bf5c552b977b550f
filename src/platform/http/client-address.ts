import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The address a request comes from, as the rate limits count it (docs/security.md, rate limits).
 *
 * - By default the socket's peer address: `X-Forwarded-For` is anyone's to write.
 * - With `trustProxy` (one reverse proxy in front, docker/nginx.conf), the LAST entry of
 *   `X-Forwarded-For`: the proxy appends the address it saw (`$proxy_add_x_forwarded_for`), and
 *   every entry before it is the client's own claim. A last entry that is not an IP address falls
 *   back to the socket.
 * - IPv4-mapped IPv6 (`::ffff:192.0.2.1`) is the IPv4 address; any other IPv6 address counts as
 *   its /64, the smallest block one subscriber is usually given (RFC 6177), so one host cannot
 *   step around a limit by walking its own prefix.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const header = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
    if (header) {
      const last = header.slice(header.lastIndexOf(',') + 1).trim();
      const address = normaliseAddress(last);
      if (address) return address;
    }
  }
  return normaliseAddress(req.socket.remoteAddress ?? '') ?? 'unknown';
}

const MAPPED_V4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** The counted form of an IP address (above), or undefined when `raw` is not one. */
export function normaliseAddress(raw: string): string | undefined {
  const zoneless = raw.replace(/%.*$/, '');
  if (isIPv4(zoneless)) return zoneless;
  if (!isIPv6(zoneless)) return undefined;
  const mapped = MAPPED_V4.exec(zoneless);
  if (mapped?.[1] && isIPv4(mapped[1])) return mapped[1];
  return `${expandV6(zoneless).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of a valid IPv6 address, without leading zeros (an embedded IPv4 tail converted). */
function expandV6(address: string): string[] {
  let text = address.toLowerCase();
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (v4?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = v4[1].split('.').map(Number);
    text = `${text.slice(0, -v4[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((group) => Number.parseInt(group, 16).toString(16));
}
