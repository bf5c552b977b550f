import { NotFoundInStore, VersionConflict } from '../ports.ts';
import type { Sql } from './connection.ts';

/**
 * An optimistic `UPDATE … WHERE version = ?` touched no row: tell a stale version (the row is
 * there) from a missing record.
 */
export function afterMissedUpdate(
  sql: Sql,
  table: 'accounts' | 'teams',
  tenantId: string,
  id: string,
): never {
  const exists = sql.get(`SELECT 1 AS x FROM ${table} WHERE tenant_id = ? AND id = ?`, tenantId, id);
  if (exists) throw new VersionConflict();
  throw new NotFoundInStore(`no such record in ${table}`);
}

/**
 * Runs a query taking (tenantId, JSON array of ids) and returns the first column as a set. Passing
 * the ids as one JSON array keeps the SQL text fixed (one cached statement for any count).
 */
export function idList<T extends string>(
  sql: Sql,
  query: string,
  tenantId: string,
  ids: readonly string[],
): Set<T> {
  if (ids.length === 0) return new Set();
  const rows = sql.all(query, tenantId, JSON.stringify(ids));
  return new Set(rows.map((row) => String(Object.values(row)[0]) as T));
}
