import type { JsonObject, JsonValue } from '../storage/ports.ts';
import { resolveAttr } from './paths.ts';
import type { ResourceSchema } from './schema.ts';

/**
 * `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5 and §3.9). `id` and `schemas` are
 * returned always (RFC 7643 §7). Unknown names are ignored: a projection cannot do harm.
 */
export interface Projection {
  readonly include: readonly (readonly string[])[] | null;
  readonly exclude: readonly (readonly string[])[];
}

export const FULL: Projection = { include: null, exclude: [] };

function parseList(resource: ResourceSchema, raw: string | undefined): (readonly string[])[] {
  if (!raw) return [];
  const out: (readonly string[])[] = [];
  for (const name of raw.split(',')) {
    const trimmed = name.trim();
    if (!trimmed) continue;
    try {
      out.push(resolveAttr(resource, trimmed).path);
    } catch {
      // ignored (see above)
    }
  }
  return out;
}

export function parseProjection(
  resource: ResourceSchema,
  attributes?: string,
  excluded?: string,
): Projection {
  const include = parseList(resource, attributes);
  return { include: attributes ? include : null, exclude: parseList(resource, excluded) };
}

/** Whether the projection returns top-level attribute `name` at all (to skip loading members/groups). */
export function wants(projection: Projection, name: string): boolean {
  if (projection.exclude.some((p) => p.length === 1 && p[0] === name)) return false;
  return projection.include === null || projection.include.some((p) => p[0] === name);
}

const ALWAYS = new Set(['id', 'schemas']);

export function project(resource: JsonObject, projection: Projection): JsonObject {
  let out = resource;
  if (projection.include) out = pick(out, projection.include);
  for (const path of projection.exclude) out = drop(out, path);
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
