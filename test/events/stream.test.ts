import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { scimClient, startTestApp, userBody } from '../scim/helpers.ts';
import type { Scim, TestApp } from '../scim/helpers.ts';
import type { TenantId } from '../../src/storage/ports.ts';

interface Page {
  data: { id: string; type: string; sequence: number; actor: unknown; data: Record<string, unknown> }[];
  nextCursor: string | null;
  hasMore?: boolean;
}

describe('events API: the outbox, read by cursor', () => {
  let app: TestApp;
  let scim: Scim;
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustgate-events-'));
    // A file store: commits are real group commits, as in production.
    app = await startTestApp({}, { storageFile: join(dir, 'events.db') });
    scim = await scimClient(app, 'stream');
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const events = (query: string, auth = app.operator) =>
    request(app.app).get(`/admin/tenants/stream/events${query}`).set('Authorization', auth);

  async function tenantId(): Promise<TenantId> {
    const tenant = await app.container.storage.tenants.getBySlug('stream');
    assert.ok(tenant);
    return tenant.id;
  }

  it('64 concurrent SCIM changes make 64 events, and a reader following the cursor meanwhile sees each once', async () => {
    const start = (await events('?limit=500')).body as Page;
    let cursor = start.nextCursor ?? '0';
    const seen: Page['data'] = [];
    let writing = true;
    const reader = (async () => {
      // Reads while the writes commit, then once more after the last one.
      for (let last = false; ;) {
        const page = (await events(`?after=${cursor}&limit=7&types=account.created`)).body as Page;
        seen.push(...page.data);
        assert.ok(page.nextCursor !== null);
        cursor = page.nextCursor;
        if (page.data.length === 0) {
          if (last) break;
          if (!writing) last = true;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    })();
    const names = Array.from({ length: 64 }, (_, i) => `burst${i}@stream.example`);
    const created = await Promise.all(names.map((n) => scim.post('/Users', userBody(n))));
    writing = false;
    await reader;
    assert.deepEqual(
      created.map((r) => r.status),
      names.map(() => 201),
    );

    const stored = await app.container.storage.audit.list(await tenantId(), null, 1000, ['account.created']);
    assert.equal(stored.length, 64);
    assert.equal(seen.length, 64, 'each event seen');
    assert.equal(new Set(seen.map((e) => e.id)).size, 64, 'none twice');
    assert.deepEqual(new Set(seen.map((e) => e.data['userName'])), new Set(names));
    const seqs = seen.map((e) => e.sequence);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      'in sequence order',
    );
  });

  it('a change that fails validation or rolls back leaves no event', async () => {
    const id = await tenantId();
    const before = await app.container.storage.audit.head(id);
    assert.equal((await scim.post('/Users', { schemas: ['nope'], userName: 'x' })).status, 400);
    assert.equal((await scim.post('/Users', userBody('burst1@stream.example'))).status, 409);
    assert.equal(
      (
        await scim.patch('/Groups/01900000-0000-7000-8000-000000000000', {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'add', path: 'members', value: [{ value: 'x' }] }],
        })
      ).status,
      404,
    );
    // A unit of work that records its event and then fails.
    await assert.rejects(
      app.container.audit.change({ requestId: null, actor: null }, async (_tx, record) => {
        record({
          type: 'tenant.updated',
          tenantId: id,
          target: { type: 'tenant', id },
          data: { changed: ['name'] },
        });
        throw new Error('rolled back');
      }),
      /rolled back/,
    );
    assert.equal(await app.container.storage.audit.head(id), before);
    assert.deepEqual((await events(`?after=${before}`)).body.data, []);
  });

  it('filters by type, pages with an opaque cursor, and keeps the cursor when nothing is new', async () => {
    const all = (await events('?limit=3')).body as Page;
    assert.equal(all.data.length, 3);
    assert.equal(all.hasMore, true);
    assert.deepEqual(
      all.data.map((e) => e.type),
      ['tenant.created', 'token.created', 'account.created'],
    );
    const next = (await events(`?after=${all.nextCursor ?? ''}&limit=1`)).body as Page;
    assert.equal(next.data[0]?.sequence, (all.data[2]?.sequence ?? 0) + 1);
    const tokens = (await events('?types=token.created,tenant.created')).body as Page;
    assert.deepEqual(
      tokens.data.map((e) => e.type),
      ['tenant.created', 'token.created'],
    );
    const end = (await events('?after=100000')).body as Page;
    assert.deepEqual(end, { data: [], nextCursor: '100000', hasMore: false });
  });

  it('answers bad parameters with 400 admin JSON', async () => {
    for (const query of [
      '?after=abc',
      '?after=-1',
      '?after=1.5',
      '?limit=0',
      '?limit=501',
      '?limit=x',
      '?types=no.such',
      '?types=',
      '?after=1&after=2',
    ]) {
      const res = await events(query);
      assert.equal(res.status, 400, query);
      assert.equal(res.body.error.code, 'invalid_request', query);
    }
  });

  it('is the tenant admin’s own stream only', async () => {
    await app.tenant('neighbour');
    const token = await request(app.app)
      .post('/admin/tenants/stream/admin-tokens')
      .set('Authorization', app.operator)
      .send({});
    const admin = `Bearer ${token.body.token as string}`;
    assert.equal((await events('?limit=1', admin)).status, 200);
    const other = await request(app.app).get('/admin/tenants/neighbour/events').set('Authorization', admin);
    assert.equal(other.status, 403);
    const neighbour = (
      await request(app.app).get('/admin/tenants/neighbour/events').set('Authorization', app.operator)
    ).body as Page;
    assert.ok(neighbour.data.every((e) => !JSON.stringify(e.data).includes('@stream.example')));
    assert.equal((await request(app.app).get('/admin/tenants/stream/events')).status, 401);
  });

  it('serves the audit trail as the stream filtered to changes, with the actor', async () => {
    const id = await tenantId();
    await app.container.audit.event(
      { requestId: null, actor: { type: 'user', id: null } },
      {
        type: 'sso.login_rejected',
        tenantId: id,
        target: null,
        data: { protocol: 'saml', code: 'x', reason: 'y', reference: 'z' },
      },
    );
    const stream = (await events('?types=sso.login_rejected')).body as Page;
    assert.equal(stream.data.length, 1);
    const audit = (
      await request(app.app).get('/admin/tenants/stream/audit?limit=500').set('Authorization', app.operator)
    ).body as Page;
    assert.ok(audit.data.length > 64);
    assert.ok(audit.data.every((e) => e.type !== 'sso.login_rejected'));
    const actor = audit.data[2]?.actor as { type: string; id: string };
    assert.equal(actor.type, 'scim_token');
    assert.match(actor.id, /^[0-9a-f-]{36}$/);
  });
});
