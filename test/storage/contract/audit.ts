import assert from 'node:assert/strict';
import type { AuditEventInput, TenantId } from '../../../src/storage/ports.ts';
import type { Open } from './helpers.ts';
import { ids, twoTenants, useStorage } from './helpers.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function event(
  tenantId: TenantId | null,
  type: string,
  expiresAt = '2999-01-01T00:00:00.000Z',
): AuditEventInput {
  return {
    tenantId,
    type,
    actor: { type: 'scim_token', id: 'tok-1' },
    target: { type: 'account', id: 'acc-1' },
    data: { changed: ['active'], active: { from: true, to: false } },
    requestId: 'req-1',
    expiresAt,
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

    it('numbers each scope 1, 2, 3… (head), and filters by type', async () => {
      const [a, b] = await twoTenants(storage());
      assert.equal(await storage().audit.head(a.id), 0);
      const first = await storage().audit.append(event(a.id, 'x.one'));
      await storage().audit.append(event(b.id, 'x.one'));
      const second = await storage().audit.append(event(a.id, 'x.two'));
      const third = await storage().audit.append(event(a.id, 'x.one'));
      const operator = await storage().audit.append(event(null, 'x.one'));
      assert.deepEqual([first.seq, second.seq, third.seq], [1, 2, 3]);
      assert.equal(operator.seq, 1, 'the operator scope has its own numbers');
      assert.equal(await storage().audit.head(a.id), 3);
      assert.equal(await storage().audit.head(b.id), 1);
      assert.deepEqual(ids(await storage().audit.list(a.id, null, 10, ['x.one'])), ids([first, third]));
      assert.deepEqual(
        ids(await storage().audit.list(a.id, 1, 10, ['x.one', 'x.two'])),
        ids([second, third]),
      );
      assert.deepEqual(await storage().audit.list(a.id, null, 10, []), []);
      assert.deepEqual(await storage().audit.list(a.id, null, 0), []);
    });

    it('numbers concurrent units of work in commit order, rolled-back ones leaving no trace', async () => {
      const [a] = await twoTenants(storage());
      const units = Array.from({ length: 12 }, (_, i) =>
        storage()
          .transaction(async (tx) => {
            await tx.audit.append(event(a.id, `c.${i}`));
            if (i % 4 === 3) throw new Error('rolled back');
          })
          .catch(() => undefined),
      );
      await Promise.all(units);
      const stored = await storage().audit.list(a.id, null, 100);
      assert.equal(stored.length, 9);
      assert.deepEqual(
        stored.map((e) => e.seq),
        [1, 2, 3, 4, 5, 6, 7, 8, 9],
        'no gaps, no repeats',
      );
      assert.equal(await storage().audit.head(a.id), 9);
    });

    it('expires events past their expiry, a slice at a time, and never reuses their numbers', async () => {
      const [a] = await twoTenants(storage());
      for (let i = 0; i < 3; i += 1)
        await storage().audit.append(event(a.id, 'old', '2000-01-01T00:00:00.000Z'));
      const kept = await storage().audit.append(event(a.id, 'new'));
      const now = new Date().toISOString();
      assert.equal(await storage().audit.expire(now, 2), 2);
      assert.equal(await storage().audit.expire(now, 10), 1);
      assert.equal(await storage().audit.expire(now, 10), 0);
      assert.deepEqual(ids(await storage().audit.list(a.id, null, 10)), ids([kept]));
      assert.equal((await storage().audit.append(event(a.id, 'next'))).seq, 5);
    });

    it('keeps numbering after retention has removed every event of a scope (head included)', async () => {
      const [a, b] = await twoTenants(storage());
      for (let i = 0; i < 3; i += 1) {
        await storage().audit.append(event(a.id, 'old', '2000-01-01T00:00:00.000Z'));
        await storage().audit.append(event(null, 'old', '2000-01-01T00:00:00.000Z'));
      }
      await storage().audit.append(event(b.id, 'new'));
      const now = new Date().toISOString();
      // Two slices, the first leaving one event of each scope behind.
      assert.equal(await storage().audit.expire(now, 4), 4);
      assert.equal(await storage().audit.expire(now, 10), 2);
      assert.deepEqual(await storage().audit.list(a.id, null, 10), []);
      assert.equal(await storage().audit.head(a.id), 3, 'the head stays where the stream was');
      assert.equal(await storage().audit.head(null), 3);
      assert.equal((await storage().audit.append(event(a.id, 'next'))).seq, 4);
      assert.equal((await storage().audit.append(event(null, 'next'))).seq, 4);
      assert.equal((await storage().audit.append(event(b.id, 'next'))).seq, 2, 'other scopes untouched');
    });
  });
}
