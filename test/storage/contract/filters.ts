import assert from 'node:assert/strict';
import type { Filter, Storage } from '../../../src/storage/ports.ts';
import type { FilterCase } from './fixtures.ts';
import {
  ACCOUNT_FILTERS,
  SORT_CASES,
  TEAM_FILTERS,
  TENANT_A_ID,
  TENANT_B_ID,
  accountId,
  expectedIds,
  seedFixtures,
} from './fixtures.ts';
import type { Open } from './helpers.ts';
import { ids } from './helpers.ts';

async function select(
  storage: Storage,
  tenantId: typeof TENANT_A_ID,
  c: Pick<FilterCase, 'target' | 'filter'>,
) {
  const query = { filter: c.filter, offset: 0, limit: 100 };
  return c.target === 'accounts'
    ? storage.accounts.list(tenantId, query)
    : storage.teams.list(tenantId, query);
}

export function filtersContract(open: Open): void {
  describe('filters', () => {
    let storage: Storage;
    // The fixtures are read-only here: seed once for the whole block.
    before(async () => {
      storage = await open();
      await seedFixtures(storage);
    });
    after(async () => {
      await storage.close();
    });

    for (const c of [...ACCOUNT_FILTERS, ...TEAM_FILTERS]) {
      it(`${c.target}: ${c.name}`, async () => {
        const page = await select(storage, TENANT_A_ID, c);
        assert.deepEqual(ids(page.items), expectedIds(c.target, c.expected));
        assert.equal(page.total, c.expected.length);
      });
    }

    for (const c of SORT_CASES) {
      it(`sort: ${c.name}`, async () => {
        const page = await storage.accounts.list(TENANT_A_ID, { ...c.query, offset: 0, limit: 100 });
        assert.deepEqual(ids(page.items), expectedIds('accounts', c.expected));
      });
    }

    it('applies filters inside the tenant only', async () => {
      const work: Filter = {
        kind: 'elem',
        attr: ['emails'],
        filter: { kind: 'compare', op: 'eq', attr: ['type'], value: 'work', caseExact: true },
      };
      const page = await storage.accounts.list(TENANT_B_ID, { filter: work, offset: 0, limit: 100 });
      assert.deepEqual(ids(page.items), [accountId(TENANT_B_ID, 'alice')]);
      const member = await storage.teams.list(TENANT_B_ID, {
        filter: { kind: 'member', accountId: accountId(TENANT_A_ID, 'alice') },
        offset: 0,
        limit: 10,
      });
      assert.equal(member.total, 0);
    });

    it('refuses attribute paths that could escape their quoting', async () => {
      for (const attr of [['a"b'], ['name', 'x\\y'], ['a b'], []]) {
        const filter: Filter = { kind: 'present', attr };
        await assert.rejects(storage.accounts.list(TENANT_A_ID, { filter, offset: 0, limit: 10 }));
      }
    });

    it('treats values as data, never as query text', async () => {
      for (const value of ["' OR 1=1 --", '" OR 1=1', '$.userName', '%', '\\']) {
        const page = await storage.accounts.list(TENANT_A_ID, {
          filter: { kind: 'compare', op: 'eq', attr: ['userName'], value, caseExact: false },
          offset: 0,
          limit: 10,
        });
        assert.equal(page.total, 0, value);
      }
    });
  });
}
