import { badRequest, ScimError } from './errors.ts';
import { quoteBareValues } from './filter-lexer.ts';
import { translateFilter } from './filter.ts';
import { resolveAttr, resolveSub } from './paths.ts';
import type { ResolvedAttr } from './paths.ts';
import type { AttrDef, ResourceSchema } from './schema.ts';

/** `attr[filter].sub` split (the filter text goes to the filter parser, never split further). */
export interface PatchPath {
  readonly attr: ResolvedAttr;
  readonly filter: string | undefined;
  readonly sub: string | undefined;
}

/** RFC 7644 §3.5.2 `path`: `attrPath` or `valuePath[.subAttr]`, resolved against the schema. */
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

/** The path in canonical spelling, as scim-patch reads it. */
export function canonicalPath(p: PatchPath): string {
  const name = p.attr.extension ? `${p.attr.extension}:${p.attr.top.name}` : p.attr.top.name;
  const head = p.filter === undefined && p.attr.sub ? `${name}.${p.attr.sub.name}` : name;
  return p.filter === undefined ? head : `${head}[${p.filter}]${p.sub ? `.${p.sub}` : ''}`;
}

/** The attribute an operation on `p` writes: the sub-attribute after a value filter, else the path's end. */
export function targetOf(p: PatchPath): AttrDef {
  if (p.sub !== undefined) return resolveSub(p.attr.top, p.sub, 'invalidPath');
  return p.attr.sub ?? p.attr.top;
}

/** RFC 7643 §2.2: a readOnly attribute cannot be written. */
export function checkMutable(p: PatchPath, raw: string): void {
  const def = p.attr.sub ?? p.attr.top;
  if (p.attr.top.mutability === 'readOnly' || def.mutability === 'readOnly')
    throw new ScimError(400, 'mutability', `"${raw}" is read-only`);
}
