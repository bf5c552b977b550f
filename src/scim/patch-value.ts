import type { ScimPatchOperation } from 'scim-patch';
import type { JsonObject } from '../storage/ports.ts';
import { badRequest, ScimError } from './errors.ts';
import { isObject } from './normalise.ts';
import { canonicalPath, checkMutable, parsePatchPath, targetOf } from './patch-path.ts';
import { findAttr, isSchemaUri } from './schema.ts';
import type { AttrDef, ResourceSchema, SchemaDef } from './schema.ts';

/** Canonical operations for scim-patch, and the value keys the schema did not know (dropped). */
export interface CanonicalOps {
  readonly operations: ScimPatchOperation[];
  readonly unknownKeys: string[];
}

/** Keys of a no-path value that name server-owned data: skipped, as a client may repeat them. */
const SERVER_OWNED = new Set(['meta', 'schemas', 'groups']);

/** A plain attribute name inside an unknown extension (RFC 7643 §2.1: ALPHA *(nameChar)). */
const ATTRIBUTE_NAME = /^[A-Za-z$][\w$-]*$/;

/**
 * An add/replace without `path` (RFC 7644 §3.5.2.1, §3.5.2.3) as canonical operations. Keys may
 * be plain, dotted (`name.givenName`), URN-qualified (`urn:…:User:department`) or an extension
 * as a container (`{"urn:…:User": {"department": "X"}}`, RFC 7643 §3), which is applied exactly
 * like its qualified keys. `id` may repeat the id (Okta). A key that names nothing we know is a
 * 400 `invalidPath`, never a silent no-op; an extension the resource declares but we do not know
 * is written as given.
 */
export function noPathOps(
  resource: ResourceSchema,
  op: 'add' | 'replace',
  value: unknown,
  id: string,
  declared: readonly string[],
  out: CanonicalOps,
): void {
  if (!isObject(value)) throw badRequest('invalidValue', 'an operation without path needs an object value');
  const flat: JsonObject = {};
  const opaque: ScimPatchOperation[] = [];
  for (const [key, v] of Object.entries(value)) {
    const lower = key.toLowerCase();
    if (lower === 'id') {
      if (v !== id) throw new ScimError(400, 'mutability', '"id" cannot change');
      continue;
    }
    if (SERVER_OWNED.has(lower)) continue;
    const schema = containerSchema(resource, key);
    const unknownExtension = schema ? undefined : declaredExtension(resource, declared, key);
    if (schema) {
      if (!isObject(v)) throw badRequest('invalidValue', `"${key}" must be an object`);
      for (const [name, inner] of Object.entries(v))
        flatKey(resource, `${schema.id}:${name}`, inner, flat, out.unknownKeys);
    } else if (unknownExtension) opaque.push(...opaqueOps(op, unknownExtension, key, v));
    else flatKey(resource, key, v, flat, out.unknownKeys);
  }
  if (Object.keys(flat).length > 0) out.operations.push({ op, value: flat });
  out.operations.push(...opaque);
}

/** The core schema or a known extension, when `key` is its URN (a container of its attributes). */
function containerSchema(resource: ResourceSchema, key: string): SchemaDef | undefined {
  const lower = key.toLowerCase();
  return [resource.core, ...resource.extensions].find((s) => s.id.toLowerCase() === lower);
}

/** An extension the resource declares in `schemas` that we do not know, when `key` is it or qualifies a name in it. */
function declaredExtension(
  resource: ResourceSchema,
  declared: readonly string[],
  key: string,
): string | undefined {
  if (!isSchemaUri(key)) return undefined;
  const lower = key.toLowerCase();
  return declared.find((uri) => {
    const u = uri.toLowerCase();
    if (containerSchema(resource, uri)) return false;
    return lower === u || (lower.startsWith(`${u}:`) && ATTRIBUTE_NAME.test(key.slice(u.length + 1)));
  });
}

/** Operations on an unknown extension, by qualified path (scim-patch reads URN and URL prefixes). */
function opaqueOps(op: 'add' | 'replace', uri: string, key: string, value: unknown): ScimPatchOperation[] {
  if (key.length > uri.length) return [{ op, path: `${uri}${key.slice(uri.length)}`, value }];
  if (!isObject(value)) throw badRequest('invalidValue', `"${key}" must be an object`);
  return Object.entries(value).map(([name, inner]) => {
    if (!ATTRIBUTE_NAME.test(name))
      throw badRequest('invalidPath', `"${name}" in "${key}" is not an attribute name`);
    return { op, path: `${uri}:${name}`, value: inner };
  });
}

function flatKey(
  resource: ResourceSchema,
  key: string,
  value: unknown,
  flat: JsonObject,
  unknownKeys: string[],
): void {
  const p = parsePatchPath(resource, key);
  checkMutable(p, key);
  unknownKeys.push(...unknownSubKeys(targetOf(p), value, key));
  flat[canonicalPath(p)] = value as JsonObject;
}

/** Keys of a complex value that are not sub-attributes of `def` (normalisation drops them). */
export function unknownSubKeys(def: AttrDef, value: unknown, where: string): string[] {
  if (def.type !== 'complex') return [];
  const found: string[] = [];
  for (const item of Array.isArray(value) ? value : [value]) {
    if (!isObject(item)) continue;
    for (const key of Object.keys(item)) if (!findAttr(def.subAttributes, key)) found.push(`${where}.${key}`);
  }
  return found;
}
