import type { JsonObject } from './ports.ts';

/**
 * The JSON text an adapter parsed a record's object from, kept on the object under a symbol that
 * is not enumerable, so that a copy (`{...attributes}`, `structuredClone`) never carries it: a
 * serialiser may send that text instead of encoding the object again (a page of 100 users is
 * mostly their attributes). Records are read-only and a changed record is always a new object,
 * so a text found here is the object's own.
 */
const STORED_JSON = Symbol('storedJson');

/** Remembers `text` as the JSON of `object` (which must have been parsed from it). */
export function rememberJson(object: JsonObject, text: string): JsonObject {
  Object.defineProperty(object, STORED_JSON, { value: text });
  return object;
}

/** The JSON text `object` was read from, if an adapter remembered it. */
export function storedJsonOf(object: object): string | undefined {
  const text: unknown = (object as { [STORED_JSON]?: unknown })[STORED_JSON];
  return typeof text === 'string' ? text : undefined;
}
