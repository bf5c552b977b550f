import assert from 'node:assert/strict';
import type { AuditEventInput, TenantId } from '../../../src/storage/ports.ts';
import type { Open } from './helpers.ts';
import { ids, twoTenants, useStorage } from './helpers.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function event(tenantId: TenantId | null, type: string): AuditEventInput {
  return {
    tenantId,
    type,
    actor: { type: 'scim_token', id: 'tok-1' },
    target: { type: 'account', id: 'acc-1' },
    data: { changed: ['active'], active: { from: true, to: false } },
    requestId: 'req-1',
    expiresAt: '2999-01-01T00:00:00.000Z',
  };
}

export function auditContract(open: Open): void {
  describe('audit', () => {
    const storage = useStorage(open);

    it('assigns a time-ordered id and a timestamp, and reads the event back', async () => {
      const [a] = await twoTenants(storage());
      const before = new Date().toISOString();
      const appended = await storage().audit.append(event(a.id, 'account.deactivated'));
      assert.match(appended.id, UUID_V7);
      assert.ok(appended.at >= before && appended.at <= new Date().toISOString());
      assert.deepEqual(await storage().audit.list(a.id, null, 10), [appended]);
      const system = await storage().audit.append({
        ...event(null, 'client.created'),
        target: null,
        actor: { type: 'operator', id: null },
        requestId: null,
      });
      assert.deepEqual(await storage().audit.list(null, null, 10), [system]);
    });

    it("pages a tenant's events oldest first, after an exclusive cursor, never another tenant's", async () => {
      const [a, b] = await twoTenants(storage());
      const mine = [];
      for (let i = 0; i < 5; i += 1) {
        mine.push(await storage().audit.append(event(a.id, `t.e${i}`)));
        await storage().audit.append(event(b.id, `other.e${i}`));
      }
      await storage().audit.append(event(null, 'operator.e'));
      assert.deepEqual(ids(await storage().audit.list(a.id, null, 2)), ids(mine.slice(0, 2)));
      assert.deepEqual(ids(await storage().audit.list(a.id, mine[1].seq, 2)), ids(mine.slice(2, 4)));
      assert.deepEqual(ids(await storage().audit.list(a.id, mine[3].seq, 10)), ids(mine.slice(4)));
      assert.deepEqual(await storage().audit.list(a.id, mine[4].seq, 10), []);
      assert.deepEqual(
        (await storage().audit.list(b.id, null, 10)).map((e) => e.type),
        ['other.e0', 'other.e1', 'other.e2', 'other.e3', 'other.e4'],
      );
      assert.deepEqual(
        (await storage().audit.list(null, null, 10)).map((e) => e.type),
        ['operator.e'],
      );
    });
  });
}
