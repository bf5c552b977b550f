import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import { BadRequest } from '../../platform/errors.ts';

const MAX_BYTES = 1024 * 1024;
const TIMEOUT_MS = 5000;

/** Addresses an admin-supplied URL must never reach (SSRF): loopback, private, link-local, … */
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

const refuse = (message: string): BadRequest => new BadRequest(message, 'metadata_url_refused');

/**
 * Resolves every address and refuses the host if any is blocked; the connection then uses the
 * checked address (no second lookup, so DNS rebinding cannot swap it).
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
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

function checkUrl(raw: string, allowInsecure: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('metadataUrl is not a URL');
  }
  if (url.protocol !== 'https:' && !(allowInsecure && url.protocol === 'http:'))
    throw refuse('metadataUrl must use https');
  if (url.username || url.password) throw refuse('metadataUrl must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // An IP literal skips the lookup function, so check it here.
  if (isIP(host) !== 0 && isBlockedAddress(host) && !allowInsecure)
    throw refuse('metadataUrl points at a private, loopback or link-local address');
  return url;
}

/** Fetches IdP metadata: https only, 1 MiB, 5 s, no redirects, no private addresses. */
export async function fetchMetadata(raw: string, allowInsecure: boolean): Promise<string> {
  const url = checkUrl(raw, allowInsecure);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<string>((resolve, reject) => {
    const req = client.get(
      url,
      {
        lookup: guardedLookup(allowInsecure),
        timeout: TIMEOUT_MS,
        headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' },
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(refuse(`metadataUrl answered HTTP ${res.statusCode ?? '?'} (redirects are not followed)`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BYTES) {
            req.destroy(refuse('metadata is larger than 1 MiB'));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(refuse('metadataUrl did not answer within 5 s')));
    req.on('error', (err) =>
      reject(err instanceof BadRequest ? err : refuse(`metadataUrl could not be fetched: ${err.message}`)),
    );
  });
}
