import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, isBlockedAddress } from '../../platform/address-guard.ts';

const MAX_BYTES = 1024 * 1024;
const TIMEOUT_MS = 5000;

/** An upstream OpenID Provider URL we will not call (scheme, credentials, internal address). */
export class IssuerUrlRefused extends Error {}

/** The fetch openid-client calls for discovery, JWKS, token and userinfo requests. */
export type GuardedFetch = (url: string, init?: FetchInit) => Promise<Response>;

interface FetchInit {
  readonly method?: string | undefined;
  readonly headers?: Record<string, string> | Headers | undefined;
  readonly body?: unknown;
  readonly signal?: AbortSignal | null | undefined;
}

/** https only (http with `allowInsecure`), no credentials, no internal IP literal. */
export function checkIdpUrl(raw: string, allowInsecure: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new IssuerUrlRefused(`${raw} is not a URL`);
  }
  if (url.protocol !== 'https:' && !(allowInsecure && url.protocol === 'http:'))
    throw new IssuerUrlRefused(`${url.origin} must use https`);
  if (url.username || url.password) throw new IssuerUrlRefused('the URL must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // An IP literal skips the lookup function, so check it here.
  if (isIP(host) !== 0 && isBlockedAddress(host) && !allowInsecure)
    throw new IssuerUrlRefused(`${url.origin} is a private, loopback or link-local address`);
  return url;
}

function bodyOf(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  throw new TypeError('unsupported request body');
}

/**
 * Every request to a tenant's OpenID Provider, with the SSRF guard of IdP metadata URLs
 * (docs/decisions/0026-metadata-fetch-ssrf.md): all resolved addresses checked and the socket
 * bound to the checked one, 5 s, 1 MiB, redirects never followed.
 */
export function createGuardedFetch(allowInsecure: boolean): GuardedFetch {
  return (raw, init = {}) => {
    const url = checkIdpUrl(raw, allowInsecure);
    const client = url.protocol === 'https:' ? https : http;
    const headers = Object.fromEntries(new Headers(init.headers ?? {}).entries());
    const body = bodyOf(init.body);
    return new Promise<Response>((resolve, reject) => {
      const req = client.request(
        url,
        {
          method: init.method ?? 'GET',
          headers,
          lookup: guardedLookup(allowInsecure, (message) => new IssuerUrlRefused(message)),
          timeout: TIMEOUT_MS,
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BYTES) req.destroy(new IssuerUrlRefused(`${url.origin} answered more than 1 MiB`));
            else chunks.push(chunk);
          });
          res.on('end', () => {
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(res.headers))
              if (typeof value === 'string') responseHeaders.set(name, value);
              else if (Array.isArray(value)) for (const v of value) responseHeaders.append(name, v);
            const status = res.statusCode ?? 502;
            const nullBody = status === 204 || status === 304;
            resolve(
              new Response(nullBody ? null : Buffer.concat(chunks), { status, headers: responseHeaders }),
            );
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new IssuerUrlRefused(`${url.origin} did not answer within 5 s`)));
      req.on('error', reject);
      req.end(body);
    });
  };
}
