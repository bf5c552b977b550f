import { parse } from 'scim2-parse-filter';
import type { Filter as Ast } from 'scim2-parse-filter';
import type { AttrPath, CompareOp, Filter, Scalar } from '../storage/ports.ts';
import { badRequest } from './errors.ts';
import { quoteBareValues } from './filter-lexer.ts';
import { leaf, resolveAttr, resolveSub } from './paths.ts';
import type { ResolvedAttr } from './paths.ts';
import type { AttrDef, ResourceSchema } from './schema.ts';

/** Longest filter we parse (a filter is a query, not a payload). */
const MAX_FILTER_LENGTH = 4096;

const invalid = (detail: string) => badRequest('invalidFilter', detail);

/** A SCIM filter string → the storage port's `Filter`, resolved against the resource schema. */
export function translateFilter(resource: ResourceSchema, text: string | undefined): Filter {
  if (text === undefined || text.trim() === '') return { kind: 'all' };
  if (text.length > MAX_FILTER_LENGTH) throw invalid('filter is too long');
  return translate(resource, parseFilter(text));
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
  try {
    return parse(quoteBareValues(text));
  } catch (err) {
    if (err instanceof Error && 'scimType' in err) throw err;
    throw invalid(`malformed filter: ${err instanceof Error ? err.message : 'parse error'}`);
  }
}

function translate(resource: ResourceSchema, ast: Ast): Filter {
  switch (ast.op) {
    case 'and':
    case 'or':
      return {
        kind: ast.op,
        filters: (ast as { filters: Ast[] }).filters.map((f) => translate(resource, f)),
      };
    case 'not':
      return { kind: 'not', filter: translate(resource, (ast as { filter: Ast }).filter) };
    case '[]':
      return valuePath(resource, ast);
    default:
      return attrExpression(resource, ast);
  }
}

type AttrExp = { op: string; attrPath: string; compValue?: Scalar };

function attrExpression(resource: ResourceSchema, ast: Ast): Filter {
  const exp = ast as AttrExp;
  const resolved = resolveAttr(resource, exp.attrPath, 'invalidFilter');
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

function valuePath(resource: ResourceSchema, ast: { attrPath: string; valFilter: Ast }): Filter {
  const resolved = resolveAttr(resource, ast.attrPath, 'invalidFilter');
  if (!resolved.top.multiValued || resolved.sub)
    throw invalid(`"${ast.attrPath}[…]" needs a multi-valued attribute`);
  if (resource.resourceType === 'Group' && resolved.top.name === 'members')
    return memberFilter(ast.valFilter);
  if (resolved.top.name === 'groups')
    throw invalid('filtering Users by groups is not supported; filter Groups by members');
  return { kind: 'elem', attr: resolved.path, filter: withinElement(resolved.top, ast.valFilter) };
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
