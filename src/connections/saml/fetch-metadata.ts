import http from 'node:http';
import https from 'node:https';
import { guardedLookup, ipLiteral, isBlockedAddress } from '../../platform/address-guard.ts';
import { BadRequest } from '../../platform/errors.ts';

const MAX_BYTES = 1024 * 1024;
const TIMEOUT_MS = 5000;

const refuse = (message: string): BadRequest => new BadRequest(message, 'metadata_url_refused');

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
  const host = ipLiteral(url);
  // An IP literal skips the lookup function, so check it here.
  if (host !== null && isBlockedAddress(host) && !allowInsecure)
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
        lookup: guardedLookup(allowInsecure, refuse),
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
