import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditEventInput, TenantId } from '../../../src/storage/ports.ts';
import { VersionConflict } from '../../../src/storage/ports.ts';
import type { Open } from './helpers.ts';
import { makeAccount, makeTeam, twoTenants, useStorage } from './helpers.ts';

const audited = (tenantId: TenantId, type: string): AuditEventInput => ({
  tenantId,
  type,
  actor: { type: 'system', id: null },
  target: null,
  data: {},
  requestId: null,
  expiresAt: '2999-01-01T00:00:00.000Z',
});
const ALL = { filter: { kind: 'all' }, offset: 0, limit: 100 } as const;

export function transactionsContract(open: Open): void {
  describe('transactions', () => {
    const storage = useStorage(open);

    it('commits every write and returns the result of fn', async () => {
      const [a] = await twoTenants(storage());
      const account = makeAccount(a.id);
      const result = await storage().transaction(async (tx) => {
        await tx.accounts.insert(account);
        await tx.audit.append(audited(a.id, 'account.created'));
        return 'done';
      });
      assert.equal(result, 'done');
      assert.deepEqual(await storage().accounts.get(a.id, account.id), account);
      assert.equal((await storage().audit.list(a.id, null, 10)).length, 1);
    });

    it('rolls back every write, the audit event included, when fn throws', async () => {
      const [a] = await twoTenants(storage());
      const kept = makeAccount(a.id, { displayName: 'kept' });
      const team = makeTeam(a.id);
      await storage().accounts.insert(kept);
      await storage().teams.insert(team);
      const boom = new Error('boom');
      const fresh = makeAccount(a.id);
      await assert.rejects(
        storage().transaction(async (tx) => {
          await tx.accounts.insert(fresh);
          await tx.accounts.update({ ...kept, displayName: 'changed' }, 1);
          await tx.memberships.add(a.id, team.id, [kept.id, fresh.id]);
          await tx.teams.remove(a.id, team.id);
          await tx.tenants.update({ ...a, name: 'changed' }, 1);
          await tx.audit.append(audited(a.id, 'account.created'));
          await sleep(5);
          throw boom;
        }),
        (err) => err === boom,
      );
      assert.equal(await storage().accounts.get(a.id, fresh.id), undefined);
      assert.deepEqual(await storage().accounts.get(a.id, kept.id), kept);
      assert.deepEqual(await storage().teams.get(a.id, team.id), team);
      assert.equal(await storage().memberships.count(a.id, team.id), 0);
      assert.equal((await storage().tenants.get(a.id))?.name, a.name);
      assert.deepEqual(await storage().audit.list(a.id, null, 10), []);
      assert.equal((await storage().accounts.list(a.id, ALL)).total, 1);
    });

    it('rolls back when a write inside fails, and the store stays usable', async () => {
      const [a] = await twoTenants(storage());
      const account = makeAccount(a.id);
      await storage().accounts.insert(account);
      const fresh = makeAccount(a.id);
      await assert.rejects(
        storage().transaction(async (tx) => {
          await tx.accounts.insert(fresh);
          await tx.accounts.update({ ...account, displayName: 'x' }, 7);
        }),
        VersionConflict,
      );
      assert.equal(await storage().accounts.get(a.id, fresh.id), undefined);
      await storage().transaction(async (tx) => tx.accounts.insert(fresh));
      assert.ok(await storage().accounts.get(a.id, fresh.id));
    });

    // Whether concurrent units run one after the other (SQLite's one writer) or side by side
    // (MongoDB) is the adapter's business; that each lands whole is the contract.
    it('lands each of several concurrent transactions whole', async () => {
      const [a] = await twoTenants(storage());
      const unit = (fail: boolean) =>
        storage().transaction(async (tx) => {
          await tx.accounts.insert(makeAccount(a.id));
          await sleep(10);
          await tx.accounts.insert(makeAccount(a.id));
          if (fail) throw new Error('roll back');
        });
      const results = await Promise.allSettled([unit(false), unit(true), unit(false)]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.equal((await storage().accounts.list(a.id, ALL)).total, 4);
    });

    it('keeps a concurrent write outside a transaction that rolls back', async () => {
      const [a] = await twoTenants(storage());
      const inside = makeAccount(a.id);
      const outside = makeAccount(a.id);
      let entered!: () => void;
      const started = new Promise<void>((resolve) => (entered = resolve));
      const failing = storage().transaction(async (tx) => {
        await tx.accounts.insert(inside);
        entered();
        await sleep(20);
        throw new Error('roll back');
      });
      await started;
      const write = storage().accounts.insert(outside); // issued while the transaction is open
      await assert.rejects(failing);
      await write;
      assert.equal(await storage().accounts.get(a.id, inside.id), undefined);
      assert.deepEqual(await storage().accounts.get(a.id, outside.id), outside);
    });
  });
}
