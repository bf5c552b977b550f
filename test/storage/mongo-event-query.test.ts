/**
 * The MongoDB queries of the event stream, webhooks and the SCIM log (mongo/event-queries.ts),
 * run with mingo over the documents the adapter would store, against what SQLite selects for the
 * same records (docs/decisions/0003-mongo-verified-with-mingo.md).
 */
import assert from 'node:assert/strict';
import { Query } from 'mingo';
import { newId } from '../../src/platform/ids.ts';
import type {
  AuditEvent,
  ScimLogError,
  Storage,
  TenantId,
  WebhookEndpoint,
} from '../../src/storage/ports.ts';
import { auditToDocument } from '../../src/storage/mongo/documents.ts';
import {
  deliveriesQuery,
  dueEndpointsQuery,
  eventsQuery,
  expiredQuery,
  scimLogQuery,
} from '../../src/storage/mongo/event-queries.ts';
import { deliveryToDocument, endpointToDocument } from '../../src/storage/mongo/webhooks.ts';
import { documentToScimLog, scimLogToDocument } from '../../src/storage/mongo/scim-log.ts';
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts';
import { makeTenant } from './contract/helpers.ts';
import { makeEndpoint } from './contract/webhooks.ts';

type Doc = Record<string, unknown>;

function run(query: Doc, docs: readonly Doc[], sort: Record<string, 1 | -1>, limit = 1000): Doc[] {
  return new Query(query, {})
    .find<Doc>([...docs])
    .sort(sort)
    .limit(limit)
    .all();
}

const ids = (docs: readonly Doc[]) => docs.map((d) => String(d['_id']));

describe('mongo event queries (mingo, against SQLite)', () => {
  let storage: Storage;
  let a: TenantId;
  let b: TenantId;
  const events: AuditEvent[] = [];
  const endpoints: WebhookEndpoint[] = [];

  before(async () => {
    storage = await createSqliteStorage(':memory:');
    const ta = makeTenant();
    const tb = makeTenant();
    await storage.tenants.insert(ta);
    await storage.tenants.insert(tb);
    a = ta.id;
    b = tb.id;
    const types = ['account.created', 'team.created', 'account.deleted'];
    for (let i = 0; i < 12; i += 1)
      for (const tenantId of [a, b, null])
        events.push(
          await storage.audit.append({
            tenantId,
            type: types[i % 3] ?? 'account.created',
            actor: { type: 'system', id: null },
            target: null,
            data: { i },
            requestId: null,
            expiresAt: i < 4 ? '2001-01-01T00:00:00.000Z' : '2999-01-01T00:00:00.000Z',
          }),
        );
    const at = (m: number) => `2026-01-01T00:${String(m).padStart(2, '0')}:00.000Z`;
    for (const [next, until] of [
      [null, null],
      [at(1), null],
      [at(9), null],
      [null, at(3)],
      [null, at(8)],
      [at(2), at(4)],
    ] as const)
      endpoints.push(makeEndpoint(a, { nextAttemptAt: next, leaseUntil: until, leaseOwner: until && 'x' }));
    for (const e of endpoints) await storage.webhooks.insert(e);
  });
  after(async () => {
    await storage.close();
  });

  const eventDocs = () => events.map(auditToDocument);

  it('events after a cursor, by type, in seq order, per scope', async () => {
    for (const tenantId of [a, b, null])
      for (const after of [null, 0, 3, 7, 12])
        for (const types of [undefined, ['team.created'], ['account.created', 'account.deleted']]) {
          const expected = await storage.audit.list(tenantId, after, 1000, types);
          const found = run(eventsQuery(tenantId, after, types), eventDocs(), { seq: 1 });
          assert.deepEqual(
            ids(found),
            expected.map((e) => e.id),
            `${tenantId} ${after} ${String(types)}`,
          );
        }
  });

  it('expired records by a Date expiry', () => {
    const now = new Date().toISOString();
    const found = run(expiredQuery(now), eventDocs(), { _id: 1 });
    assert.deepEqual(
      ids(found),
      events.filter((e) => e.expiresAt < now).map((e) => e.id),
    );
    assert.equal(found.length, 12);
  });

  it('due and free endpoints, as the SQLite claim takes them', async () => {
    for (const m of [0, 2, 5, 10]) {
      const now = `2026-01-01T00:${String(m).padStart(2, '0')}:30.000Z`;
      const expected = endpoints
        .filter(
          (e) =>
            (e.nextAttemptAt === null || e.nextAttemptAt <= now) &&
            (e.leaseUntil === null || e.leaseUntil < now),
        )
        .map((e) => e.id)
        .sort();
      const found = run(dueEndpointsQuery(now), endpoints.map(endpointToDocument), { _id: 1 });
      assert.deepEqual(ids(found), expected, now);
    }
    // SQLite's claim (last: it leases) takes the same set.
    const now = '2026-01-01T00:05:30.000Z';
    const expected = ids(run(dueEndpointsQuery(now), endpoints.map(endpointToDocument), { _id: 1 }));
    const claimed = await storage.webhooks.claim('me', now, '2026-01-01T01:00:00.000Z', 100);
    assert.deepEqual(claimed.map((e) => e.id).sort(), expected);
  });

  it("an endpoint's deliveries before a cursor, and a tenant's SCIM log before an id", () => {
    const e = endpoints[0];
    assert.ok(e);
    const deliveries = [1, 2, 3, 4].map((seq) =>
      deliveryToDocument({
        tenantId: seq === 4 ? b : a,
        id: newId(),
        endpointId: e.id,
        eventId: `ev${seq}`,
        eventSeq: seq,
        eventType: 'account.created',
        status: 'delivered',
        attempts: 1,
        firstAttemptAt: 'x',
        lastAttemptAt: 'x',
        nextAttemptAt: null,
        lastStatusCode: 200,
        lastError: null,
      }),
    );
    assert.deepEqual(
      run(deliveriesQuery(a, e.id, 3), deliveries, { eventSeq: -1 }).map((d) => d['eventSeq']),
      [2, 1],
    );
    assert.deepEqual(
      run(deliveriesQuery(a, e.id, null), deliveries, { eventSeq: -1 }).map((d) => d['eventSeq']),
      [3, 2, 1],
    );
    const log = [a, a, b, a].map((tenantId, i) =>
      scimLogToDocument({
        tenantId,
        id: newId(),
        at: 'x',
        method: 'GET',
        path: `/p${i}`,
        status: 200,
        durationMs: 1,
        tokenId: null,
        requestId: 'r',
        body: null,
        error: null,
        expiresAt: '2999-01-01T00:00:00.000Z',
      }),
    );
    const mine = log.filter((d) => d['tenantId'] === a).reverse();
    assert.deepEqual(ids(run(scimLogQuery(a, null), log, { _id: -1 })), ids(mine));
    assert.deepEqual(
      ids(run(scimLogQuery(a, String(mine[0]?.['_id'])), log, { _id: -1 })),
      ids(mine.slice(1)),
    );
  });

  it("a SCIM log entry's error as a document, and a document written before the field as no error", () => {
    const entry = documentToScimLog({
      _id: newId(),
      tenantId: 'a',
      at: 'x',
      method: 'POST',
      path: '/p',
      status: 400,
      durationMs: 1,
      tokenId: null,
      requestId: 'r',
      body: null,
      expiresAt: new Date('2999-01-01T00:00:00.000Z'),
    });
    assert.equal(entry.error, null);
    const errors: ScimLogError[] = [
      { scimType: 'invalidValue', detail: '"userName" is required' },
      { scimType: null, detail: 'no such User' },
    ];
    for (const error of errors) {
      const wider = { ...error, status: '400' };
      const doc = scimLogToDocument({ ...entry, error: wider });
      assert.deepEqual(doc['error'], error, 'exactly the two fields');
      assert.deepEqual(documentToScimLog(doc), { ...entry, error });
    }
  });
});
