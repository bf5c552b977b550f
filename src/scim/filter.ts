import { parse } from 'scim2-parse-filter';
import type { Filter as Ast } from 'scim2-parse-filter';
import type { AttrPath, CompareOp, Filter, Scalar } from '../storage/ports.ts';
import { badRequest, ScimError } from './errors.ts';
import { quoteBareValues } from './filter-lexer.ts';
import { leaf, resolveAttr, resolveSub } from './paths.ts';
import type { ResolvedAttr } from './paths.ts';
import type { AttrDef, ResourceSchema } from './schema.ts';

/** Longest filter we parse (a filter is a query, not a payload). */
const MAX_FILTER_LENGTH = 4096;

const invalid = (detail: string) => badRequest('invalidFilter', detail);

/**
 * A SCIM filter string → the storage port's `Filter`, resolved against the resource schema.
 * With `lacking`, an attribute the resource type does not have is not an error: it has no value
 * there (RFC 7644 §3.4.2, a filter over several resource types), and its name is added to `lacking`.
 */
export function translateFilter(
  resource: ResourceSchema,
  text: string | undefined,
  lacking?: Set<string>,
): Filter {
  if (text === undefined || text.trim() === '') return { kind: 'all' };
  if (text.length > MAX_FILTER_LENGTH) throw invalid('filter is too long');
  return translate({ resource, lacking }, parseFilter(text));
}

interface Scope {
  readonly resource: ResourceSchema;
  readonly lacking: Set<string> | undefined;
}

/** Filters that are constantly true or false (the port's empty `and` and `or`). */
const ALWAYS: Filter = { kind: 'and', filters: [] };
const NEVER: Filter = { kind: 'or', filters: [] };

/**
 * `attrPath` resolved, or — across resource types — undefined when this type lacks it. The
 * port's rules for an absent attribute then decide: every comparison is false except `ne`, and
 * `eq null` is true (RFC 7644 §3.4.2.2).
 */
function resolveOrLacking(scope: Scope, attrPath: string): ResolvedAttr | undefined {
  if (!scope.lacking) return resolveAttr(scope.resource, attrPath, 'invalidFilter');
  try {
    return resolveAttr(scope.resource, attrPath, 'invalidFilter');
  } catch (err) {
    if (!(err instanceof ScimError)) throw err;
    scope.lacking.add(attrPath.toLowerCase());
    return undefined;
  }
}

function noValue(exp: AttrExp): Filter {
  if (exp.op === 'ne') return exp.compValue === null ? NEVER : ALWAYS;
  return exp.op === 'eq' && exp.compValue === null ? ALWAYS : NEVER;
}

// `attrPath op "string"`, with the parser's own token patterns (scim2-parse-filter's tokenizer).
const SIMPLE_COMPARISON = /^\s*(\w[-\w._:/%]*)\s+(eq|ne|co|sw|ew|gt|ge|lt|le)\s+("(?:[^"\\]|\\.|\n)*")\s*$/i;

/**
 * The one-comparison filter that identity providers send before every write (`userName eq "…"`,
 * `externalId eq "…"`, `displayName eq "…"`) is read directly; anything else goes through the
 * parser. Both give the same tree (a test holds them to it): like the parser, a backslash escapes
 * only a double quote.
 */
export function parseFilter(text: string): Ast {
  const simple = SIMPLE_COMPARISON.exec(text);
  if (simple) {
    const [, attrPath = '', op = '', quoted = ''] = simple;
    try {
      const compValue = JSON.parse(quoted.replace(/\\(?!")/g, '\\\\')) as unknown;
      if (typeof compValue === 'string') return { op: op.toLowerCase(), attrPath, compValue } as Ast;
    } catch {
      // Not a JSON string after all: the parser reports it.
    }
  }
  let ast: Ast;
  try {
    ast = parse(quoteBareValues(text));
  } catch (err) {
    if (err instanceof Error && 'scimType' in err) throw err;
    throw invalid(`malformed filter: ${err instanceof Error ? err.message : 'parse error'}`);
  }
  if (!wellFormed(ast, 0)) throw invalid('malformed filter');
  return ast;
}

/**
 * The parser can hand back a tree of the wrong shape for text it should have refused (a `not`
 * with a list of operands for `id eq 1e308and not (…)`); every node is checked before it is
 * translated, so such text is a 400 invalidFilter (RFC 7644 §3.4.2.2), never a TypeError.
 */
function wellFormed(node: unknown, depth: number): boolean {
  if (depth > 1000 || typeof node !== 'object' || node === null) return false;
  const n = node as {
    op?: unknown;
    filters?: unknown;
    filter?: unknown;
    attrPath?: unknown;
    valFilter?: unknown;
  };
  switch (n.op) {
    case 'and':
    case 'or':
      return (
        Array.isArray(n.filters) && n.filters.length >= 2 && n.filters.every((f) => wellFormed(f, depth + 1))
      );
    case 'not':
      return wellFormed(n.filter, depth + 1);
    case '[]':
      return typeof n.attrPath === 'string' && wellFormed(n.valFilter, depth + 1);
    default:
      return typeof n.op === 'string' && typeof n.attrPath === 'string';
  }
}

function translate(scope: Scope, ast: Ast): Filter {
  switch (ast.op) {
    case 'and':
    case 'or':
      return {
        kind: ast.op,
        filters: (ast as { filters: Ast[] }).filters.map((f) => translate(scope, f)),
      };
    case 'not':
      return { kind: 'not', filter: translate(scope, (ast as { filter: Ast }).filter) };
    case '[]':
      return valuePath(scope, ast);
    default:
      return attrExpression(scope, ast);
  }
}

type AttrExp = { op: string; attrPath: string; compValue?: Scalar };

function attrExpression(scope: Scope, ast: Ast): Filter {
  const { resource } = scope;
  const exp = ast as AttrExp;
  const resolved = resolveOrLacking(scope, exp.attrPath);
  if (!resolved) return noValue(exp);
  if (resource.resourceType === 'Group' && resolved.top.name === 'members')
    return membersExpression(exp, resolved);
  if (resolved.top.name === 'groups')
    throw invalid('filtering Users by groups is not supported; filter Groups by members');
  if (resolved.top.name === 'meta' && !['created', 'lastModified'].includes(resolved.sub?.name ?? ''))
    throw invalid('only meta.created and meta.lastModified can be filtered');
  if (resolved.top.multiValued) {
    // RFC 7644 §3.4.2.2: a multi-valued complex attribute without a sub-attribute means its `value`.
    const sub = resolved.sub ?? resolveSub(resolved.top, 'value', 'invalidFilter');
    const parent = resolved.path.slice(0, resolved.sub ? -1 : undefined);
    return { kind: 'elem', attr: parent, filter: comparison(exp, [sub.name], sub) };
  }
  if (leaf(resolved).type === 'complex' && exp.op !== 'pr')
    throw invalid(`"${exp.attrPath}" is complex: name a sub-attribute`);
  return comparison(exp, resolved.path, leaf(resolved));
}

function valuePath(scope: Scope, ast: { attrPath: string; valFilter: Ast }): Filter {
  const { resource } = scope;
  const resolved = resolveOrLacking(scope, ast.attrPath);
  if (!resolved) return NEVER; // no value matches the value filter
  if (!resolved.top.multiValued || resolved.sub)
    throw invalid(`"${ast.attrPath}[…]" needs a multi-valued attribute`);
  if (resource.resourceType === 'Group' && resolved.top.name === 'members')
    return memberFilter(ast.valFilter);
  if (resolved.top.name === 'groups')
    throw invalid('filtering Users by groups is not supported; filter Groups by members');
  return { kind: 'elem', attr: resolved.path, filter: withinElement(resolved.top, ast.valFilter) };
}

/**
 * `attr[filter]` where a value filter stands alone (`attributes=emails[type eq "work"]`): the
 * multi-valued attribute and the filter on its values, paths relative to a value.
 */
export function translateValueFilter(
  resource: ResourceSchema,
  attrText: string,
  filterText: string,
): { readonly attr: ResolvedAttr; readonly filter: Filter } {
  if (filterText.length > MAX_FILTER_LENGTH) throw invalid('filter is too long');
  const attr = resolveAttr(resource, attrText, 'invalidFilter');
  if (!attr.top.multiValued || attr.sub) throw invalid(`"${attrText}[…]" needs a multi-valued attribute`);
  return { attr, filter: withinElement(attr.top, parseFilter(filterText)) };
}

/** A filter inside `attr[...]`: paths are sub-attributes of `parent`. */
function withinElement(parent: AttrDef, ast: Ast): Filter {
  switch (ast.op) {
    case 'and':
    case 'or':
      return {
        kind: ast.op,
        filters: (ast as { filters: Ast[] }).filters.map((f) => withinElement(parent, f)),
      };
    case 'not':
      return { kind: 'not', filter: withinElement(parent, (ast as { filter: Ast }).filter) };
    case '[]':
      throw invalid('value filters cannot nest');
    default: {
      const exp = ast as AttrExp;
      const sub = resolveSub(parent, exp.attrPath, 'invalidFilter');
      return comparison(exp, [sub.name], sub);
    }
  }
}

/** Groups: `members[value eq "x"]`, `members.value eq "x"`, `members eq "x"`, `members pr`. */
function membersExpression(exp: AttrExp, resolved: ResolvedAttr): Filter {
  if (resolved.sub && resolved.sub.name !== 'value') throw invalid('members can be filtered by value only');
  if (exp.op === 'pr') return { kind: 'hasMembers' };
  if (exp.op !== 'eq' || exp.compValue === null || exp.compValue === undefined)
    throw invalid('members supports "eq" and "pr" only');
  return { kind: 'member', accountId: String(exp.compValue) };
}

function memberFilter(ast: Ast): Filter {
  if (ast.op === 'or') return { kind: 'or', filters: (ast as { filters: Ast[] }).filters.map(memberFilter) };
  const exp = ast as AttrExp;
  if (exp.attrPath?.toLowerCase() !== 'value') throw invalid('members can be filtered by value only');
  if (exp.op === 'pr') return { kind: 'hasMembers' };
  if (exp.op !== 'eq' || exp.compValue === null || exp.compValue === undefined)
    throw invalid('members supports "eq" and "pr" only');
  return { kind: 'member', accountId: String(exp.compValue) };
}

function comparison(exp: AttrExp, attr: AttrPath, def: AttrDef): Filter {
  if (exp.op === 'pr') return { kind: 'present', attr };
  const op = exp.op as CompareOp;
  const value = coerceFilterValue(def, op, exp.compValue ?? null);
  const caseExact = def.caseExact || def.type !== 'string';
  return { kind: 'compare', op, attr, value, caseExact };
}

/** RFC 7644 §3.4.2.2: the value compares as the attribute's type; impossible comparisons are invalidFilter. */
export function coerceFilterValue(def: AttrDef, op: CompareOp, value: Scalar): Scalar {
  if (value === null) {
    if (op === 'eq' || op === 'ne') return null;
    throw invalid(`"${op}" needs a value`);
  }
  const ordering = ['gt', 'ge', 'lt', 'le'].includes(op);
  const substring = ['co', 'sw', 'ew'].includes(op);
  switch (def.type) {
    case 'boolean': {
      if (ordering || substring) throw invalid(`"${op}" does not apply to boolean "${def.name}"`);
      if (typeof value === 'boolean') return value;
      if (/^(true|false)$/i.test(String(value))) return String(value).toLowerCase() === 'true';
      throw invalid(`"${def.name}" is boolean`);
    }
    case 'integer':
    case 'decimal': {
      if (substring) throw invalid(`"${op}" does not apply to number "${def.name}"`);
      const n = typeof value === 'number' ? value : Number(value);
      if (
        typeof value === 'boolean' ||
        !Number.isFinite(n) ||
        (def.type === 'integer' && !Number.isInteger(n))
      )
        throw invalid(`"${def.name}" is a number`);
      return n;
    }
    case 'dateTime': {
      const ms = Date.parse(String(value));
      if (Number.isNaN(ms) || substring) throw invalid(`"${def.name}" takes an ISO 8601 date-time`);
      return new Date(ms).toISOString();
    }
    default:
      return String(value);
  }
}

/** `sortBy` (RFC 7644 §3.4.2.3): a singular attribute, sorted by its type's ordering. */
export function translateSort(
  resource: ResourceSchema,
  sortBy: string | undefined,
  sortOrder: string | undefined,
): { attr: AttrPath; descending: boolean; caseExact: boolean } | undefined {
  if (!sortBy) return undefined;
  const resolved = resolveAttr(resource, sortBy, 'invalidValue');
  const def = leaf(resolved);
  if (resolved.top.multiValued || def.type === 'complex')
    throw badRequest('invalidValue', `sortBy must name a singular attribute, not "${sortBy}"`);
  if (sortOrder !== undefined && !/^(ascending|descending)$/i.test(sortOrder))
    throw badRequest('invalidValue', 'sortOrder is "ascending" or "descending"');
  const descending = sortOrder?.toLowerCase() === 'descending';
  return { attr: resolved.path, descending, caseExact: def.caseExact || def.type !== 'string' };
}
