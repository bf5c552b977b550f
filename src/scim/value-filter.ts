import type { AttrPath, CompareOp, Filter, JsonValue, Scalar } from '../storage/ports.ts';

/**
 * Whether one value of a multi-valued attribute matches a value filter (`emails[type eq "work"]`)
 * that has been resolved against the schema: used on a resource already in memory (projections),
 * with the semantics every store gives the same filter (see `Filter` in storage/ports.ts).
 */
export function matchesValue(filter: Filter, element: JsonValue): boolean {
  switch (filter.kind) {
    case 'all':
      return true;
    case 'and':
      return filter.filters.every((f) => matchesValue(f, element));
    case 'or':
      return filter.filters.some((f) => matchesValue(f, element));
    case 'not':
      return !matchesValue(filter.filter, element);
    case 'compare':
      return compare(valueAt(element, filter.attr), filter.op, filter.value, filter.caseExact);
    case 'present':
      return present(valueAt(element, filter.attr));
    default:
      // Value filters cannot nest (RFC 7644 §3.4.2.2), and membership is not a value's property.
      return false;
  }
}

/** `['value']` of a simple (non-object) value is the value itself, as in the stores. */
function valueAt(element: JsonValue, path: AttrPath): JsonValue | undefined {
  if (!isPlainObject(element)) return path.length === 1 && path[0] === 'value' ? element : undefined;
  let at: JsonValue | undefined = element;
  for (const segment of path) at = isPlainObject(at) ? at[segment] : undefined;
  return at;
}

function compare(
  actual: JsonValue | undefined,
  op: CompareOp,
  expected: Scalar,
  caseExact: boolean,
): boolean {
  if (op === 'ne') return !compare(actual, 'eq', expected, caseExact);
  if (expected === null) return op === 'eq' && (actual === undefined || actual === null);
  if (typeof actual !== typeof expected) return false;
  if (typeof expected === 'boolean') return op === 'eq' && actual === expected;
  if (typeof expected === 'number') return ordered(actual as number, op, expected);
  const fold = (s: string) => (caseExact ? s : s.toLowerCase());
  const subject = fold(actual as string);
  const needle = fold(expected);
  if (op === 'co') return subject.includes(needle);
  if (op === 'sw') return subject.startsWith(needle);
  if (op === 'ew') return subject.endsWith(needle);
  return ordered(subject, op, needle);
}

function ordered<T extends string | number>(a: T, op: CompareOp, b: T): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    default:
      return false; // co/sw/ew never apply to numbers
  }
}

/** Not null, "", [] or {} (RFC 7644 §3.4.2.2 `pr`). */
function present(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

function isPlainObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
