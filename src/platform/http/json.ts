/**
 * JSON.parse reviver for request bodies: a `__proto__` key has no business in any of our
 * protocols, and code that copies keys with `out[key] = value` would change an object's prototype
 * instead of storing it. Refused as a parse error (400).
 */
function refuseProto(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new SyntaxError('"__proto__" is not allowed as a key');
  return value;
}

const REPLACEMENT = '\uFFFD';

/**
 * The reviver of the admin JSON bodies (express.json): `__proto__` refused as above, and so is
 * U+FFFD. body-parser decodes leniently, turning every ill-formed UTF-8 sequence into U+FFFD
 * before JSON.parse sees the text; the replacement character has no place in admin input, so
 * finding one is how a body that was not UTF-8 (RFC 8259 §8.1) is refused instead of stored.
 */
export function refuseProtoKeys(key: string, value: unknown): unknown {
  if (key.includes(REPLACEMENT) || (typeof value === 'string' && value.includes(REPLACEMENT)))
    throw new SyntaxError('the body is not valid UTF-8');
  return refuseProto(key, value);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * RFC 8259 §8.1: JSON exchanged between systems is UTF-8. Throws a TypeError on an ill-formed
 * sequence instead of replacing it with U+FFFD (which would store something nobody sent).
 */
export const decodeUtf8 = (bytes: Uint8Array): string => utf8.decode(bytes);

/**
 * `JSON.parse` with `__proto__` refused. A reviver makes V8 take its slow path for every value,
 * so text that cannot spell the key — neither the letters `proto` nor a `\u` escape anywhere —
 * is parsed without one.
 */
export function parseJson(text: string): unknown {
  if (!text.includes('proto') && !text.includes('\\u')) return JSON.parse(text);
  return JSON.parse(text, refuseProto);
}
