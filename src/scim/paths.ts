import { badRequest } from './errors.ts';
import type { ScimType } from './errors.ts';
import { COMMON_ATTRIBUTES, findAttr } from './schema.ts';
import type { AttrDef, ResourceSchema, SchemaDef } from './schema.ts';

/** An attribute path resolved against the schema, with canonical names. */
export interface ResolvedAttr {
  /** Canonical path: `['name', 'familyName']`, `[ENTERPRISE_USER, 'manager', 'value']`. */
  readonly path: readonly string[];
  /** The top-level attribute. */
  readonly top: AttrDef;
  /** The sub-attribute, when the path names one. */
  readonly sub: AttrDef | undefined;
  /** The extension schema URN, when the attribute belongs to one. */
  readonly extension: string | undefined;
}

/** The attribute a path ends at. */
export const leaf = (r: ResolvedAttr): AttrDef => r.sub ?? r.top;

/** Splits `urn:…:User:manager.value` into its schema and the rest (URNs contain dots: `2.0`). */
function splitUrn(resource: ResourceSchema, raw: string): { schema: SchemaDef; rest: string } | undefined {
  const lower = raw.toLowerCase();
  for (const schema of [resource.core, ...resource.extensions]) {
    const prefix = `${schema.id.toLowerCase()}:`;
    if (lower.startsWith(prefix)) return { schema, rest: raw.slice(prefix.length) };
  }
  return undefined;
}

function unknown(raw: string, scimType: ScimType): never {
  throw badRequest(scimType, `unknown attribute "${raw}"`);
}

/**
 * Resolves `attr`, `attr.sub` or a schema-URN-qualified name. RFC 7644 §3.10: attribute names
 * are case-insensitive; RFC 7643 §3.3: extension attributes are qualified by their schema URN
 * (unqualified extension names are accepted when no core attribute has that name).
 */
export function resolveAttr(
  resource: ResourceSchema,
  raw: string,
  scimType: ScimType = 'invalidPath',
): ResolvedAttr {
  const urn = /^urn:/i.test(raw) ? splitUrn(resource, raw) : undefined;
  if (/^urn:/i.test(raw) && !urn) unknown(raw, scimType);
  const rest = urn ? urn.rest : raw;
  const parts = rest.split('.');
  if (parts.length > 2 || parts.some((p) => p === '')) unknown(raw, scimType);
  const [name = '', subName] = parts;
  const isExtension = urn !== undefined && urn.schema !== resource.core;
  let top: AttrDef | undefined;
  let extension: string | undefined;
  if (isExtension) {
    top = findAttr(urn.schema.attributes, name);
    extension = urn.schema.id;
  } else {
    top = findAttr(COMMON_ATTRIBUTES, name) ?? findAttr(resource.core.attributes, name);
    if (!top && !urn) {
      const ext = resource.extensions.find((s) => findAttr(s.attributes, name));
      top = ext ? findAttr(ext.attributes, name) : undefined;
      extension = ext?.id;
    }
  }
  if (!top) return unknown(raw, scimType);
  const sub = subName === undefined ? undefined : findAttr(top.subAttributes, subName);
  if (subName !== undefined && !sub) unknown(raw, scimType);
  const path = [...(extension ? [extension] : []), top.name, ...(sub ? [sub.name] : [])];
  return { path, top, sub, extension };
}

/** Resolves a sub-attribute of a multi-valued complex attribute (inside `emails[...]`). */
export function resolveSub(parent: AttrDef, raw: string, scimType: ScimType): AttrDef {
  const sub = findAttr(parent.subAttributes, raw);
  if (!sub) unknown(`${parent.name}.${raw}`, scimType);
  return sub;
}
