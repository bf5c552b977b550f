import { scimPatch } from 'scim-patch';
import type { ScimPatchOperation, ScimResource } from 'scim-patch';
import type { JsonObject } from '../storage/ports.ts';
import { badRequest, ScimError } from './errors.ts';
import { quoteBareValues } from './filter-lexer.ts';
import { translateFilter } from './filter.ts';
import { isObject } from './normalise.ts';
import { resolveAttr, resolveSub } from './paths.ts';
import type { ResolvedAttr } from './paths.ts';
import type { ResourceSchema } from './schema.ts';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Operations per PATCH: beyond this the request is refused whole, before anything is stored. */
export const MAX_PATCH_OPERATIONS = 1000;

export interface PatchOp {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path: string | undefined;
  readonly value: unknown;
}

/** RFC 7644 §3.5.2 body → operations; op names in any case (Entra sends `Replace`). */
export function parsePatchBody(body: unknown): PatchOp[] {
  if (!isObject(body)) throw badRequest('invalidSyntax', 'the body must be a JSON object');
  const schemas = body.schemas;
  if (
    !Array.isArray(schemas) ||
    !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())
  )
    throw badRequest('invalidSyntax', `"schemas" must be ["${PATCH_OP_SCHEMA}"]`);
  const operations = body.Operations ?? body.operations;
  if (!Array.isArray(operations) || operations.length === 0)
    throw badRequest('invalidSyntax', '"Operations" must be a non-empty array');
  if (operations.length > MAX_PATCH_OPERATIONS)
    throw badRequest(
      'tooMany',
      `at most ${MAX_PATCH_OPERATIONS} operations per PATCH (got ${operations.length})`,
    );
  return operations.map(parseOperation);
}

function parseOperation(raw: unknown, index: number): PatchOp {
  if (!isObject(raw)) throw badRequest('invalidSyntax', `operation ${index} must be an object`);
  const op = typeof raw.op === 'string' ? raw.op.toLowerCase() : '';
  if (op !== 'add' && op !== 'replace' && op !== 'remove')
    throw badRequest('invalidSyntax', `operation ${index}: op must be add, replace or remove`);
  const path = raw.path;
  if (path !== undefined && path !== null && (typeof path !== 'string' || path.trim() === ''))
    throw badRequest('invalidPath', `operation ${index}: path must be a string`);
  if (op === 'remove' && (path === undefined || path === null))
    throw badRequest('noTarget', `operation ${index}: remove needs a path`);
  if (op !== 'remove' && raw.value === undefined)
    throw badRequest('invalidValue', `operation ${index}: value is required`);
  return { op, path: typeof path === 'string' ? path.trim() : undefined, value: raw.value };
}

/** `attr[filter].sub` split (the filter text goes to the filter parser, never split further). */
export interface PatchPath {
  readonly attr: ResolvedAttr;
  readonly filter: string | undefined;
  readonly sub: string | undefined;
}

export function parsePatchPath(resource: ResourceSchema, path: string): PatchPath {
  const open = path.indexOf('[');
  if (open < 0) return { attr: resolveAttr(resource, path), filter: undefined, sub: undefined };
  const close = path.lastIndexOf(']');
  const after = path.slice(close + 1);
  if (close < open || (after !== '' && !after.startsWith('.')))
    throw badRequest('invalidPath', `malformed path "${path}"`);
  const attr = resolveAttr(resource, path.slice(0, open));
  if (!attr.top.multiValued || attr.sub)
    throw badRequest('invalidPath', `"${path}": a value filter needs a multi-valued attribute`);
  const filter = quoteBareValues(path.slice(open + 1, close));
  translateFilter(resource, `${path.slice(0, open)}[${filter}]`); // validates the filter against the schema
  const sub = after ? resolveSub(attr.top, after.slice(1), 'invalidPath').name : undefined;
  return { attr, filter, sub };
}

function canonicalPath(p: PatchPath): string {
  const name = p.attr.extension ? `${p.attr.extension}:${p.attr.top.name}` : p.attr.top.name;
  const head = p.filter === undefined && p.attr.sub ? `${name}.${p.attr.sub.name}` : name;
  return p.filter === undefined ? head : `${head}[${p.filter}]${p.sub ? `.${p.sub}` : ''}`;
}

function checkMutable(p: PatchPath, raw: string): void {
  const def = p.attr.sub ?? p.attr.top;
  if (p.attr.top.mutability === 'readOnly' || def.mutability === 'readOnly')
    throw new ScimError(400, 'mutability', `"${raw}" is read-only`);
}

/** No-path add/replace: keys may be dotted or URN-qualified (Entra); `id` may repeat the id (Okta). */
function canonicalValue(resource: ResourceSchema, value: unknown, id: string): JsonObject {
  if (!isObject(value)) throw badRequest('invalidValue', 'an operation without path needs an object value');
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    const lower = key.toLowerCase();
    if (lower === 'id' && v !== id) throw new ScimError(400, 'mutability', '"id" cannot change');
    if (lower === 'id' || lower === 'meta' || lower === 'schemas' || lower === 'groups') continue;
    if (
      resource.extensions.some((s) => s.id.toLowerCase() === lower) ||
      (/^urn:/i.test(key) && !resolvable(resource, key))
    ) {
      out[resource.extensions.find((s) => s.id.toLowerCase() === lower)?.id ?? key] = v as JsonObject;
      continue;
    }
    const p = parsePatchPath(resource, key);
    checkMutable(p, key);
    out[canonicalPath(p)] = v as JsonObject;
  }
  return out;
}

function resolvable(resource: ResourceSchema, key: string): boolean {
  try {
    resolveAttr(resource, key);
    return true;
  } catch {
    return false;
  }
}

/** Canonical operations for scim-patch: paths resolved and checked against the schema. */
export function canonicalOps(
  resource: ResourceSchema,
  ops: readonly PatchOp[],
  id: string,
): ScimPatchOperation[] {
  return ops.map((op): ScimPatchOperation => {
    if (op.path === undefined)
      return { op: op.op === 'remove' ? 'replace' : op.op, value: canonicalValue(resource, op.value, id) };
    const p = parsePatchPath(resource, op.path);
    checkMutable(p, op.path);
    return op.op === 'remove'
      ? { op: 'remove', path: canonicalPath(p), value: op.value }
      : { op: op.op, path: canonicalPath(p), value: op.value };
  });
}

/**
 * Applies attribute operations to a resource's JSON with scim-patch (RFC 7644 §3.5.2 semantics);
 * the caller re-validates the result against the schema (scim-patch does not coerce types).
 */
export function applyAttributeOps(
  resource: ResourceSchema,
  current: JsonObject,
  ops: readonly PatchOp[],
  id: string,
): JsonObject {
  if (ops.length === 0) return current;
  const operations = canonicalOps(resource, ops, id);
  const doc = {
    ...structuredClone(current),
    meta: { created: new Date(0), lastModified: new Date(0) },
  } as unknown as ScimResource;
  try {
    const patched = scimPatch(doc, operations, {
      mutateDocument: true,
      treatMissingAsAdd: true,
    }) as unknown as JsonObject;
    const { meta: _meta, ...rest } = patched;
    return rest;
  } catch (err) {
    if (err instanceof ScimError) throw err;
    const scimType = (err as { scimType?: unknown }).scimType;
    const detail = err instanceof Error ? err.message : 'invalid patch';
    throw badRequest(
      scimType === 'noTarget' ? 'noTarget' : scimType === 'invalidPath' ? 'invalidPath' : 'invalidValue',
      detail,
    );
  }
}
