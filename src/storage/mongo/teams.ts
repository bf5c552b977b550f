import type { Filter, Team, TeamStore, TenantId } from '../ports.ts';
import type { Scope } from './common.ts';
import { changeable, inSession, listPage, strings, updateVersioned } from './common.ts';
import { documentToTeam, teamToDocument } from './documents.ts';
import { writing } from './errors.ts';
import type { MembershipLookups } from './filter.ts';
import { membershipNeeds, toMongoQuery } from './filter.ts';

const UNIQUE = { otherwise: 'displayName' } as const;

const parse = (doc: unknown): Team | undefined => (doc == null ? undefined : documentToTeam(doc));

/**
 * Resolves a filter's `member`/`hasMembers` against the memberships collection, so that the
 * query builder gets plain team ids (`{tenantId, accountId}` and `{tenantId, teamId, …}` indexes).
 */
export async function lookupsFor(
  scope: Scope,
  tenantId: TenantId,
  filter: Filter,
): Promise<MembershipLookups> {
  const { memberships } = scope.models;
  const needs = membershipNeeds(filter);
  const teamsOfAccount = new Map<string, readonly string[]>();
  for (const accountId of needs.accounts) {
    teamsOfAccount.set(
      accountId,
      strings(await memberships.distinct('teamId', { tenantId, accountId }).session(scope.session)),
    );
  }
  const teamsWithMembers = needs.hasMembers
    ? strings(await memberships.distinct('teamId', { tenantId }).session(scope.session))
    : null;
  return { teamsOfAccount, teamsWithMembers };
}

export function createTeamStore(scope: Scope): TeamStore {
  const { teams, memberships } = scope.models;
  const session = scope.session;
  const write = inSession(scope);

  return {
    async get(tenantId, id) {
      return parse(await teams.findOne({ tenantId, _id: id }).session(session).lean());
    },

    async getByDisplayName(tenantId, displayName) {
      return parse(
        await teams
          .findOne({ tenantId, displayNameLower: displayName.toLowerCase() })
          .session(session)
          .lean(),
      );
    },

    async list(tenantId, query) {
      const match = toMongoQuery(
        tenantId,
        query.filter,
        'team',
        await lookupsFor(scope, tenantId, query.filter),
      );
      return listPage(teams, scope, match, query, 'team', documentToTeam);
    },

    async insert(team) {
      await writing(() => teams.create([teamToDocument(team)], write), UNIQUE);
    },

    async update(team, expectedVersion) {
      const key = { tenantId: team.tenantId, _id: team.id };
      return documentToTeam(
        await updateVersioned(
          teams,
          scope,
          key,
          expectedVersion,
          { $set: changeable(teamToDocument(team)) },
          UNIQUE,
        ),
      );
    },

    async remove(tenantId, id) {
      const { deletedCount } = await teams.deleteOne({ tenantId, _id: id }, write);
      if (deletedCount === 0) return false;
      await memberships.deleteMany({ tenantId, teamId: id }, write);
      return true;
    },
  };
}
