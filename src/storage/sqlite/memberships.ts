import type { AccountId, MembershipStore, Team, TeamId, TenantId } from '../ports.ts';
import type { Sql } from './connection.ts';
import { translated } from './errors.ts';
import { text, textOrNull } from './rows.ts';
import { toTeam } from './teams.ts';

// Account ids travel as one JSON array parameter: one cached statement whatever the count, one
// statement execution for 1,000 ids, and no need to read the existing member list first.
const ADD = `INSERT INTO memberships (tenant_id, team_id, account_id)
  SELECT ?, ?, value FROM json_each(?) WHERE true ON CONFLICT DO NOTHING`;
const REMOVE = `DELETE FROM memberships WHERE tenant_id = ? AND team_id = ? AND account_id IN (SELECT value FROM json_each(?))`;
const REMOVE_OTHERS = `DELETE FROM memberships
  WHERE tenant_id = ? AND team_id = ? AND account_id NOT IN (SELECT value FROM json_each(?))`;
const MEMBERS = `SELECT m.account_id, COALESCE(a.display_name, a.user_name) AS display FROM memberships AS m
  JOIN accounts AS a ON a.tenant_id = m.tenant_id AND a.id = m.account_id
  WHERE m.tenant_id = ? AND m.team_id = ? ORDER BY m.account_id`;
const WHICH = `SELECT account_id FROM memberships WHERE tenant_id = ? AND team_id = ?
  AND account_id IN (SELECT value FROM json_each(?))`;
const TEAMS_OF = `SELECT m.account_id AS member_id, t.* FROM memberships AS m
  JOIN teams AS t ON t.tenant_id = m.tenant_id AND t.id = m.team_id
  WHERE m.tenant_id = ? AND m.account_id IN (SELECT value FROM json_each(?)) ORDER BY m.account_id, t.id`;

/** Adds members; a missing team or account (in this tenant) fails the whole call with `NotFoundInStore`. */
function add(sql: Sql, tenantId: TenantId, teamId: TeamId, accountIds: readonly AccountId[]): number {
  if (accountIds.length === 0) return 0;
  return translated(() => sql.run(ADD, tenantId, teamId, JSON.stringify(accountIds)));
}

function replace(sql: Sql, tenantId: TenantId, teamId: TeamId, accountIds: readonly AccountId[]): void {
  sql.atomically(() => {
    sql.run(REMOVE_OTHERS, tenantId, teamId, JSON.stringify(accountIds));
    add(sql, tenantId, teamId, accountIds);
  });
}

/** Every requested account gets an entry (empty when it is in no team), teams in id order. */
function teamsOf(sql: Sql, tenantId: TenantId, accountIds: readonly AccountId[]): Map<AccountId, Team[]> {
  const result = new Map<AccountId, Team[]>(accountIds.map((id) => [id, []]));
  if (accountIds.length === 0) return result;
  for (const row of sql.all(TEAMS_OF, tenantId, JSON.stringify(accountIds))) {
    result.get(text(row, 'member_id') as AccountId)?.push(toTeam(row));
  }
  return result;
}

export function createMembershipStore(sql: Sql): MembershipStore {
  return {
    add: async (tenantId, teamId, accountIds) => add(sql, tenantId, teamId, accountIds),
    remove: async (tenantId, teamId, accountIds) =>
      accountIds.length === 0 ? 0 : sql.run(REMOVE, tenantId, teamId, JSON.stringify(accountIds)),
    replace: async (tenantId, teamId, accountIds) => replace(sql, tenantId, teamId, accountIds),
    members: async (tenantId, teamId) =>
      sql.all(MEMBERS, tenantId, teamId).map((row) => ({
        accountId: text(row, 'account_id') as AccountId,
        display: textOrNull(row, 'display'),
      })),
    count: async (tenantId, teamId) =>
      Number(
        sql.get('SELECT count(*) AS n FROM memberships WHERE tenant_id = ? AND team_id = ?', tenantId, teamId)
          ?.n ?? 0,
      ),
    whichAreMembers: async (tenantId, teamId, accountIds) => {
      if (accountIds.length === 0) return new Set<AccountId>();
      const rows = sql.all(WHICH, tenantId, teamId, JSON.stringify(accountIds));
      return new Set(rows.map((row) => text(row, 'account_id') as AccountId));
    },
    teamsOf: async (tenantId, accountIds) => teamsOf(sql, tenantId, accountIds),
  };
}
