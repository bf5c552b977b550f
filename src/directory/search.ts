import type {
  Account,
  AccountStore,
  AttrPath,
  Filter,
  MembershipStore,
  Page,
  Team,
  TeamStore,
  TenantId,
} from '../storage/ports.ts';

export interface DirectorySearchDeps {
  readonly accounts: Pick<AccountStore, 'list'>;
  readonly teams: Pick<TeamStore, 'list'>;
  readonly memberships: Pick<MembershipStore, 'count'>;
}

export interface SearchPage {
  /** 0-based. */
  readonly offset: number;
  readonly limit: number;
}

/** Any of `attrs` contains `text`, case-insensitively; everything when `text` is empty. */
function containing(text: string, attrs: readonly AttrPath[]): Filter {
  const q = text.trim();
  if (!q) return { kind: 'all' };
  return {
    kind: 'or',
    filters: attrs.map((attr) => ({ kind: 'compare', op: 'co', attr, value: q, caseExact: false })),
  };
}

const ACCOUNT_FIELDS: readonly AttrPath[] = [['userName'], ['displayName'], ['externalId']];
const TEAM_FIELDS: readonly AttrPath[] = [['displayName'], ['externalId']];

/**
 * Read-only search over a tenant's accounts and teams (the admin page's "People and teams"),
 * through the same storage-neutral filters SCIM lists use; writing stays with the directory.
 */
export function createDirectorySearch(deps: DirectorySearchDeps) {
  return {
    people(tenantId: TenantId, text: string, page: SearchPage): Promise<Page<Account>> {
      return deps.accounts.list(tenantId, {
        filter: containing(text, ACCOUNT_FIELDS),
        ...page,
        sort: { attr: ['userName'], descending: false, caseExact: false },
      });
    },

    async teams(
      tenantId: TenantId,
      text: string,
      page: SearchPage,
    ): Promise<{ readonly items: readonly { team: Team; members: number }[]; readonly total: number }> {
      const found = await deps.teams.list(tenantId, {
        filter: containing(text, TEAM_FIELDS),
        ...page,
        sort: { attr: ['displayName'], descending: false, caseExact: false },
      });
      const items = await Promise.all(
        found.items.map(async (team) => ({ team, members: await deps.memberships.count(tenantId, team.id) })),
      );
      return { items, total: found.total };
    },
  };
}

export type DirectorySearch = ReturnType<typeof createDirectorySearch>;
