/**
 * Shared fixtures for every storage adapter and for the MongoDB query cross-check:
 *
 * - `seedFixtures(storage)` loads both fixture tenants (accounts, teams, memberships) into a store;
 * - `fixtureTenants()`, `fixtureAccounts(tenantId)`, `fixtureTeams(tenantId)` and
 *   `fixtureMemberships(tenantId)` are the same data as plain records (e.g. to load into mingo);
 * - `FILTER_CASES` and `SORT_CASES` are queries over tenant A with the fixture keys they select,
 *   in result order: translate `filter` for another engine and expect `expectedIds(target, expected)`.
 */
import type { Account, Storage, Team, Tenant } from '../../../src/storage/ports.ts';
import type { TeamKey } from './fixture-records.ts';
import {
  TENANT_A_ID,
  TENANT_B_ID,
  accountId,
  fixtureAccounts,
  fixtureMemberships,
  fixtureTeams,
  fixtureTenants,
  teamId,
} from './fixture-records.ts';

export * from './fixture-records.ts';
export * from './fixture-cases.ts';

/** Ids in tenant A of fixture keys (account keys for account cases, team keys for team cases). */
export function expectedIds(target: 'accounts' | 'teams', keys: readonly string[]): string[] {
  return keys.map((key) =>
    target === 'accounts' ? accountId(TENANT_A_ID, key) : teamId(TENANT_A_ID, key as TeamKey),
  );
}

export interface SeededFixtures {
  readonly tenantA: Tenant;
  readonly tenantB: Tenant;
  readonly accountsA: readonly Account[];
  readonly accountsB: readonly Account[];
  readonly teamsA: readonly Team[];
  readonly teamsB: readonly Team[];
}

/** Loads both fixture tenants with their accounts, teams and memberships into `storage`. */
export async function seedFixtures(storage: Storage): Promise<SeededFixtures> {
  const [tenantA, tenantB] = fixtureTenants();
  for (const tenant of [tenantA, tenantB]) {
    await storage.tenants.insert(tenant);
    for (const account of fixtureAccounts(tenant.id)) await storage.accounts.insert(account);
    for (const team of fixtureTeams(tenant.id)) await storage.teams.insert(team);
    for (const membership of fixtureMemberships(tenant.id)) {
      await storage.memberships.add(tenant.id, membership.teamId, membership.accountIds);
    }
  }
  return {
    tenantA,
    tenantB,
    accountsA: fixtureAccounts(TENANT_A_ID),
    accountsB: fixtureAccounts(TENANT_B_ID),
    teamsA: fixtureTeams(TENANT_A_ID),
    teamsB: fixtureTeams(TENANT_B_ID),
  };
}
