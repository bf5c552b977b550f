import type { Filter, JsonObject, JsonValue } from '../storage/ports.ts';
import { badRequest } from './errors.ts';
import { translateValueFilter } from './filter.ts';
import { resolveAttr } from './paths.ts';
import type { ResolvedAttr } from './paths.ts';
import type { ResourceSchema } from './schema.ts';
import { matchesValue } from './value-filter.ts';

/**
 * `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5 and §3.9). `id` and `schemas` are
 * returned always (RFC 7643 §7). Unknown names are ignored: a projection cannot do harm. A name
 * may carry a value filter (`emails[type eq "work"]`, `emails[type eq "work"].value`): the
 * attribute is then returned with (or, when excluded, without) the values that match.
 */
export interface Projection {
  readonly include: readonly (readonly string[])[] | null;
  readonly exclude: readonly (readonly string[])[];
  /** Top-level multi-valued attribute → filters; a value is returned when it matches one. */
  readonly includeValues: ReadonlyMap<string, readonly Filter[]>;
  /** Top-level multi-valued attribute → filters; a value matching one is left out. */
  readonly excludeValues: ReadonlyMap<string, readonly Filter[]>;
}

const NO_FILTERS: ReadonlyMap<string, readonly Filter[]> = new Map();

export const FULL: Projection = {
  include: null,
  exclude: [],
  includeValues: NO_FILTERS,
  excludeValues: NO_FILTERS,
};

interface ParsedList {
  /** Attributes named without a value filter. */
  readonly paths: (readonly string[])[];
  /** Attributes named with one: the paths to return and the filters by top-level attribute. */
  readonly filteredPaths: (readonly string[])[];
  readonly values: Map<string, Filter[]>;
}

/** Splits at commas outside brackets and quoted strings (a value filter may hold either). */
export function splitAttributeList(raw: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      out.push(raw.slice(start, i));
      start = i + 1;
    }
  }
  out.push(raw.slice(start));
  return out.map((name) => name.trim()).filter(Boolean);
}

/** `attr[filter]` or `attr[filter].sub` → the path to return and the filter on the values. */
function withValueFilter(
  resource: ResourceSchema,
  name: string,
): { path: readonly string[]; filter: Filter; top: boolean } | undefined {
  const open = name.indexOf('[');
  const close = name.lastIndexOf(']');
  const after = name.slice(close + 1);
  if (close < open || (after !== '' && !/^\.[^.[\]]+$/.test(after)))
    throw badRequest('invalidFilter', `malformed attribute "${name}"`);
  let attr: ResolvedAttr;
  try {
    attr = resolveAttr(resource, name.slice(0, open), 'invalidFilter');
  } catch {
    return undefined; // an unknown attribute, ignored like any other
  }
  const { filter } = translateValueFilter(resource, name.slice(0, open), name.slice(open + 1, close));
  const sub = after ? resolveAttr(resource, `${name.slice(0, open)}${after}`, 'invalidFilter').path : [];
  return { path: sub.length ? sub : attr.path, filter, top: attr.extension === undefined };
}

function parseList(resource: ResourceSchema, raw: string | undefined): ParsedList {
  const parsed: ParsedList = { paths: [], filteredPaths: [], values: new Map() };
  if (!raw) return parsed;
  for (const name of splitAttributeList(raw)) {
    if (name.includes('[')) {
      const entry = withValueFilter(resource, name);
      if (!entry) continue;
      parsed.filteredPaths.push(entry.path);
      const key = entry.path[0] ?? '';
      // Extensions hold no multi-valued attributes today; were one to, it is returned whole.
      if (entry.top) parsed.values.set(key, [...(parsed.values.get(key) ?? []), entry.filter]);
      continue;
    }
    try {
      parsed.paths.push(resolveAttr(resource, name).path);
    } catch {
      // ignored (see above)
    }
  }
  return parsed;
}

export function parseProjection(
  resource: ResourceSchema,
  attributes?: string,
  excluded?: string,
): Projection {
  if (!attributes && !excluded) return FULL;
  const include = parseList(resource, attributes);
  const exclude = parseList(resource, excluded);
  // An attribute also named without a filter is returned whole.
  for (const path of include.paths) if (path.length === 1) include.values.delete(path[0] ?? '');
  return {
    include: attributes ? [...include.paths, ...include.filteredPaths] : null,
    exclude: exclude.paths,
    includeValues: include.values,
    excludeValues: exclude.values,
  };
}

/** Whether the projection returns top-level attribute `name` at all (to skip loading members/groups). */
export function wants(projection: Projection, name: string): boolean {
  if (projection.exclude.some((p) => p.length === 1 && p[0] === name)) return false;
  return projection.include === null || projection.include.some((p) => p[0] === name);
}

const ALWAYS = new Set(['id', 'schemas']);

export function project(resource: JsonObject, projection: Projection): JsonObject {
  if (projection === FULL) return resource;
  let out = filterValues(resource, projection.excludeValues, false);
  out = filterValues(out, projection.includeValues, true);
  if (projection.include) out = pick(out, projection.include);
  for (const path of projection.exclude) out = drop(out, path);
  return out;
}

/** Keeps (`keep`) or leaves out the values of multi-valued attributes that match a filter; an attribute left with no value is unassigned. */
function filterValues(
  resource: JsonObject,
  filters: ReadonlyMap<string, readonly Filter[]>,
  keep: boolean,
): JsonObject {
  if (filters.size === 0) return resource;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(resource)) {
    const list = filters.get(key);
    if (!list || !Array.isArray(value)) {
      out[key] = value;
      continue;
    }
    const left = value.filter((v: JsonValue) => list.some((f) => matchesValue(f, v)) === keep);
    if (left.length > 0) out[key] = left;
  }
  return out;
}

function pick(resource: JsonObject, paths: readonly (readonly string[])[]): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(resource)) {
    if (ALWAYS.has(key)) out[key] = value;
    const matching = paths.filter((p) => p[0] === key);
    if (matching.length === 0) continue;
    if (matching.some((p) => p.length === 1) || !isObjectLike(value)) out[key] = value;
    else
      out[key] = pickNested(
        value,
        matching.map((p) => p.slice(1)),
      );
  }
  return out;
}

function pickNested(value: JsonValue, paths: readonly (readonly string[])[]): JsonValue {
  if (Array.isArray(value)) return value.map((v) => pickNested(v, paths));
  if (!isObjectLike(value) || Array.isArray(value)) return value;
  return pick(value, paths);
}

function drop(resource: JsonObject, path: readonly string[]): JsonObject {
  const [head, ...rest] = path;
  if (head === undefined || ALWAYS.has(head) || !(head in resource)) return resource;
  const { [head]: value, ...others } = resource;
  if (rest.length === 0 || value === undefined) return others;
  if (Array.isArray(value)) return { ...others, [head]: value.map((v) => (isPlain(v) ? drop(v, rest) : v)) };
  return isPlain(value) ? { ...others, [head]: drop(value, rest) } : resource;
}

const isObjectLike = (v: JsonValue | undefined): v is JsonObject | JsonValue[] =>
  typeof v === 'object' && v !== null;
const isPlain = (v: JsonValue): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
