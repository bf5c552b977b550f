import assert from 'node:assert/strict';
import { newId } from '../../../src/platform/ids.ts';
import type { TenantId, WebhookDelivery, WebhookEndpoint } from '../../../src/storage/ports.ts';
import type { Open } from './helpers.ts';
import { twoTenants, useStorage } from './helpers.ts';

export function makeEndpoint(tenantId: TenantId, overrides: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  return {
    tenantId,
    id: newId(),
    url: 'https://hooks.example.com/in',
    types: null,
    secret: 'v1.sealed',
    createdAt: new Date().toISOString(),
    cursor: 0,
    nextAttemptAt: null,
    leaseOwner: null,
    leaseUntil: null,
    ...overrides,
  };
}

function delivery(
  e: WebhookEndpoint,
  seq: number,
  overrides: Partial<WebhookDelivery> = {},
): WebhookDelivery {
  return {
    tenantId: e.tenantId,
    id: newId(),
    endpointId: e.id,
    eventId: `event-${seq}`,
    eventSeq: seq,
    eventType: 'account.created',
    status: 'pending',
    attempts: 1,
    firstAttemptAt: '2026-01-01T00:00:00.000Z',
    lastAttemptAt: '2026-01-01T00:00:00.000Z',
    nextAttemptAt: '2026-01-01T00:00:10.000Z',
    lastStatusCode: 500,
    lastError: 'HTTP 500',
    ...overrides,
  };
}

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:01:00.000Z';
const T2 = '2026-01-01T00:02:00.000Z';

export function webhooksContract(open: Open): void {
  describe('webhooks', () => {
    const storage = useStorage(open);

    it("keeps endpoints per tenant, never showing another tenant's", async () => {
      const [a, b] = await twoTenants(storage());
      const mine = makeEndpoint(a.id, { types: ['account.created', 'team.created'] });
      await storage().webhooks.insert(mine);
      await storage().webhooks.insert(makeEndpoint(b.id));
      assert.deepEqual(await storage().webhooks.get(a.id, mine.id), mine);
      assert.equal(await storage().webhooks.get(b.id, mine.id), undefined);
      assert.deepEqual(await storage().webhooks.list(a.id), [mine]);
      assert.equal(await storage().webhooks.remove(b.id, mine.id), false);
      assert.equal(await storage().webhooks.remove(a.id, mine.id), true);
      assert.deepEqual(await storage().webhooks.list(a.id), []);
    });

    it('replaces a sealed secret only while it is the one expected, in its tenant only', async () => {
      const [a, b] = await twoTenants(storage());
      const endpoint = makeEndpoint(a.id, { secret: 'v1.old.x.y', cursor: 3 });
      await storage().webhooks.insert(endpoint);
      assert.equal(
        await storage().webhooks.replaceSecret(b.id, endpoint.id, 'v1.old.x.y', 'v1.b.x.y'),
        false,
      );
      assert.equal(
        await storage().webhooks.replaceSecret(a.id, endpoint.id, 'v1.other.x.y', 'v1.c.x.y'),
        false,
      );
      assert.equal(
        await storage().webhooks.replaceSecret(a.id, endpoint.id, 'v1.old.x.y', 'v1.new.x.y'),
        true,
      );
      assert.deepEqual(await storage().webhooks.get(a.id, endpoint.id), {
        ...endpoint,
        secret: 'v1.new.x.y',
      });
      assert.equal(
        await storage().webhooks.replaceSecret(a.id, endpoint.id, 'v1.old.x.y', 'v1.d.x.y'),
        false,
      );
    });

    it('leases a due, free endpoint to one owner at a time, until the lease expires', async () => {
      const [a, b] = await twoTenants(storage());
      const due = makeEndpoint(a.id);
      const later = makeEndpoint(b.id, { nextAttemptAt: T2 });
      await storage().webhooks.insert(due);
      await storage().webhooks.insert(later);
      const [first, second] = await Promise.all([
        storage().webhooks.claim('one', T0, T1, 10),
        storage().webhooks.claim('two', T0, T1, 10),
      ]);
      const claimed = [...first, ...second];
      assert.equal(claimed.length, 1, 'exactly one of two racing owners');
      assert.equal(claimed[0]?.id, due.id);
      const owner = first.length === 1 ? 'one' : 'two';
      assert.equal(claimed[0]?.leaseOwner, owner);
      assert.deepEqual(await storage().webhooks.claim('three', T0, T1, 10), [], 'held');
      // Expired lease: another owner may take it; the first one can no longer release it.
      const taken = await storage().webhooks.claim('three', '2026-01-01T00:01:30.000Z', T2, 10);
      assert.deepEqual(
        taken.map((e) => e.id),
        [due.id],
      );
      assert.equal(
        await storage().webhooks.release(a.id, due.id, owner, { cursor: 9, nextAttemptAt: null }),
        false,
      );
      assert.equal(
        await storage().webhooks.release(a.id, due.id, 'three', { cursor: 4, nextAttemptAt: T2 }),
        true,
      );
      const stored = await storage().webhooks.get(a.id, due.id);
      assert.deepEqual(
        {
          cursor: stored?.cursor,
          next: stored?.nextAttemptAt,
          owner: stored?.leaseOwner,
          until: stored?.leaseUntil,
        },
        { cursor: 4, next: T2, owner: null, until: null },
      );
      // Both are due at T2.
      const both = await storage().webhooks.claim('four', T2, '2026-01-01T00:03:00.000Z', 1);
      assert.equal(both.length, 1, 'limit');
    });

    it('records deliveries per endpoint, newest event first, replaced by id', async () => {
      const [a, b] = await twoTenants(storage());
      const e = makeEndpoint(a.id);
      const other = makeEndpoint(b.id);
      await storage().webhooks.insert(e);
      await storage().webhooks.insert(other);
      const d1 = delivery(e, 1);
      const d2 = delivery(e, 2);
      await storage().webhooks.saveDelivery(d1);
      await storage().webhooks.saveDelivery(d2);
      await storage().webhooks.saveDelivery(delivery(other, 1));
      const done: WebhookDelivery = {
        ...d1,
        status: 'delivered',
        attempts: 2,
        nextAttemptAt: null,
        lastStatusCode: 204,
        lastError: null,
      };
      await storage().webhooks.saveDelivery(done);
      assert.deepEqual(await storage().webhooks.deliveries(a.id, e.id, null, 10), [d2, done]);
      assert.deepEqual(await storage().webhooks.deliveries(a.id, e.id, 2, 10), [done]);
      assert.deepEqual(await storage().webhooks.findDelivery(a.id, e.id, 'event-1'), done);
      assert.equal(await storage().webhooks.findDelivery(b.id, e.id, 'event-1'), undefined);
      // Deliveries go with their endpoint and with their tenant.
      await storage().webhooks.remove(a.id, e.id);
      assert.deepEqual(await storage().webhooks.deliveries(a.id, e.id, null, 10), []);
      await storage().tenants.remove(b.id);
      assert.deepEqual(await storage().webhooks.list(b.id), []);
      assert.deepEqual(await storage().webhooks.deliveries(b.id, other.id, null, 10), []);
    });
  });
}
