import type { JsonObject, JsonValue } from '../storage/ports.ts';
import { badRequest } from './errors.ts';
import { COMMON_ATTRIBUTES, findAttr, isSchemaUri } from './schema.ts';
import type { AttrDef, ResourceSchema, SchemaDef } from './schema.ts';

/**
 * A resource body as clients send it → canonical JSON we can store: attribute names in their
 * schema spelling (RFC 7644 §3.10: names are case-insensitive), values coerced to the schema type
 * (Entra sends `"False"` for booleans, Okta numbers for strings), `null` and `[]` removed
 * (RFC 7643 §2.5: unassigned), server-owned and write-only attributes dropped (passwords are never
 * stored: docs/scim.md), unknown core attributes ignored, declared unknown extensions kept (with
 * their attributes as given, or as `{}` when `schemas` declares one the body has no value for).
 */
export function normaliseResource(resource: ResourceSchema, body: unknown): JsonObject {
  if (!isObject(body)) throw badRequest('invalidSyntax', 'the body must be a JSON object');
  const schemas = declaredSchemas(resource, body);
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(body)) {
    if (key.toLowerCase() === 'schemas') continue;
    const uri = isSchemaUri(key);
    const ext = uri ? schemaByUrn(resource, key) : undefined;
    if (ext && ext !== resource.core) {
      if (!isObject(value)) throw badRequest('invalidValue', `"${ext.id}" must be an object`);
      const attrs = normaliseAttributes(ext.attributes, value, ext.id);
      if (Object.keys(attrs).length > 0) out[ext.id] = attrs;
    } else if (uri) {
      if (!ext && isDeclared(schemas, key) && isObject(value)) out[key] = value as JsonObject; // parsed JSON
    } else normaliseInto(out, coreAttributes(resource), key, value, '');
  }
  keepDeclaredExtensions(resource, schemas, out);
  return out;
}

const isDeclared = (schemas: readonly string[], key: string): boolean =>
  schemas.some((s) => s.toLowerCase() === key.toLowerCase());

/** RFC 7643 §3: `schemas` names the extensions a resource has; an unknown one stays declared. */
function keepDeclaredExtensions(resource: ResourceSchema, schemas: readonly string[], out: JsonObject): void {
  if (schemas.length < 2) return;
  const present = new Set(Object.keys(out).map((k) => k.toLowerCase()));
  for (const schema of schemas) {
    const lower = schema.toLowerCase();
    if (present.has(lower) || !isSchemaUri(schema) || schemaByUrn(resource, schema)) continue;
    out[schema] = {};
    present.add(lower);
  }
}

const coreLists = new WeakMap<ResourceSchema, readonly AttrDef[]>();

/** Common attributes (id, externalId, meta) and the core schema's, one list per resource type. */
function coreAttributes(resource: ResourceSchema): readonly AttrDef[] {
  let list = coreLists.get(resource);
  if (!list) {
    list = [...COMMON_ATTRIBUTES, ...resource.core.attributes];
    coreLists.set(resource, list);
  }
  return list;
}

function declaredSchemas(resource: ResourceSchema, body: Record<string, unknown>): string[] {
  const schemas = body.schemas;
  if (!Array.isArray(schemas) || !schemas.every((s) => typeof s === 'string'))
    throw badRequest('invalidSyntax', '"schemas" must be an array of schema URNs');
  if (!schemas.some((s) => s.toLowerCase() === resource.core.id.toLowerCase()))
    throw badRequest('invalidSyntax', `"schemas" must include ${resource.core.id}`);
  return schemas;
}

function schemaByUrn(resource: ResourceSchema, urn: string): SchemaDef | undefined {
  return [resource.core, ...resource.extensions].find((s) => s.id.toLowerCase() === urn.toLowerCase());
}

function normaliseAttributes(
  defs: readonly AttrDef[],
  input: Record<string, unknown>,
  where: string,
): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(input)) normaliseInto(out, defs, key, value, where);
  return out;
}

/** One attribute into `out` under its schema name; read-only, write-only, unknown and empty ones are left out. */
function normaliseInto(
  out: JsonObject,
  defs: readonly AttrDef[],
  key: string,
  value: unknown,
  where: string,
): void {
  const def = findAttr(defs, key);
  if (!def || def.mutability === 'readOnly' || def.mutability === 'writeOnly') return;
  const coerced = coerce(def, value, where ? `${where}:${def.name}` : def.name);
  if (coerced !== undefined) out[def.name] = coerced;
}

function coerce(def: AttrDef, value: unknown, path: string): JsonValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (def.multiValued) {
    const list = Array.isArray(value) ? value : [value];
    const items = list.map((v) => coerceSingle(def, v, path)).filter((v): v is JsonValue => v !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (Array.isArray(value)) throw badRequest('invalidValue', `"${path}" is single-valued`);
  return coerceSingle(def, value, path);
}

function coerceSingle(def: AttrDef, value: unknown, path: string): JsonValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (def.type === 'complex') {
    if (!isObject(value)) throw badRequest('invalidValue', `"${path}" must be an object`);
    const out = normaliseAttributes(def.subAttributes ?? [], value, path);
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return coerceScalar(def, value, path);
}

/** Scalars by schema type; RFC 7643 §2.3. */
export function coerceScalar(def: AttrDef, value: unknown, path: string): JsonValue {
  switch (def.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
      throw badRequest('invalidValue', `"${path}" must be a boolean`);
    case 'integer':
    case 'decimal': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n) || (def.type === 'integer' && !Number.isInteger(n)))
        throw badRequest('invalidValue', `"${path}" must be a number`);
      return n;
    }
    case 'dateTime':
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value)))
        throw badRequest('invalidValue', `"${path}" must be an ISO 8601 date-time`);
      return value;
    default:
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw badRequest('invalidValue', `"${path}" must be a string`);
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
