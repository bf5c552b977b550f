import assert from 'node:assert/strict';
import { newId } from '../../../src/platform/ids.ts';
import type { SetupLink, TenantId } from '../../../src/storage/ports.ts';
import { UniquenessConflict } from '../../../src/storage/ports.ts';
import type { Open } from './helpers.ts';
import { twoTenants, useStorage } from './helpers.ts';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

function makeLink(tenantId: TenantId, overrides: Partial<SetupLink> = {}): SetupLink {
  return {
    tenantId,
    id: newId(),
    hash: `hash-${newId()}`,
    createdAt: iso(Date.now()),
    expiresAt: iso(Date.now() + HOUR),
    usedAt: null,
    ...overrides,
  };
}

export function setupLinksContract(open: Open): void {
  describe('setup links', () => {
    const storage = useStorage(open);

    it("finds a link by hash and lists a tenant's links newest first", async () => {
      const [a, b] = await twoTenants(storage());
      const first = makeLink(a.id);
      const second = makeLink(a.id);
      const foreign = makeLink(b.id);
      for (const link of [first, second, foreign]) await storage().setupLinks.insert(link);
      assert.deepEqual(await storage().setupLinks.findByHash(first.hash), first);
      assert.equal(await storage().setupLinks.findByHash('nope'), undefined);
      assert.deepEqual(await storage().setupLinks.list(a.id), [second, first]);
      assert.deepEqual(await storage().setupLinks.list(b.id), [foreign]);
    });

    it('refuses a duplicate hash', async () => {
      const [a, b] = await twoTenants(storage());
      const link = makeLink(a.id);
      await storage().setupLinks.insert(link);
      await assert.rejects(
        storage().setupLinks.insert(makeLink(b.id, { hash: link.hash })),
        (err) => err instanceof UniquenessConflict && err.field === 'hash',
      );
    });

    it('redeems a live link once, only through its own tenant, never once expired', async () => {
      const [a, b] = await twoTenants(storage());
      const link = makeLink(a.id);
      const expired = makeLink(a.id, { expiresAt: iso(Date.now() - 1) });
      await storage().setupLinks.insert(link);
      await storage().setupLinks.insert(expired);
      const now = iso(Date.now());
      assert.equal(await storage().setupLinks.redeem(b.id, link.id, now), false, 'another tenant');
      assert.equal(await storage().setupLinks.redeem(a.id, expired.id, now), false, 'expired');
      assert.equal(await storage().setupLinks.redeem(a.id, link.id, now), true);
      assert.equal(await storage().setupLinks.redeem(a.id, link.id, now), false, 'used');
      assert.equal((await storage().setupLinks.findByHash(link.hash))?.usedAt, now);
      assert.equal((await storage().setupLinks.findByHash(expired.hash))?.usedAt, null);
    });

    it('lets exactly one of many racing redemptions win, each in its own unit of work', async () => {
      const [a] = await twoTenants(storage());
      const link = makeLink(a.id);
      await storage().setupLinks.insert(link);
      const now = iso(Date.now());
      const results = await Promise.all(
        Array.from({ length: 8 }, () =>
          storage().transaction((tx) => tx.setupLinks.redeem(a.id, link.id, now)),
        ),
      );
      assert.equal(results.filter(Boolean).length, 1, JSON.stringify(results));
    });

    it('removes a link only through its own tenant, and with its tenant', async () => {
      const [a, b] = await twoTenants(storage());
      const link = makeLink(a.id);
      const other = makeLink(a.id);
      await storage().setupLinks.insert(link);
      await storage().setupLinks.insert(other);
      assert.equal(await storage().setupLinks.remove(b.id, link.id), false);
      assert.equal(await storage().setupLinks.remove(a.id, link.id), true);
      assert.equal(await storage().setupLinks.findByHash(link.hash), undefined);
      assert.equal(await storage().tenants.remove(a.id), true);
      assert.equal(await storage().setupLinks.findByHash(other.hash), undefined);
    });
  });
}
