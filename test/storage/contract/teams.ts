import assert from 'node:assert/strict';
import { NotFoundInStore, UniquenessConflict, VersionConflict } from '../../../src/storage/ports.ts';
import type { Open } from './helpers.ts';
import { ids, makeAccount, makeTeam, twoTenants, useStorage } from './helpers.ts';

const displayNameTaken = (err: unknown) => err instanceof UniquenessConflict && err.field === 'displayName';
const ALL = { filter: { kind: 'all' }, offset: 0, limit: 100 } as const;

export function teamsContract(open: Open): void {
  describe('teams', () => {
    const storage = useStorage(open);

    it('reads back exactly what was stored, by id and by displayName case-insensitively', async () => {
      const [a] = await twoTenants(storage());
      const team = makeTeam(a.id, {
        displayName: 'Équipe Rouge',
        externalId: 'g-1',
        attributes: { 'urn:x:ext': { code: 7 } },
      });
      await storage().teams.insert(team);
      assert.deepEqual(await storage().teams.get(a.id, team.id), team);
      assert.deepEqual(await storage().teams.getByDisplayName(a.id, 'équipe ROUGE'), team);
      assert.equal(await storage().teams.getByDisplayName(a.id, 'Equipe Rouge'), undefined);
    });

    it('keeps displayName unique per tenant, case-insensitively', async () => {
      const [a, b] = await twoTenants(storage());
      await storage().teams.insert(makeTeam(a.id, { displayName: 'Admins' }));
      await assert.rejects(
        storage().teams.insert(makeTeam(a.id, { displayName: 'ADMINS' })),
        displayNameTaken,
      );
      await storage().teams.insert(makeTeam(b.id, { displayName: 'admins' }));
      const ops = makeTeam(a.id, { displayName: 'Ops' });
      await storage().teams.insert(ops);
      await assert.rejects(storage().teams.update({ ...ops, displayName: 'admins' }, 1), displayNameTaken);
      assert.deepEqual(await storage().teams.get(a.id, ops.id), ops);
    });

    it('updates optimistically', async () => {
      const [a] = await twoTenants(storage());
      const team = makeTeam(a.id);
      await storage().teams.insert(team);
      const stored = await storage().teams.update(
        { ...team, displayName: 'Renamed', updatedAt: '2031-01-01T00:00:00.000Z' },
        1,
      );
      assert.deepEqual(stored, {
        ...team,
        displayName: 'Renamed',
        updatedAt: '2031-01-01T00:00:00.000Z',
        version: 2,
      });
      await assert.rejects(storage().teams.update({ ...team, displayName: 'Stale' }, 1), VersionConflict);
      assert.deepEqual(await storage().teams.get(a.id, team.id), stored);
      await assert.rejects(storage().teams.update(makeTeam(a.id), 1), NotFoundInStore);
    });

    it('never shows, changes or removes a team through another tenant', async () => {
      const [a, b] = await twoTenants(storage());
      const team = makeTeam(a.id, { displayName: 'Secret' });
      await storage().teams.insert(team);
      assert.equal(await storage().teams.get(b.id, team.id), undefined);
      assert.equal(await storage().teams.getByDisplayName(b.id, 'Secret'), undefined);
      assert.deepEqual(await storage().teams.list(b.id, ALL), { items: [], total: 0 });
      await assert.rejects(storage().teams.update({ ...team, tenantId: b.id }, 1), NotFoundInStore);
      assert.equal(await storage().teams.remove(b.id, team.id), false);
      assert.deepEqual(await storage().teams.get(a.id, team.id), team);
    });

    it('lists in creation order with an honest total', async () => {
      const [a, b] = await twoTenants(storage());
      const teams = [makeTeam(a.id), makeTeam(a.id), makeTeam(a.id)];
      for (const team of teams) await storage().teams.insert(team);
      await storage().teams.insert(makeTeam(b.id));
      const page = await storage().teams.list(a.id, { ...ALL, offset: 1, limit: 1 });
      assert.deepEqual(page, { items: [teams[1]], total: 3 });
    });

    it('removes a team with its memberships, keeping the accounts', async () => {
      const [a] = await twoTenants(storage());
      const team = makeTeam(a.id);
      const account = makeAccount(a.id);
      await storage().teams.insert(team);
      await storage().accounts.insert(account);
      await storage().memberships.add(a.id, team.id, [account.id]);
      assert.equal(await storage().teams.remove(a.id, team.id), true);
      assert.equal(await storage().teams.get(a.id, team.id), undefined);
      assert.equal(await storage().memberships.count(a.id, team.id), 0);
      assert.deepEqual((await storage().memberships.teamsOf(a.id, [account.id])).get(account.id) ?? [], []);
      assert.deepEqual(ids((await storage().accounts.list(a.id, ALL)).items), [account.id]);
      assert.equal((await storage().teams.list(a.id, ALL)).total, 0);
    });
  });
}
