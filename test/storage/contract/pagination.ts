import assert from 'node:assert/strict';
import type { Account, Filter, ListQuery, Storage, TenantId } from '../../../src/storage/ports.ts';
import type { Open } from './helpers.ts';
import { ids, insertAccounts, makeAccount, twoTenants, useStorage } from './helpers.ts';

const ALL: Filter = { kind: 'all' };

/** Walks every page of `size` and returns the ids in page order plus every total seen. */
async function walk(
  storage: Storage,
  tenantId: TenantId,
  size: number,
  query: Omit<ListQuery, 'offset' | 'limit'>,
) {
  const seen: string[] = [];
  const totals = new Set<number>();
  for (let offset = 0; ; offset += size) {
    const page = await storage.accounts.list(tenantId, { ...query, offset, limit: size });
    totals.add(page.total);
    seen.push(...ids(page.items));
    if (page.items.length < size) return { seen, totals };
  }
}

export function paginationContract(open: Open): void {
  describe('listing and pagination', () => {
    const storage = useStorage(open);
    // Names whose case-insensitive order differs from creation order and from case-exact order.
    const name = (i: number) => `${i % 2 === 0 ? 'User' : 'user'}-${String((i * 37) % 50).padStart(2, '0')}`;
    let accounts: Account[] = [];
    let tenantId: TenantId;

    beforeEach(async () => {
      const [a, b] = await twoTenants(storage());
      tenantId = a.id;
      accounts = await insertAccounts(storage(), a.id, 50, name);
      await insertAccounts(storage(), b.id, 5); // noise in another tenant
    });

    it('walks pages of 7 in creation order, every id once, with an honest total', async () => {
      const { seen, totals } = await walk(storage(), tenantId, 7, { filter: ALL });
      assert.deepEqual(seen, ids(accounts));
      assert.deepEqual([...totals], [50]);
    });

    it('walks pages of 7 sorted by userName descending', async () => {
      const sort = { attr: ['userName'], descending: true, caseExact: false } as const;
      const { seen, totals } = await walk(storage(), tenantId, 7, { filter: ALL, sort });
      const expected = [...accounts].sort((x, y) =>
        x.userName.toLowerCase() < y.userName.toLowerCase() ? 1 : -1,
      );
      assert.deepEqual(seen, ids(expected));
      assert.deepEqual([...totals], [50]);
    });

    it('breaks ties by id so pages stay stable', async () => {
      const sort = { attr: ['active'], descending: false, caseExact: true } as const;
      const { seen } = await walk(storage(), tenantId, 7, { filter: ALL, sort });
      assert.deepEqual(seen, ids(accounts));
    });

    it('pages a filtered list with the filtered total', async () => {
      const filter: Filter = {
        kind: 'compare',
        op: 'sw',
        attr: ['userName'],
        value: 'USER-1',
        caseExact: false,
      };
      const expected = accounts.filter((a) => a.userName.toLowerCase().startsWith('user-1'));
      assert.equal(expected.length, 10);
      const { seen, totals } = await walk(storage(), tenantId, 3, { filter });
      assert.deepEqual(seen, ids(expected));
      assert.deepEqual([...totals], [10]);
    });

    it('returns only the total for limit 0 and an empty page past the end', async () => {
      assert.deepEqual(await storage().accounts.list(tenantId, { filter: ALL, offset: 0, limit: 0 }), {
        items: [],
        total: 50,
      });
      assert.deepEqual(await storage().accounts.list(tenantId, { filter: ALL, offset: 50, limit: 10 }), {
        items: [],
        total: 50,
      });
      const last = await storage().accounts.list(tenantId, { filter: ALL, offset: 45, limit: 10 });
      assert.deepEqual(ids(last.items), ids(accounts.slice(45)));
    });

    it('keeps the unfiltered total honest across inserts, removals and rolled-back work', async () => {
      const s = storage();
      await s.accounts.remove(tenantId, accounts[0].id);
      await s.accounts.insert(makeAccount(tenantId));
      await s.accounts.insert(makeAccount(tenantId));
      await assert.rejects(
        s.transaction(async (tx) => {
          await tx.accounts.insert(makeAccount(tenantId));
          await tx.accounts.remove(tenantId, accounts[1].id);
          throw new Error('roll back');
        }),
      );
      assert.equal((await s.accounts.list(tenantId, { filter: ALL, offset: 0, limit: 0 })).total, 51);
      const counted = await s.accounts.list(tenantId, {
        filter: {
          kind: 'not',
          filter: { kind: 'compare', op: 'eq', attr: ['id'], value: 'x', caseExact: true },
        },
        offset: 0,
        limit: 0,
      });
      assert.equal(counted.total, 51);
    });
  });
}
