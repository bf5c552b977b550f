import type { ListQuery, Team, TeamId, TeamStore, TenantId } from '../ports.ts';
import type { Row, Sql } from './connection.ts';
import { translated } from './errors.ts';
import type { FilterTarget } from './filter-sql.ts';
import { listRecords } from './listing.ts';
import { int, jsonObject, lower, text, textOrNull } from './rows.ts';
import { afterMissedUpdate } from './shared.ts';

export const TEAM_TARGET: FilterTarget = {
  hasMembers: true,
  columns: {
    id: { sql: 'r.id', type: 'string', nullable: false },
    displayName: { sql: 'r.display_name', type: 'string', nullable: false, lowerSql: 'r.display_name_lower' },
    externalId: { sql: 'r.external_id', type: 'string', nullable: true },
    'meta/created': { sql: 'r.created_at', type: 'string', nullable: false },
    'meta/lastModified': { sql: 'r.updated_at', type: 'string', nullable: false },
  },
};

/** Reads a team from `prefix`-named columns (`prefix` lets joins select teams beside other rows). */
export function toTeam(row: Row, prefix = ''): Team {
  return {
    tenantId: text(row, `${prefix}tenant_id`) as TenantId,
    id: text(row, `${prefix}id`) as TeamId,
    displayName: text(row, `${prefix}display_name`),
    externalId: textOrNull(row, `${prefix}external_id`),
    attributes: jsonObject(row, `${prefix}attributes`),
    createdAt: text(row, `${prefix}created_at`),
    updatedAt: text(row, `${prefix}updated_at`),
    version: int(row, `${prefix}version`),
  };
}

const INSERT = `INSERT INTO teams (tenant_id, id, display_name, display_name_lower, external_id, attributes,
  created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const UPDATE = `UPDATE teams SET display_name = ?, display_name_lower = ?, external_id = ?, attributes = ?,
  updated_at = ?, version = version + 1 WHERE tenant_id = ? AND id = ? AND version = ? RETURNING *`;

function insert(sql: Sql, t: Team): void {
  translated(() =>
    sql.run(
      INSERT,
      t.tenantId,
      t.id,
      t.displayName,
      lower(t.displayName),
      t.externalId,
      JSON.stringify(t.attributes),
      t.createdAt,
      t.updatedAt,
      t.version,
    ),
  );
}

function update(sql: Sql, t: Team, expectedVersion: number): Team {
  const row = translated(() =>
    sql.get(
      UPDATE,
      t.displayName,
      lower(t.displayName),
      t.externalId,
      JSON.stringify(t.attributes),
      t.updatedAt,
      t.tenantId,
      t.id,
      expectedVersion,
    ),
  );
  if (row) return toTeam(row);
  return afterMissedUpdate(sql, 'teams', t.tenantId, t.id);
}

export function createTeamStore(sql: Sql): TeamStore {
  const one = (query: string, ...params: string[]) => {
    const row = sql.get(query, ...params);
    return row ? toTeam(row) : undefined;
  };
  return {
    get: async (tenantId, id) => one('SELECT * FROM teams WHERE tenant_id = ? AND id = ?', tenantId, id),
    getByDisplayName: async (tenantId, displayName) =>
      one(
        'SELECT * FROM teams WHERE tenant_id = ? AND display_name_lower = ?',
        tenantId,
        displayName.toLowerCase(),
      ),
    list: async (tenantId, query: ListQuery) =>
      listRecords(
        sql,
        { table: 'teams', target: TEAM_TARGET, toRecord: (row) => toTeam(row) },
        tenantId,
        query,
      ),
    insert: async (team) => insert(sql, team),
    update: async (team, expectedVersion) => update(sql, team, expectedVersion),
    // Memberships go with it by ON DELETE CASCADE.
    remove: async (tenantId, id) =>
      sql.run('DELETE FROM teams WHERE tenant_id = ? AND id = ?', tenantId, id) > 0,
  };
}
