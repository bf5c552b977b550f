/**
 * JSON.parse reviver for request bodies: a `__proto__` key has no business in any of our
 * protocols, and code that copies keys with `out[key] = value` would change an object's prototype
 * instead of storing it. Refused as a parse error (400).
 */
function refuseProto(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new SyntaxError('"__proto__" is not allowed as a key');
  return value;
}

/** The reviver of the admin JSON bodies (express.json): `__proto__` refused as above. */
export const refuseProtoKeys = refuseProto;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * RFC 8259 §8.1: JSON exchanged between systems is UTF-8. Throws a TypeError on an ill-formed
 * sequence instead of replacing it with U+FFFD (which would store something nobody sent).
 */
export const decodeUtf8 = (bytes: Uint8Array): string => utf8.decode(bytes);

/**
 * body-parser's `verify` hook for bodies that must be UTF-8: body-parser itself decodes
 * leniently (every ill-formed sequence becomes U+FFFD), so the raw bytes are checked first and a
 * body that is not UTF-8 is refused (400, see `publicView`) instead of stored altered.
 */
export function requireUtf8(_req: unknown, _res: unknown, bytes: Uint8Array): void {
  decodeUtf8(bytes);
}

/**
 * `JSON.parse` with `__proto__` refused. A reviver makes V8 take its slow path for every value,
 * so text that cannot spell the key — neither the letters `proto` nor a `\u` escape anywhere —
 * is parsed without one.
 */
export function parseJson(text: string): unknown {
  if (!text.includes('proto') && !text.includes('\\u')) return JSON.parse(text);
  return JSON.parse(text, refuseProto);
}
