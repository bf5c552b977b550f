import type { IncomingMessage } from 'node:http';
import { BadRequest, PayloadTooLarge, UnsupportedMediaType } from '../errors.ts';
import { decodeUtf8, parseJson } from './json.ts';

/** How long, and how much more, an oversized body is read (and discarded) after its 413. */
const LINGER_MS = 10_000;
const LINGER_BYTES = 64 * 1024 * 1024;

/**
 * RFC 9112 §9.6: closing at once while the client is still sending can reset the connection before
 * it reads our answer. So the 413 goes out on a connection that keeps reading and discarding the
 * rest of the body; Node then reuses it for the next request. A client that goes on past
 * `LINGER_BYTES` or `LINGER_MS` is cut off, long after the answer was sent.
 */
function discardRest(req: IncomingMessage): void {
  if (req.complete) return;
  let discarded = 0;
  const cutOff = () => req.socket.destroy();
  const timer = setTimeout(cutOff, LINGER_MS);
  timer.unref();
  const onData = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded <= LINGER_BYTES) return;
    req.off('data', onData);
    clearTimeout(timer);
    cutOff();
  };
  req.on('data', onData);
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

/** `type/subtype` of a Content-Type header, lowercased, and its charset parameter if any. */
function mediaType(header: string | undefined): { essence: string; charset: string | undefined } {
  if (!header) return { essence: '', charset: undefined };
  const [essence = '', ...params] = header.split(';');
  let charset: string | undefined;
  for (const param of params) {
    const [name, value] = param.split('=');
    if (name?.trim().toLowerCase() === 'charset')
      charset = value
        ?.trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase();
  }
  return { essence: essence.trim().toLowerCase(), charset };
}

/**
 * Reads a JSON request body on Node's own request (the SCIM surface runs without Express):
 * `undefined` when there is none; 415 for another media type, charset or a content encoding; 413
 * past `limit` bytes (told by Content-Length before reading, else counted while reading); 400 for
 * bytes that are not UTF-8, text that is not JSON or has a `__proto__` key.
 */
export function readJsonBody(
  req: IncomingMessage,
  limit: number,
  accepted: readonly string[],
): Promise<unknown> {
  const length = req.headers['content-length'];
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (!chunked && (length === undefined || length === '0')) return Promise.resolve(undefined);
  const { essence, charset } = mediaType(req.headers['content-type']);
  if (!accepted.includes(essence))
    return Promise.reject(new UnsupportedMediaType(`the body must be ${accepted.join(' or ')}`));
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
    return Promise.reject(new UnsupportedMediaType(`unsupported charset "${charset}"`));
  const encoding = req.headers['content-encoding']?.toLowerCase();
  if (encoding !== undefined && encoding !== 'identity')
    return Promise.reject(new UnsupportedMediaType(`unsupported content encoding "${encoding}"`));
  if (length !== undefined && Number(length) > limit) {
    discardRest(req);
    return Promise.reject(new PayloadTooLarge('the request body is too large'));
  }

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        chunks.length = 0;
        discardRest(req);
        reject(new PayloadTooLarge('the request body is too large'));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('error', () => reject(new BadRequest('the request body could not be read')));
    req.once('end', () => {
      if (size > limit) return;
      const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      let text: string;
      try {
        text = decodeUtf8(bytes ?? Buffer.alloc(0));
      } catch {
        return reject(new BadRequest('the request body is not valid UTF-8', 'invalid_json'));
      }
      try {
        resolve(text.trim() === '' ? undefined : parseJson(text));
      } catch {
        reject(new BadRequest('the request body is not valid JSON', 'invalid_json'));
      }
    });
  });
}
