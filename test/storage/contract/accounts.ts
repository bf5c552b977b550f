import assert from 'node:assert/strict';
import { newId } from '../../../src/platform/ids.ts';
import type { AccountId } from '../../../src/storage/ports.ts';
import { NotFoundInStore, UniquenessConflict, VersionConflict } from '../../../src/storage/ports.ts';
import type { Open } from './helpers.ts';
import { ids, makeAccount, makeTeam, twoTenants, useStorage } from './helpers.ts';

const userNameTaken = (err: unknown) => err instanceof UniquenessConflict && err.field === 'userName';
const ALL = { filter: { kind: 'all' }, offset: 0, limit: 100 } as const;

export function accountsContract(open: Open): void {
  describe('accounts', () => {
    const storage = useStorage(open);

    it('reads back exactly what was stored', async () => {
      const [a] = await twoTenants(storage());
      const account = makeAccount(a.id, {
        userName: 'Alice@X.com',
        externalId: 'Ext-1',
        displayName: 'Alice',
        email: 'Alice@X.com',
        attributes: {
          name: { givenName: 'Alice' },
          emails: [{ value: 'Alice@X.com', primary: true }],
          n: 1.5,
          b: false,
          z: null,
        },
      });
      await storage().accounts.insert(account);
      assert.deepEqual(await storage().accounts.get(a.id, account.id), account);
    });

    it('looks up by userName and primary email case-insensitively', async () => {
      const [a] = await twoTenants(storage());
      const alice = makeAccount(a.id, { userName: 'Alice@X.com', email: 'Alice@X.com' });
      const eve = makeAccount(a.id, { userName: 'ÉVE', email: 'shared@x.com' });
      const other = makeAccount(a.id, { userName: 'other', email: 'SHARED@x.com' });
      for (const account of [alice, eve, other]) await storage().accounts.insert(account);
      assert.equal((await storage().accounts.getByUserName(a.id, 'alice@x.COM'))?.id, alice.id);
      assert.equal((await storage().accounts.getByUserName(a.id, 'éve'))?.id, eve.id, 'Unicode case folding');
      assert.equal(await storage().accounts.getByUserName(a.id, 'alice'), undefined);
      assert.deepEqual(ids(await storage().accounts.getByEmail(a.id, 'ALICE@x.com')), [alice.id]);
      assert.deepEqual(ids(await storage().accounts.getByEmail(a.id, 'shared@X.com')), [eve.id, other.id]);
    });

    it('keeps userName unique per tenant, case-insensitively', async () => {
      const [a, b] = await twoTenants(storage());
      await storage().accounts.insert(makeAccount(a.id, { userName: 'Alice@X.com' }));
      await assert.rejects(
        storage().accounts.insert(makeAccount(a.id, { userName: 'alice@x.com' })),
        userNameTaken,
      );
      await storage().accounts.insert(makeAccount(b.id, { userName: 'alice@x.com' }));
      const bob = makeAccount(a.id, { userName: 'bob' });
      await storage().accounts.insert(bob);
      await assert.rejects(storage().accounts.update({ ...bob, userName: 'ALICE@X.COM' }, 1), userNameTaken);
      assert.deepEqual(await storage().accounts.get(a.id, bob.id), bob);
      assert.equal((await storage().accounts.list(a.id, ALL)).total, 2);
    });

    it('updates optimistically: version + 1, stale versions refused, record unchanged', async () => {
      const [a] = await twoTenants(storage());
      const account = makeAccount(a.id, { displayName: 'Before' });
      await storage().accounts.insert(account);
      const next = {
        ...account,
        displayName: 'After',
        active: false,
        updatedAt: '2031-01-01T00:00:00.000Z',
        createdAt: '1999-01-01T00:00:00.000Z',
      };
      const stored = await storage().accounts.update(next, 1);
      assert.deepEqual(stored, { ...next, version: 2, createdAt: account.createdAt });
      assert.deepEqual(await storage().accounts.get(a.id, account.id), stored);
      await assert.rejects(
        storage().accounts.update({ ...account, displayName: 'Stale' }, 1),
        VersionConflict,
      );
      assert.deepEqual(await storage().accounts.get(a.id, account.id), stored);
      assert.equal((await storage().accounts.update({ ...stored, displayName: 'Third' }, 2)).version, 3);
      await assert.rejects(storage().accounts.update(makeAccount(a.id), 1), NotFoundInStore);
    });

    it('an update given the previous record keeps every index right, changed or not', async () => {
      const [a] = await twoTenants(storage());
      const s = storage().accounts;
      const other = makeAccount(a.id, { userName: 'taken@x.com' });
      await s.insert(other);
      const first = makeAccount(a.id, { userName: 'Ann@x.com', email: 'ann@x.com', externalId: 'e-1' });
      await s.insert(first);
      // Only non-indexed fields change: the lookups by each indexed field still find it.
      const second = await s.update({ ...first, displayName: 'Ann', active: false }, 1, first);
      assert.equal(second.displayName, 'Ann');
      assert.equal((await s.getByUserName(a.id, 'ann@X.com'))?.id, first.id);
      assert.deepEqual(ids(await s.getByEmail(a.id, 'ANN@x.com')), [first.id]);
      const byExternal = await s.list(a.id, {
        ...ALL,
        filter: { kind: 'compare', op: 'eq', attr: ['externalId'], value: 'e-1', caseExact: true },
      });
      assert.deepEqual(ids(byExternal.items), [first.id]);
      // Every indexed field changes: old keys no longer find it, new keys do, uniqueness holds.
      await assert.rejects(s.update({ ...second, userName: 'TAKEN@x.com' }, 2, second), userNameTaken);
      const third = await s.update(
        { ...second, userName: 'anne@x.com', email: 'anne@x.com', externalId: 'e-2' },
        2,
        second,
      );
      assert.equal(third.version, 3);
      assert.equal(await s.getByUserName(a.id, 'ann@x.com'), undefined);
      assert.equal((await s.getByUserName(a.id, 'ANNE@x.com'))?.id, first.id);
      assert.deepEqual(await s.getByEmail(a.id, 'ann@x.com'), []);
      assert.deepEqual(ids(await s.getByEmail(a.id, 'anne@x.com')), [first.id]);
      // A previous record of another version is not trusted: everything is written.
      const fourth = await s.update({ ...third, userName: 'annie@x.com' }, 3, first);
      assert.equal((await s.getByUserName(a.id, 'annie@x.com'))?.id, fourth.id);
      await assert.rejects(s.update({ ...fourth, displayName: 'stale' }, 3, third), VersionConflict);
    });

    it('never shows, changes or removes an account through another tenant', async () => {
      const [a, b] = await twoTenants(storage());
      const account = makeAccount(a.id, { userName: 'alice', email: 'alice@x.com', externalId: 'e1' });
      await storage().accounts.insert(account);
      const s = storage().accounts;
      assert.equal(await s.get(b.id, account.id), undefined);
      assert.equal(await s.getByUserName(b.id, 'alice'), undefined);
      assert.deepEqual(await s.getByEmail(b.id, 'alice@x.com'), []);
      assert.equal((await s.existing(b.id, [account.id])).size, 0);
      assert.deepEqual(await s.list(b.id, ALL), { items: [], total: 0 });
      const filtered = await s.list(b.id, {
        ...ALL,
        filter: { kind: 'compare', op: 'eq', attr: ['userName'], value: 'alice', caseExact: false },
      });
      assert.equal(filtered.total, 0);
      await assert.rejects(
        s.update({ ...account, tenantId: b.id, displayName: 'hijack' }, 1),
        NotFoundInStore,
      );
      assert.equal(await s.remove(b.id, account.id), false);
      await assert.rejects(s.link(b.id, 'idp|x', account.id), NotFoundInStore);
      assert.equal(await s.findBySubject(b.id, 'idp|x'), undefined);
      assert.deepEqual(await s.get(a.id, account.id), account);
    });

    it('tells which ids are accounts of the tenant', async () => {
      const [a, b] = await twoTenants(storage());
      const mine = makeAccount(a.id);
      const theirs = makeAccount(b.id);
      await storage().accounts.insert(mine);
      await storage().accounts.insert(theirs);
      const found = await storage().accounts.existing(a.id, [mine.id, theirs.id, newId(), mine.id]);
      assert.deepEqual([...found], [mine.id]);
      assert.equal((await storage().accounts.existing(a.id, [])).size, 0);
    });

    it('links sign-in subjects to accounts', async () => {
      const [a] = await twoTenants(storage());
      const [alice, bob] = [makeAccount(a.id), makeAccount(a.id)];
      await storage().accounts.insert(alice);
      await storage().accounts.insert(bob);
      await storage().accounts.link(a.id, 'saml|https://idp|alice', alice.id);
      await storage().accounts.link(a.id, 'saml|https://idp|alice', alice.id); // idempotent
      assert.deepEqual(await storage().accounts.findBySubject(a.id, 'saml|https://idp|alice'), alice);
      await assert.rejects(
        storage().accounts.link(a.id, 'saml|https://idp|alice', bob.id),
        UniquenessConflict,
      );
      await assert.rejects(storage().accounts.link(a.id, 'oidc|x', newId() as AccountId), NotFoundInStore);
      assert.equal(await storage().accounts.findBySubject(a.id, 'oidc|x'), undefined);
    });

    it('removes an account with its memberships and sign-in links', async () => {
      const [a] = await twoTenants(storage());
      const [alice, bob] = [makeAccount(a.id), makeAccount(a.id)];
      const team = makeTeam(a.id);
      await storage().accounts.insert(alice);
      await storage().accounts.insert(bob);
      await storage().teams.insert(team);
      await storage().memberships.add(a.id, team.id, [alice.id, bob.id]);
      await storage().accounts.link(a.id, 'idp|alice', alice.id);
      assert.equal(await storage().accounts.remove(a.id, alice.id), true);
      assert.equal(await storage().accounts.get(a.id, alice.id), undefined);
      assert.equal(await storage().accounts.findBySubject(a.id, 'idp|alice'), undefined);
      assert.deepEqual(
        (await storage().memberships.members(a.id, team.id)).map((m) => m.accountId),
        [bob.id],
      );
      assert.equal((await storage().accounts.list(a.id, ALL)).total, 1);
      assert.equal(await storage().accounts.remove(a.id, alice.id), false);
      // The userName is free again.
      await storage().accounts.insert(makeAccount(a.id, { userName: alice.userName }));
    });
  });
}
