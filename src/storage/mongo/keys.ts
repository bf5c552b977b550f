import type { JsonObject, JsonValue } from '../ports.ts';
import { StorageError } from '../ports.ts';

/**
 * How open-ended JSON (`attributes`, settings, metadata) is stored so that MongoDB's query
 * language addresses exactly what the port's `Filter` means:
 *
 * - Keys are escaped (`%` → `%25`, `.` → `%2E`, `$` → `%24`, NUL → `%00`; a key of digits only
 *   gets its first digit escaped; `""` → `%e`). A dotted query path would otherwise split the
 *   enterprise URN (`…:enterprise:2.0:User`), a `$` prefix would read as an operator, and a numeric
 *   segment would address an array position.
 * - Every scalar under an object gets a sibling `<key>%l` holding its case-folded copy
 *   (`toLowerCase()` for strings, the value itself otherwise): case-insensitive filters and sorts
 *   then use plain operators on that copy, which MongoDB and mingo evaluate identically (a regex
 *   `i` flag or `$toLower` would each fold Unicode differently from JS).
 * - Array elements that are not objects are wrapped as `{ "%w": 1, value, "value%l" }`. Arrays
 *   then hold objects only, so MongoDB's "an array matches if an element matches" rule can never
 *   make a scalar comparison match inside an array, and `elem` paths (`['value']` is the element
 *   itself for simple values) resolve the same way for simple and complex multi-valued attributes.
 *
 * Encoded keys only ever contain `%` followed by two uppercase hex digits, so the `%l`, `%w` and
 * `%e` tokens cannot collide with an encoded key.
 */
export const FOLDED_SUFFIX = '%l';
export const WRAPPED = '%w';
const EMPTY_KEY = '%e';

/** Attribute name segments and schema URNs, as the SQLite adapter accepts them. */
const SEGMENT = /^[A-Za-z0-9_$:.-]+$/;

export function encodeKey(key: string): string {
  if (key === '') return EMPTY_KEY;
  const escaped = key.replace(
    /[%.$\0]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
  return /^[0-9]+$/.test(escaped) ? `%3${escaped}` : escaped;
}

export function decodeKey(key: string): string {
  if (key === EMPTY_KEY) return '';
  return key.replace(/%([0-9A-F]{2})/g, (_match, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/** A filter path segment, validated like the SQLite adapter's and encoded like stored keys. */
export function encodeSegment(segment: string): string {
  if (!SEGMENT.test(segment))
    throw new StorageError(`invalid attribute path segment ${JSON.stringify(segment)}`);
  return encodeKey(segment);
}

/** The case-folded copy kept beside a scalar. */
export function fold(value: JsonValue): JsonValue {
  return typeof value === 'string' ? value.toLowerCase() : value;
}

function isObject(value: JsonValue): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Encodes an object for storage. `queryable` (record attributes) adds the folded copies and
 * wraps array elements; opaque blobs (settings, metadata, audit data) only get their keys escaped.
 */
export function encodeObject(object: JsonObject, queryable = true): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    const encoded = encodeKey(key);
    out[encoded] = encodeValue(value, queryable);
    if (queryable && (value === null || typeof value !== 'object'))
      out[encoded + FOLDED_SUFFIX] = fold(value);
  }
  return out;
}

function encodeValue(value: JsonValue, queryable: boolean): JsonValue {
  if (Array.isArray(value)) return value.map((element) => encodeElement(element, queryable));
  return isObject(value) ? encodeObject(value, queryable) : value;
}

function encodeElement(element: JsonValue, queryable: boolean): JsonValue {
  if (isObject(element)) return encodeObject(element, queryable);
  return queryable ? { [WRAPPED]: 1, ...encodeObject({ value: element }) } : encodeValue(element, queryable);
}

/** Parses a stored object back (dropping folded copies, unwrapping elements, decoding keys). */
export function decodeObject(stored: unknown, what: string): JsonObject {
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) {
    throw new StorageError(`stored ${what} is not an object`);
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(stored as Record<string, unknown>)) {
    if (key.endsWith(FOLDED_SUFFIX) || key === WRAPPED) continue;
    out[decodeKey(key)] = decodeValue(value, what);
  }
  return out;
}

function decodeValue(stored: unknown, what: string): JsonValue {
  if (stored === null || typeof stored === 'string' || typeof stored === 'boolean') return stored;
  if (typeof stored === 'number') return stored;
  if (Array.isArray(stored)) return stored.map((element: unknown) => decodeElement(element, what));
  // BSON values other than JSON's (dates, ObjectIds) carry `_bsontype` or are class instances.
  if (typeof stored === 'object' && !('_bsontype' in stored) && !(stored instanceof Date))
    return decodeObject(stored, what);
  throw new StorageError(`stored ${what} holds a value that is not JSON`);
}

function decodeElement(element: unknown, what: string): JsonValue {
  if (element !== null && typeof element === 'object' && WRAPPED in element) {
    return decodeValue((element as Record<string, unknown>)['value'] ?? null, what);
  }
  return decodeValue(element, what);
}
