import assert from 'node:assert/strict';
import { newId } from '../../../src/platform/ids.ts';
import type { ScimLogEntry, ScimLogError, TenantId } from '../../../src/storage/ports.ts';
import type { Open } from './helpers.ts';
import { twoTenants, useStorage } from './helpers.ts';

function entry(
  tenantId: TenantId,
  n: number,
  expiresAt = '2999-01-01T00:00:00.000Z',
  error: ScimLogError | null = null,
): ScimLogEntry {
  return {
    tenantId,
    id: newId(),
    at: new Date().toISOString(),
    method: 'POST',
    path: `/scim/v2/t/Users/${n}`,
    status: error === null ? 201 : 400,
    durationMs: 1.25,
    tokenId: 'tok',
    requestId: `req-${n}`,
    body: n % 2 ? null : '{"userName":"x"}',
    error,
    expiresAt,
  };
}

export function scimLogContract(open: Open): void {
  describe('scim log', () => {
    const storage = useStorage(open);

    it("pages a tenant's entries newest first, never another tenant's, and expires old ones", async () => {
      const [a, b] = await twoTenants(storage());
      const mine = [entry(a.id, 1), entry(a.id, 2), entry(a.id, 3, '2000-01-01T00:00:00.000Z')];
      await storage().scimLog.append(mine);
      await storage().scimLog.append([entry(b.id, 9)]);
      await storage().scimLog.append([]);
      const newest = [...mine].reverse();
      assert.deepEqual(await storage().scimLog.list(a.id, null, 2), newest.slice(0, 2));
      assert.deepEqual(await storage().scimLog.list(a.id, newest[1]?.id ?? null, 5), newest.slice(2));
      assert.equal(await storage().scimLog.expire(new Date().toISOString(), 10), 1);
      assert.deepEqual(await storage().scimLog.list(a.id, null, 10), newest.slice(1));
      assert.equal((await storage().scimLog.list(b.id, null, 10)).length, 1);
    });

    it("keeps a refused request's error as written, with or without a scimType, and null for a success", async () => {
      const [a] = await twoTenants(storage());
      const written = [
        entry(a.id, 1),
        entry(a.id, 2, undefined, { scimType: 'invalidValue', detail: '"userName" is required' }),
        entry(a.id, 3, undefined, { scimType: null, detail: 'no User "x" <&> ünïcødé 😀' }),
        entry(a.id, 4, undefined, { scimType: 'uniqueness', detail: 'x'.repeat(499) + '…' }),
      ];
      await storage().scimLog.append(written);
      const read = await storage().scimLog.list(a.id, null, 10);
      assert.deepEqual(read, [...written].reverse());
      assert.equal(read.at(-1)?.error, null);
    });
  });
}
