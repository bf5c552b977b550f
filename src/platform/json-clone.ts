import type { JsonObject, JsonValue } from '../storage/ports.ts';

/**
 * A deep copy of a JSON value (what JSON.parse makes: plain objects, arrays, primitives).
 * structuredClone's serializer costs about seven times as much on a user resource, and
 * `JSON.parse(JSON.stringify(…))` five times. A `__proto__` key is copied as an own property,
 * as JSON.parse makes it, never set as the copy's prototype.
 */
export function cloneJson<T extends JsonValue>(value: T): T {
  return copyOf(value) as T;
}

function copyOf(value: JsonValue): JsonValue {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyOf);
  const copy: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    const itemCopy = copyOf(item);
    if (key === '__proto__')
      Object.defineProperty(copy, key, {
        value: itemCopy,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else copy[key] = itemCopy;
  }
  return copy;
}
