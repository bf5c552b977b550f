import type { ListQuery, Page, TenantId } from '../ports.ts';
import { StorageError } from '../ports.ts';
import type { Param, Sql, Values } from './connection.ts';
import { limitSql } from './connection.ts';
import type { FilterTarget } from './filter-sql.ts';
import { filterSql, orderBySql } from './filter-sql.ts';
import { ParamList } from './sql-builder.ts';

/** What a list reads: the `select` columns of `table`, as values, into `fromValues`. */
export interface ListSpec<T> {
  readonly table: 'accounts' | 'teams';
  readonly target: FilterTarget;
  readonly select: string;
  readonly fromValues: (values: Values) => T;
}

function checkWindow(query: ListQuery): void {
  const ok = (n: number) => Number.isSafeInteger(n) && n >= 0;
  if (!ok(query.offset) || !ok(query.limit)) {
    throw new StorageError(
      `offset and limit must be non-negative integers (got ${query.offset}, ${query.limit})`,
    );
  }
}

/**
 * A page of a tenant's accounts or teams. The unfiltered total comes from the per-tenant counter
 * (kept by triggers), so an unfiltered page costs the same for 1k or 100k rows; a filtered total
 * is told by a partial page, else a count(*) over the filter (an index probe for indexed equality).
 */
export function listRecords<T>(sql: Sql, spec: ListSpec<T>, tenantId: TenantId, query: ListQuery): Page<T> {
  checkWindow(query);
  const params = new ParamList();
  params.bind(tenantId);
  const unfiltered = query.filter.kind === 'all';
  const where = unfiltered
    ? 'r.tenant_id = ?'
    : `r.tenant_id = ? AND ${filterSql(spec.target, query.filter, params)}`;
  if (unfiltered) {
    const total = counted(sql, spec.table, tenantId);
    if (query.limit === 0 || query.offset >= total) return { items: [], total };
    return { items: page(sql, spec, where, params, query), total };
  }
  if (query.limit === 0) return { items: [], total: counting(sql, spec.table, where, params.values) };
  const whereParams = [...params.values];
  const items = page(sql, spec, where, params, query);
  // A page that is not full and not empty tells the total by itself (offset + what it holds):
  // the common filtered lookup (`userName eq …`) then costs one query instead of two.
  const told = items.length < query.limit && (items.length > 0 || query.offset === 0);
  const total = told ? query.offset + items.length : counting(sql, spec.table, where, whereParams);
  return { items, total };
}

function page<T>(sql: Sql, spec: ListSpec<T>, where: string, params: ParamList, query: ListQuery): T[] {
  const whereParams = [...params.values];
  const orderBy = orderBySql(spec.target, query.sort, params);
  const text = `SELECT ${spec.select} FROM ${spec.table} AS r WHERE ${where} ORDER BY ${orderBy} ${limitSql(query.limit)} OFFSET ?`;
  const all = [...whereParams, ...params.values.slice(whereParams.length), query.offset];
  return sql.allValues(text, ...all).map(spec.fromValues);
}

function counted(sql: Sql, table: 'accounts' | 'teams', tenantId: TenantId): number {
  const row = sql.get(`SELECT ${table} AS n FROM tenant_counters WHERE tenant_id = ?`, tenantId);
  return Number(row?.n ?? 0);
}

function counting(sql: Sql, table: 'accounts' | 'teams', where: string, params: readonly Param[]): number {
  const row = sql.get(`SELECT count(*) AS n FROM ${table} AS r WHERE ${where}`, ...params);
  return Number(row?.n ?? 0);
}
