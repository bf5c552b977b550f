import assert from 'node:assert/strict';
import type { Account, AccountId, Storage, Team, Tenant } from '../../../src/storage/ports.ts';
import { NotFoundInStore } from '../../../src/storage/ports.ts';
import type { Open } from './helpers.ts';
import { ids, insertAccounts, makeAccount, makeTeam, twoTenants, useStorage } from './helpers.ts';

const sorted = (values: Iterable<string>) => [...values].sort();

export function membershipsContract(open: Open): void {
  describe('memberships', () => {
    const storage = useStorage(open);
    let a: Tenant;
    let b: Tenant;
    let people: Account[];
    let team: Team;

    beforeEach(async () => {
      [a, b] = await twoTenants(storage());
      people = await insertAccounts(storage(), a.id, 1200);
      team = makeTeam(a.id);
      await storage().teams.insert(team);
    });

    it('adds and removes 1,000 members at once, idempotently', async () => {
      const s = storage().memberships;
      const first = ids(people.slice(0, 1000)) as AccountId[];
      assert.equal(await s.add(a.id, team.id, first), 1000);
      assert.equal(await s.add(a.id, team.id, first), 0, 'adding again adds nothing');
      const more = ids(people.slice(990, 1010)) as AccountId[];
      assert.equal(
        await s.add(a.id, team.id, [...more, ...more]),
        10,
        'only the new ones count, duplicates once',
      );
      assert.equal(await s.count(a.id, team.id), 1010);

      const probe = ids([people[0], people[1009], people[1010], people[1199]]) as AccountId[];
      assert.deepEqual(sorted(await s.whichAreMembers(a.id, team.id, probe)), sorted(probe.slice(0, 2)));

      const gone = ids(people.slice(0, 500)) as AccountId[];
      assert.equal(await s.remove(a.id, team.id, [...gone, people[1100].id]), 500);
      assert.equal(await s.remove(a.id, team.id, gone), 0);
      assert.equal(await s.count(a.id, team.id), 510);
      assert.deepEqual(
        ids((await s.members(a.id, team.id)).map((m) => ({ id: m.accountId }))),
        ids(people.slice(500, 1010)),
      );
    });

    it('replaces the member set exactly', async () => {
      const s = storage().memberships;
      await s.add(a.id, team.id, ids(people.slice(0, 600)) as AccountId[]);
      const target = ids(people.slice(400, 1100)) as AccountId[];
      await s.replace(a.id, team.id, target);
      assert.deepEqual(
        (await s.members(a.id, team.id)).map((m) => m.accountId),
        target,
      );
      await s.replace(a.id, team.id, []);
      assert.equal(await s.count(a.id, team.id), 0);
    });

    it('lists members in account-id order with displayName, else userName', async () => {
      const named = makeAccount(a.id, { displayName: 'Zed', userName: 'zed@x' });
      const plain = makeAccount(a.id, { userName: 'plain@x' });
      await storage().accounts.insert(named);
      await storage().accounts.insert(plain);
      await storage().memberships.add(a.id, team.id, [plain.id, named.id]);
      assert.deepEqual(await storage().memberships.members(a.id, team.id), [
        { accountId: named.id, display: 'Zed' },
        { accountId: plain.id, display: 'plain@x' },
      ]);
    });

    it('answers teamsOf for 100 accounts in one call', async () => {
      const other = makeTeam(a.id);
      await storage().teams.insert(other);
      const hundred = ids(people.slice(0, 100)) as AccountId[];
      await storage().memberships.add(a.id, team.id, hundred.slice(0, 60));
      await storage().memberships.add(a.id, other.id, hundred.slice(50));
      const teamsOf = await storage().memberships.teamsOf(a.id, hundred);
      assert.equal(teamsOf.size, 100);
      assert.deepEqual(
        teamsOf.get(hundred[0])?.map((t) => t.id),
        [team.id],
      );
      assert.deepEqual(teamsOf.get(hundred[55]), [team, other]);
      assert.deepEqual(
        teamsOf.get(hundred[99])?.map((t) => t.id),
        [other.id],
      );
    });

    it('never crosses tenants', async () => {
      await assertIsolated(storage(), a, b, team, people[0]);
    });

    it('refuses members that are not accounts of the tenant, all or nothing', async () => {
      const s = storage().memberships;
      const stranger = makeAccount(b.id);
      await storage().accounts.insert(stranger);
      await assert.rejects(s.add(a.id, team.id, [people[0].id, stranger.id]), NotFoundInStore);
      await assert.rejects(s.add(a.id, team.id, [people[0].id, makeAccount(a.id).id]), NotFoundInStore);
      assert.equal(await s.count(a.id, team.id), 0);
    });
  });
}

async function assertIsolated(
  storage: Storage,
  a: Tenant,
  b: Tenant,
  team: Team,
  member: Account,
): Promise<void> {
  const s = storage.memberships;
  await s.add(a.id, team.id, [member.id]);
  const intruder = makeAccount(b.id);
  await storage.accounts.insert(intruder);
  await assert.rejects(s.add(b.id, team.id, [intruder.id]), NotFoundInStore, 'a team of another tenant');
  await assert.rejects(s.replace(b.id, team.id, [intruder.id]), NotFoundInStore);
  assert.equal(await s.remove(b.id, team.id, [member.id]), 0);
  await s.replace(b.id, team.id, []);
  assert.equal(await s.count(b.id, team.id), 0);
  assert.deepEqual(await s.members(b.id, team.id), []);
  assert.equal((await s.whichAreMembers(b.id, team.id, [member.id])).size, 0);
  assert.deepEqual((await s.teamsOf(b.id, [member.id])).get(member.id) ?? [], []);
  assert.deepEqual(
    (await s.members(a.id, team.id)).map((m) => m.accountId),
    [member.id],
    'tenant A untouched',
  );
}
