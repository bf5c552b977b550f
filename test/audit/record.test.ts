import assert from 'node:assert/strict';
import type { AuditContext } from '../../src/audit/events.ts';
import { createAuditRecorder } from '../../src/audit/record.ts';
import type { TenantId } from '../../src/storage/ports.ts';
import { makeAccount, makeTenant } from '../storage/contract/helpers.ts';
import { createFakeStorage } from '../support/fake-storage.ts';
import type { FakeStorage } from '../support/fake-storage.ts';

const CONTEXT: AuditContext = { requestId: 'req-1', actor: { type: 'scim_token', id: 'tok-1' } };
const ALL = { filter: { kind: 'all' }, offset: 0, limit: 100 } as const;

describe('audit recorder (unit of work)', () => {
  let storage: FakeStorage;
  let tenantId: TenantId;
  beforeEach(async () => {
    storage = createFakeStorage();
    const tenant = makeTenant();
    await storage.tenants.insert(tenant);
    tenantId = tenant.id;
  });

  const deleted = (id: string) =>
    ({ type: 'account.deleted', tenantId, target: { type: 'account', id }, data: {} }) as const;

  it('appends the events only when the unit commits, in the order recorded, under the context', async () => {
    const audit = createAuditRecorder(storage);
    const account = makeAccount(tenantId);
    const result = await audit.change(CONTEXT, async (tx, record) => {
      await tx.accounts.insert(account);
      record({
        type: 'account.created',
        tenantId,
        target: { type: 'account', id: account.id },
        data: { via: 'scim', userName: account.userName, attributes: ['userName'] },
      });
      record({ type: 'token.revoked', tenantId, target: null, data: {} });
      // Recorded, not yet written: the events land with the commit, after the unit's writes.
      assert.deepEqual(await tx.audit.list(tenantId, null, 10), []);
      return 'done';
    });
    assert.equal(result, 'done');
    const events = await storage.audit.list(tenantId, null, 10);
    assert.deepEqual(
      events.map((e) => e.type),
      ['account.created', 'token.revoked'],
    );
    for (const event of events) {
      assert.deepEqual(event.actor, CONTEXT.actor);
      assert.equal(event.requestId, 'req-1');
      assert.equal(event.tenantId, tenantId);
    }
    assert.deepEqual(events[0]?.target, { type: 'account', id: account.id });
    assert.deepEqual(events[0]?.data, { via: 'scim', userName: account.userName, attributes: ['userName'] });
    assert.equal(storage.commits, 1);
  });

  it('records the system as the actor when the context has none', async () => {
    const audit = createAuditRecorder(storage);
    await audit.change({ requestId: null, actor: null }, async (_tx, record) => record(deleted('x')));
    const [event] = await storage.audit.list(tenantId, null, 10);
    assert.deepEqual(event?.actor, { type: 'system', id: null });
    assert.equal(event?.requestId, null);
  });

  it('leaves neither the writes nor the events of a unit that throws', async () => {
    const audit = createAuditRecorder(storage);
    const boom = new Error('boom');
    await assert.rejects(
      audit.change(CONTEXT, async (tx, record) => {
        await tx.accounts.insert(makeAccount(tenantId));
        record(deleted('a'));
        throw boom;
      }),
      (err) => err === boom,
    );
    assert.equal((await storage.accounts.list(tenantId, ALL)).total, 0);
    assert.deepEqual(await storage.audit.list(tenantId, null, 10), []);
    assert.deepEqual([storage.commits, storage.rollbacks], [0, 1]);
  });

  it('does not double the events of a unit the store runs twice (a MongoDB retry)', async () => {
    const audit = createAuditRecorder(storage);
    storage.retryNext(1);
    let attempts = 0;
    await audit.change(CONTEXT, async (tx, record) => {
      attempts += 1;
      await tx.accounts.insert(makeAccount(tenantId, { userName: 'once' }));
      record(deleted('a'));
      record(deleted('b'));
    });
    assert.equal(attempts, 2);
    assert.deepEqual(
      (await storage.audit.list(tenantId, null, 10)).map((e) => e.target?.id),
      ['a', 'b'],
    );
    assert.equal((await storage.accounts.list(tenantId, ALL)).total, 1);
  });

  it('writes a standalone event (a sign-in, a refusal) straight away, outside any change', async () => {
    const audit = createAuditRecorder(storage);
    await audit.event(CONTEXT, deleted('a'));
    assert.deepEqual(
      (await storage.audit.list(tenantId, null, 10)).map((e) => [e.type, e.requestId]),
      [['account.deleted', 'req-1']],
    );
  });
});
