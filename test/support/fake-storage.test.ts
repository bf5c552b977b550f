import assert from 'node:assert/strict';
import { accountsContract } from '../storage/contract/accounts.ts';
import { auditContract } from '../storage/contract/audit.ts';
import { countersContract } from '../storage/contract/counters.ts';
import type { FakeStorage } from './fake-storage.ts';
import { membershipsContract } from '../storage/contract/memberships.ts';
import { teamsContract } from '../storage/contract/teams.ts';
import { tenantsContract } from '../storage/contract/tenants.ts';
import { tokensContract } from '../storage/contract/tokens.ts';
import { transactionsContract } from '../storage/contract/transactions.ts';
import { makeAccount, makeTenant } from '../storage/contract/helpers.ts';
import { createFakeStorage } from './fake-storage.ts';

// The fake earns its place by keeping the port's rules: the same contract the adapters run,
// except filters, sorting and pagination (not in the fake) and the ephemeral TTL test (it sleeps
// on the wall clock; the fake's clock is tested below).
describe('fake storage (the storage contract, in memory)', () => {
  const open = async () => createFakeStorage();
  tenantsContract(open);
  tokensContract(open);
  accountsContract(open);
  teamsContract(open);
  membershipsContract(open);
  auditContract(open);
  transactionsContract(open);
  // Expiry on the fake's own clock.
  countersContract(open, async (storage, seconds) => (storage as FakeStorage).clock.advance(seconds));

  describe('fake specifics', () => {
    it('expires ephemeral entries on its own clock and hands a value out once', async () => {
      const storage = createFakeStorage();
      const e = storage.ephemeral;
      await e.put('short', 'x', 10);
      await e.put('forever', 'y', null);
      assert.equal(await e.putIfAbsent('replay', '1', 10), true);
      assert.equal(await e.putIfAbsent('replay', '2', 10), false);
      storage.clock.advance(11);
      assert.equal(await e.get('short'), undefined);
      assert.equal(await e.putIfAbsent('replay', '3', 10), true, 'an expired entry counts as absent');
      assert.equal(await e.consume('forever'), 'y');
      assert.equal(await e.consume('forever'), undefined);
    });

    it('runs a unit again after a simulated transient conflict, the first attempt undone', async () => {
      const storage = createFakeStorage();
      const tenant = makeTenant();
      await storage.tenants.insert(tenant);
      storage.retryNext(1);
      let attempts = 0;
      await storage.transaction(async (tx) => {
        attempts += 1;
        await tx.accounts.insert(makeAccount(tenant.id, { userName: 'once' }));
      });
      assert.equal(attempts, 2);
      assert.equal(
        (await storage.accounts.list(tenant.id, { filter: { kind: 'all' }, offset: 0, limit: 10 })).total,
        1,
      );
      assert.deepEqual([storage.commits, storage.rollbacks], [1, 1]);
    });

    it('refuses what it does not implement, by name', async () => {
      const storage = createFakeStorage();
      const tenant = makeTenant();
      await assert.rejects(
        storage.accounts.list(tenant.id, {
          filter: { kind: 'present', attr: ['title'] },
          offset: 0,
          limit: 1,
        }),
        /not in the fake: filter present/,
      );
    });
  });
});
