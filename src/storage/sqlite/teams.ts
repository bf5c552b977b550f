import type { ListQuery, Team, TeamId, TeamStore, TenantId } from '../ports.ts';
import type { Sql, Values } from './connection.ts';
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

/**
 * What `toTeam` reads, in this order (rows are read as value arrays); unqualified, so the same list
 * serves plain queries and the list's `teams AS r`. Not the tenant: every query names it.
 */
export const TEAM_COLUMNS = 'id, display_name, external_id, attributes, created_at, updated_at, version';

export function toTeam(tenantId: TenantId, row: Values): Team {
  return {
    tenantId,
    id: text(row, 0) as TeamId,
    displayName: text(row, 1),
    externalId: textOrNull(row, 2),
    attributes: jsonObject(row, 3),
    createdAt: text(row, 4),
    updatedAt: text(row, 5),
    version: int(row, 6),
  };
}

const INSERT = `INSERT INTO teams (tenant_id, id, display_name, display_name_lower, external_id, attributes,
  created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const UPDATE = `UPDATE teams SET display_name = ?, display_name_lower = ?, external_id = ?, attributes = ?,
  updated_at = ?, version = version + 1 WHERE tenant_id = ? AND id = ? AND version = ? RETURNING ${TEAM_COLUMNS}`;

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
    sql.getValues(
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
  if (row) return toTeam(t.tenantId, row);
  return afterMissedUpdate(sql, 'teams', t.tenantId, t.id);
}

// Constant text: SQL built per call is a new string to hash in the statement cache.
const BY_ID = `SELECT ${TEAM_COLUMNS} FROM teams WHERE tenant_id = ? AND id = ?`;
const BY_DISPLAY_NAME = `SELECT ${TEAM_COLUMNS} FROM teams WHERE tenant_id = ? AND display_name_lower = ?`;

export function createTeamStore(sql: Sql): TeamStore {
  const one = (tenantId: TenantId, text: string, param: string) => {
    const row = sql.getValues(text, tenantId, param);
    return row ? toTeam(tenantId, row) : undefined;
  };
  return {
    get: async (tenantId, id) => one(tenantId, BY_ID, id),
    getByDisplayName: async (tenantId, displayName) =>
      one(tenantId, BY_DISPLAY_NAME, displayName.toLowerCase()),
    list: async (tenantId, query: ListQuery) =>
      listRecords(
        sql,
        {
          table: 'teams',
          target: TEAM_TARGET,
          select: TEAM_COLUMNS,
          fromValues: (row) => toTeam(tenantId, row),
        },
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
