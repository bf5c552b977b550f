import http from 'node:http';
import https from 'node:https';
import { guardedLookup, ipLiteral, isBlockedAddress } from '../platform/address-guard.ts';

/** How one POST went: an HTTP status, or no answer at all (`status: null`, with why). */
export interface SendResult {
  readonly status: number | null;
  readonly error: string | null;
}

export interface SendOptions {
  readonly timeoutMs: number;
  readonly allowPrivate: boolean;
}

/** Bytes of a response read before the connection is dropped: receivers answer with nothing we use. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs `body` once: no redirects followed (a 3xx is a failure), a timeout on the whole exchange,
 * no private or loopback address unless allowed (checked on the resolved address, so a DNS answer
 * cannot point a public name at the inside).
 */
export function postJson(
  rawUrl: string,
  headers: Readonly<Record<string, string>>,
  body: string,
  options: SendOptions,
): Promise<SendResult> {
  const url = new URL(rawUrl);
  const literal = ipLiteral(url);
  if (literal !== null && isBlockedAddress(literal) && !options.allowPrivate)
    return Promise.resolve({ status: null, error: 'the endpoint address is private or loopback' });
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(options.allowPrivate, (message) => new Error(message)),
        agent: false,
      },
      (res) => {
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) res.destroy();
        });
        res.on('close', () => done({ status: res.statusCode ?? null, error: null }));
        res.on('error', () => done({ status: res.statusCode ?? null, error: null }));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      done({ status: null, error: `no answer within ${options.timeoutMs} ms` });
    }, options.timeoutMs);
    timer.unref();
    req.on('error', (err) => done({ status: null, error: err.message.slice(0, 200) }));
    req.end(body);
  });
}
