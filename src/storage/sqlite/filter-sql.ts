import type { AttrPath, Filter, ListQuery } from '../ports.ts';
import { StorageError } from '../ports.ts';
import type { ColumnSpec, Operand, ParamList } from './sql-builder.ts';
import { foldedValueOf, jsonPathSuffix } from './sql-builder.ts';
import { comparison, presence } from './compare-sql.ts';

/** The table a list query runs over, as the filter translator sees it (row alias `r`). */
export interface FilterTarget {
  /** Record fields with their own column, keyed by the path joined with `/`. */
  readonly columns: Readonly<Record<string, ColumnSpec>>;
  /** Whether `member`/`hasMembers` apply (teams). */
  readonly hasMembers: boolean;
}

interface Context {
  readonly target: FilterTarget;
  /** The `json_each` alias of the element being matched inside `elem`, or null at record level. */
  readonly element: string | null;
  readonly depth: number;
}

const ATTRIBUTES = 'r.attributes';

/** Resolves a path in its context: a record column, a path into `attributes`, or into an element. */
function resolve(ctx: Context, path: AttrPath): Operand {
  if (ctx.element === null) {
    const column = ctx.target.columns[path.join('/')];
    if (column) return { kind: 'column', column };
    const rootPath = `$${jsonPathSuffix(path)}`;
    return { kind: 'json', doc: ATTRIBUTES, path: (params) => params.bind(rootPath) };
  }
  const element = ctx.element;
  const suffix = jsonPathSuffix(path);
  if (path.length === 1 && path[0] === 'value') {
    // Port rule: `['value']` is the element itself when the elements are simple values.
    return {
      kind: 'json',
      doc: ATTRIBUTES,
      path: (params) =>
        `CASE WHEN ${element}.type = 'object' THEN ${element}.fullkey || ${params.bind(suffix)} ELSE ${element}.fullkey END`,
    };
  }
  return { kind: 'json', doc: ATTRIBUTES, path: (params) => `${element}.fullkey || ${params.bind(suffix)}` };
}

/**
 * Translates a `Filter` to a parenthesised SQL boolean that is never NULL (so `NOT` is exact),
 * binding every value as a parameter. Semantics are those documented on `Filter` in ports.ts.
 */
export function filterSql(target: FilterTarget, filter: Filter, params: ParamList): string {
  return translate({ target, element: null, depth: 0 }, filter, params);
}

function translate(ctx: Context, filter: Filter, params: ParamList): string {
  switch (filter.kind) {
    case 'all':
      return '1';
    case 'and':
    case 'or': {
      if (filter.filters.length === 0) return filter.kind === 'and' ? '1' : '0';
      const parts = filter.filters.map((inner) => translate(ctx, inner, params));
      return `(${parts.join(filter.kind === 'and' ? ' AND ' : ' OR ')})`;
    }
    case 'not':
      return `(NOT ${translate(ctx, filter.filter, params)})`;
    case 'compare':
      return comparison(resolve(ctx, filter.attr), filter.op, filter.value, filter.caseExact, params);
    case 'present':
      return presence(resolve(ctx, filter.attr), params);
    case 'elem':
      return elem(ctx, filter.attr, filter.filter, params);
    case 'member':
    case 'hasMembers':
      return membership(ctx, filter, params);
  }
}

/** Some element of a JSON array matches: `EXISTS` over `json_each`, the inner filter sees the element. */
function elem(ctx: Context, attr: AttrPath, inner: Filter, params: ParamList): string {
  const operand = resolve(ctx, attr);
  if (operand.kind === 'column') return '0'; // record columns are single-valued
  const alias = `e${ctx.depth}`;
  const isArray = `COALESCE(json_type(${operand.doc}, ${operand.path(params)}) = 'array', 0)`;
  const source = `json_each(${operand.doc}, ${operand.path(params)}) AS ${alias}`;
  const where = translate({ target: ctx.target, element: alias, depth: ctx.depth + 1 }, inner, params);
  return `(${isArray} AND EXISTS (SELECT 1 FROM ${source} WHERE ${where}))`;
}

function membership(
  ctx: Context,
  filter: Filter & { kind: 'member' | 'hasMembers' },
  params: ParamList,
): string {
  if (!ctx.target.hasMembers || ctx.element !== null) {
    throw new StorageError(`filter ${filter.kind} applies to teams only, at record level`);
  }
  const account = filter.kind === 'member' ? ` AND m.account_id = ${params.bind(filter.accountId)}` : '';
  return `EXISTS (SELECT 1 FROM memberships AS m WHERE m.tenant_id = r.tenant_id AND m.team_id = r.id${account})`;
}

/**
 * ORDER BY for a list: the sort key, absent values last when ascending and first when descending
 * (RFC 7644 §3.4.2.3), then id ascending so that equal keys keep a stable page order.
 */
export function orderBySql(target: FilterTarget, sort: ListQuery['sort'], params: ParamList): string {
  if (!sort) return 'r.id ASC';
  const operand = resolve({ target, element: null, depth: 0 }, sort.attr);
  const key = foldedValueOf(operand, params, sort.caseExact);
  const direction = sort.descending ? 'DESC' : 'ASC';
  // On a NOT NULL column the NULLS clause is moot, and leaving it out lets an index give the order.
  const notNull = operand.kind === 'column' && !operand.column.nullable;
  const nulls = notNull ? '' : sort.descending ? ' NULLS FIRST' : ' NULLS LAST';
  return `${key} ${direction}${nulls}, r.id ASC`;
}
