import { scimPatch } from 'scim-patch';
import type { ScimResource } from 'scim-patch';
import type { JsonObject } from '../storage/ports.ts';
import { cloneJson } from '../platform/json-clone.ts';
import { badRequest, ScimError } from './errors.ts';
import { isObject } from './normalise.ts';
import { canonicalPath, checkMutable, parsePatchPath, targetOf } from './patch-path.ts';
import { noPathOps, unknownSubKeys } from './patch-value.ts';
import type { CanonicalOps } from './patch-value.ts';
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

/**
 * Canonical operations for scim-patch: paths resolved and checked against the schema, no-path
 * values expanded (patch-value.ts). `declared` is the resource's `schemas` before the PATCH.
 */
export function canonicalOps(
  resource: ResourceSchema,
  ops: readonly PatchOp[],
  id: string,
  declared: readonly string[],
): CanonicalOps {
  const out: CanonicalOps = { operations: [], unknownKeys: [] };
  for (const op of ops) {
    if (op.path === undefined) {
      noPathOps(resource, op.op === 'remove' ? 'replace' : op.op, op.value, id, declared, out);
      continue;
    }
    const p = parsePatchPath(resource, op.path);
    checkMutable(p, op.path);
    if (op.op !== 'remove') out.unknownKeys.push(...unknownSubKeys(targetOf(p), op.value, op.path));
    out.operations.push(
      op.op === 'remove'
        ? { op: 'remove', path: canonicalPath(p), value: op.value }
        : { op: op.op, path: canonicalPath(p), value: op.value },
    );
  }
  return out;
}

/** A PATCH result, and the value keys that were not understood (and so changed nothing). */
export interface Patched {
  readonly resource: JsonObject;
  readonly unknownKeys: readonly string[];
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
): Patched {
  if (ops.length === 0) return { resource: current, unknownKeys: [] };
  const declared = Array.isArray(current.schemas) ? current.schemas.filter((s) => typeof s === 'string') : [];
  const { operations, unknownKeys } = canonicalOps(resource, ops, id, declared);
  const doc = {
    ...cloneJson(current),
    meta: { created: new Date(0), lastModified: new Date(0) },
  } as unknown as ScimResource;
  try {
    const patched = scimPatch(doc, operations, {
      mutateDocument: true,
      treatMissingAsAdd: true,
    }) as unknown as JsonObject;
    const { meta: _meta, ...rest } = patched;
    return { resource: rest, unknownKeys };
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

/**
 * A PATCH that changed nothing while some of its keys were not understood did not do what the
 * client asked: a 400 (RFC 7644 §3.5.2, `invalidPath`), not a 200 that stores nothing.
 */
export function refuseNotUnderstood(unknownKeys: readonly string[]): void {
  if (unknownKeys.length > 0)
    throw badRequest('invalidPath', `unknown attribute ${unknownKeys.map((k) => `"${k}"`).join(', ')}`);
}
