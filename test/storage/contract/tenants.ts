import assert from 'node:assert/strict';
import { newId } from '../../../src/platform/ids.ts';
import type { Storage, TenantId, TokenId } from '../../../src/storage/ports.ts';
import { NotFoundInStore, UniquenessConflict, VersionConflict } from '../../../src/storage/ports.ts';
import type { Open } from './helpers.ts';
import { makeAccount, makeTeam, makeTenant, useStorage } from './helpers.ts';

const conflictOn = (field: string) => (err: unknown) =>
  err instanceof UniquenessConflict && err.field === field;

export function tenantsContract(open: Open): void {
  describe('tenants', () => {
    const storage = useStorage(open);

    it('stores and reads back a tenant by id, slug and claimed domain', async () => {
      const tenant = makeTenant({
        slug: 'acme',
        domains: ['acme.com', 'acme.io'],
        connections: { saml: { entityId: 'x' } },
      });
      await storage().tenants.insert(tenant);
      assert.deepEqual(await storage().tenants.get(tenant.id), tenant);
      assert.deepEqual(await storage().tenants.getBySlug('acme'), tenant);
      assert.equal((await storage().tenants.findByDomain('acme.io'))?.id, tenant.id);
      assert.equal(
        (await storage().tenants.findByDomain('ACME.com'))?.id,
        tenant.id,
        'domains compare lowercase',
      );
      assert.equal(await storage().tenants.findByDomain('other.com'), undefined);
      assert.equal(await storage().tenants.get(newId() as TenantId), undefined);
    });

    it('lists tenants by slug', async () => {
      for (const slug of ['zeta', 'alpha', 'mid']) await storage().tenants.insert(makeTenant({ slug }));
      assert.deepEqual(
        (await storage().tenants.list()).map((t) => t.slug),
        ['alpha', 'mid', 'zeta'],
      );
    });

    it('refuses a taken slug or a domain claimed by another tenant, storing nothing', async () => {
      await storage().tenants.insert(makeTenant({ slug: 'acme', domains: ['acme.com'] }));
      const sameSlug = makeTenant({ slug: 'acme' });
      await assert.rejects(storage().tenants.insert(sameSlug), conflictOn('slug'));
      const sameDomain = makeTenant({ slug: 'other', domains: ['new.com', 'acme.com'] });
      await assert.rejects(storage().tenants.insert(sameDomain), conflictOn('domains'));
      assert.equal(await storage().tenants.get(sameDomain.id), undefined);
      assert.equal(
        await storage().tenants.findByDomain('new.com'),
        undefined,
        'a failed insert claims nothing',
      );
      assert.equal((await storage().tenants.list()).length, 1);
    });

    it('updates with optimistic versioning and replaces the claimed domains', async () => {
      const tenant = makeTenant({ domains: ['old.com'] });
      await storage().tenants.insert(tenant);
      const updated = await storage().tenants.update(
        { ...tenant, name: 'New', domains: ['new.com'], updatedAt: '2030-01-01T00:00:00.000Z' },
        1,
      );
      assert.equal(updated.version, 2);
      assert.equal(updated.name, 'New');
      assert.equal(updated.updatedAt, '2030-01-01T00:00:00.000Z');
      assert.deepEqual(await storage().tenants.get(tenant.id), updated);
      assert.equal(await storage().tenants.findByDomain('old.com'), undefined, 'the old domain is released');
      await storage().tenants.insert(makeTenant({ domains: ['old.com'] }));

      await assert.rejects(storage().tenants.update({ ...tenant, name: 'Stale' }, 1), VersionConflict);
      assert.equal((await storage().tenants.get(tenant.id))?.name, 'New', 'a stale update changes nothing');
      await assert.rejects(storage().tenants.update(makeTenant(), 1), NotFoundInStore);
    });

    it('refuses an update onto a taken slug or domain and keeps the record', async () => {
      const a = makeTenant({ slug: 'a', domains: ['a.com'] });
      const b = makeTenant({ slug: 'b', domains: ['b.com'] });
      await storage().tenants.insert(a);
      await storage().tenants.insert(b);
      await assert.rejects(storage().tenants.update({ ...b, slug: 'a' }, 1), conflictOn('slug'));
      await assert.rejects(
        storage().tenants.update({ ...b, domains: ['b.com', 'a.com'] }, 1),
        conflictOn('domains'),
      );
      assert.deepEqual(await storage().tenants.get(b.id), b);
      assert.equal((await storage().tenants.findByDomain('a.com'))?.id, a.id);
    });

    it('removes a tenant with everything it owns, keeps its audit events and leaves other tenants alone', async () => {
      const s = storage();
      const [gone, kept] = [makeTenant({ domains: ['gone.com'] }), makeTenant()];
      await s.tenants.insert(gone);
      await s.tenants.insert(kept);
      const owned = await seedOwned(s, gone.id);
      const other = await seedOwned(s, kept.id);

      assert.equal(await s.tenants.remove(gone.id), true);
      assert.equal(await s.tenants.get(gone.id), undefined);
      assert.equal(await s.tenants.findByDomain('gone.com'), undefined);
      assert.equal(await s.tokens.findByHash(owned.tokenHash), undefined);
      assert.equal(await s.accounts.get(gone.id, owned.accountId), undefined);
      assert.equal(await s.accounts.findBySubject(gone.id, 'idp|sub'), undefined);
      assert.equal(
        (await s.accounts.list(gone.id, { filter: { kind: 'all' }, offset: 0, limit: 10 })).total,
        0,
      );
      assert.equal((await s.teams.list(gone.id, { filter: { kind: 'all' }, offset: 0, limit: 10 })).total, 0);
      assert.equal(await s.memberships.count(gone.id, owned.teamId), 0);
      assert.equal((await s.audit.list(gone.id, null, 10)).length, 1, 'audit events stay');
      assert.equal(await s.tenants.remove(gone.id), false);

      assert.equal((await s.tokens.findByHash(other.tokenHash))?.tenantId, kept.id);
      assert.equal(await s.memberships.count(kept.id, other.teamId), 1);
      assert.equal((await s.accounts.findBySubject(kept.id, 'idp|sub'))?.id, other.accountId);
      // The domain is free again.
      await s.tenants.insert(makeTenant({ domains: ['gone.com'] }));
    });
  });
}

async function seedOwned(s: Storage, tenantId: TenantId) {
  const account = makeAccount(tenantId);
  const team = makeTeam(tenantId);
  const tokenHash = newId();
  await s.accounts.insert(account);
  await s.teams.insert(team);
  await s.memberships.add(tenantId, team.id, [account.id]);
  await s.accounts.link(tenantId, 'idp|sub', account.id);
  await s.tokens.insert({
    id: newId() as TokenId,
    tenantId,
    kind: 'scim',
    hash: tokenHash,
    label: null,
    createdAt: account.createdAt,
    lastUsedAt: null,
  });
  await s.audit.append({
    tenantId,
    type: 'account.created',
    actor: { type: 'system', id: null },
    target: { type: 'account', id: account.id },
    data: {},
    requestId: null,
    expiresAt: '2999-01-01T00:00:00.000Z',
  });
  return { accountId: account.id, teamId: team.id, tokenHash };
}
