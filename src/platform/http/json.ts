/**
 * JSON.parse reviver for request bodies: a `__proto__` key has no business in any of our
 * protocols, and code that copies keys with `out[key] = value` would change an object's prototype
 * instead of storing it. Refused as a parse error (400).
 */
export function refuseProtoKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new SyntaxError('"__proto__" is not allowed as a key');
  return value;
}

/**
 * `JSON.parse` with `__proto__` refused. A reviver makes V8 take its slow path for every value,
 * so text that cannot spell the key — neither the letters `proto` nor a `\u` escape anywhere —
 * is parsed without one.
 */
export function parseJson(text: string): unknown {
  if (!text.includes('proto') && !text.includes('\\u')) return JSON.parse(text);
  return JSON.parse(text, refuseProtoKeys);
}
