import assert from 'node:assert/strict';
import request from 'supertest';
import { startTestApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { sha256Hex } from '../../src/platform/secrets.ts';

interface ErrorBody {
  error: { code: string; message: string; requestId: string };
}

describe('admin API: tenants and tokens', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  const post = (path: string, auth: string | null, body: unknown) => {
    const r = request(t.app).post(path);
    if (auth) r.set('Authorization', auth);
    return r.send(body as object);
  };

  it('creates a tenant once; the same slug again is 409', async () => {
    const created = await post('/admin/tenants', t.operator, {
      slug: 'acme',
      name: 'Acme',
      domains: ['Acme.com'],
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.slug, 'acme');
    assert.deepEqual(created.body.domains, ['acme.com']);
    assert.equal(created.body.status, 'active');
    assert.equal(created.headers.location, '/admin/tenants/acme');

    const again = await post('/admin/tenants', t.operator, { slug: 'acme', name: 'Other' });
    assert.equal(again.status, 409);
    assert.equal((again.body as ErrorBody).error.code, 'conflict');

    const list = await request(t.app).get('/admin/tenants').set('Authorization', t.operator);
    assert.deepEqual(
      list.body.data.map((x: { slug: string }) => x.slug),
      ['acme'],
    );
  });

  it('refuses a domain another tenant has claimed', async () => {
    assert.equal(
      (await post('/admin/tenants', t.operator, { slug: 'acme', name: 'A', domains: ['acme.com'] })).status,
      201,
    );
    const clash = await post('/admin/tenants', t.operator, {
      slug: 'evil',
      name: 'E',
      domains: ['ACME.com'],
    });
    assert.equal(clash.status, 409);
    assert.match((clash.body as ErrorBody).error.message, /domain/);
    const missing = await request(t.app).get('/admin/tenants/evil').set('Authorization', t.operator);
    assert.equal(missing.status, 404, 'nothing half-created');
  });

  it('validates slugs and fields with a message naming the field', async () => {
    for (const slug of ['A', 'a', '-ab', 'ab-', 'has space', 'x'.repeat(64), 'admin']) {
      const r = await post('/admin/tenants', t.operator, { slug, name: 'X' });
      assert.equal(r.status, 400, slug);
      assert.match((r.body as ErrorBody).error.message, /^slug: /);
    }
    const noName = await post('/admin/tenants', t.operator, { slug: 'ok' });
    assert.equal(noName.status, 400);
    assert.match((noName.body as ErrorBody).error.message, /^name: /);
    const extra = await post('/admin/tenants', t.operator, { slug: 'ok', name: 'X', owner: 'me' });
    assert.equal(extra.status, 400);
    const badSetting = await post('/admin/tenants', t.operator, {
      slug: 'ok',
      name: 'X',
      settings: { jitt: true },
    });
    assert.equal(badSetting.status, 400);
    assert.equal(
      (await post('/admin/tenants', t.operator, { slug: 'ab', name: 'X', settings: { jit: true } })).status,
      201,
      'two characters is enough',
    );
  });

  it('requires the operator key (401) and a JSON body (415)', async () => {
    const none = await post('/admin/tenants', null, { slug: 'acme', name: 'Acme' });
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    assert.equal((none.body as ErrorBody).error.code, 'unauthorized');
    const wrong = await post('/admin/tenants', 'Bearer not-the-key-not-the-key-not-the-key', {
      slug: 'acme',
      name: 'Acme',
    });
    assert.equal(wrong.status, 401);
    const form = await request(t.app)
      .post('/admin/tenants')
      .set('Authorization', t.operator)
      .type('form')
      .send('slug=acme&name=Acme');
    assert.equal(form.status, 415);
  });

  it('mints a SCIM token shown once and stores only its hash', async () => {
    await t.tenant('acme');
    const minted = await post('/admin/tenants/acme/scim-tokens', t.operator, { label: 'okta' });
    assert.equal(minted.status, 201);
    const token = minted.body.token as string;
    assert.match(token, /^tgs_[A-Za-z0-9_-]{43}$/);
    assert.equal(minted.headers['cache-control'], 'no-store');

    const stored = await t.container.storage.tokens.findByHash(sha256Hex(token));
    assert.equal(stored?.id, minted.body.id);
    assert.equal(JSON.stringify(stored).includes(token), false, 'the token itself is not stored');

    const list = await request(t.app).get('/admin/tenants/acme/scim-tokens').set('Authorization', t.operator);
    assert.equal(list.status, 200);
    assert.equal(list.body.data.length, 2);
    assert.equal(JSON.stringify(list.body).includes('tgs_'), false, 'listing never shows tokens');
    assert.equal(JSON.stringify(list.body).includes(sha256Hex(token)), false, 'nor hashes');

    const revoked = await request(t.app)
      .delete(`/admin/tenants/acme/scim-tokens/${minted.body.id as string}`)
      .set('Authorization', t.operator);
    assert.equal(revoked.status, 204);
    assert.equal(await t.container.storage.tokens.findByHash(sha256Hex(token)), undefined);
    const again = await request(t.app)
      .delete(`/admin/tenants/acme/scim-tokens/${minted.body.id as string}`)
      .set('Authorization', t.operator);
    assert.equal(again.status, 404);
  });

  it('revocation and suspension take effect on the very next request', async () => {
    const { scimToken } = await t.tenant('acme');
    const scim = () => request(t.app).get('/scim/v2/acme/Users').set('Authorization', `Bearer ${scimToken}`);
    assert.equal((await scim()).status, 200);
    const other = await post('/admin/tenants/acme/scim-tokens', t.operator, {});
    const otherScim = () =>
      request(t.app)
        .get('/scim/v2/acme/Users')
        .set('Authorization', `Bearer ${other.body.token as string}`);
    assert.equal((await otherScim()).status, 200);

    const list = await request(t.app).get('/admin/tenants/acme/scim-tokens').set('Authorization', t.operator);
    const first = (list.body.data as { id: string }[])[0].id;
    await request(t.app)
      .delete(`/admin/tenants/acme/scim-tokens/${first}`)
      .set('Authorization', t.operator)
      .expect(204);
    assert.equal((await scim()).status, 401, 'revoked: refused at once, not after a cache expiry');
    assert.equal((await otherScim()).status, 200);

    await request(t.app)
      .patch('/admin/tenants/acme')
      .set('Authorization', t.operator)
      .send({ status: 'disabled' })
      .expect(200);
    assert.equal((await otherScim()).status, 403, 'suspended: refused at once');
    await request(t.app)
      .patch('/admin/tenants/acme')
      .set('Authorization', t.operator)
      .send({ status: 'active' })
      .expect(200);
    assert.equal((await otherScim()).status, 200);
  });

  it('a tenant-admin token manages only its own tenant', async () => {
    await t.tenant('acme');
    await t.tenant('globex');
    const minted = await post('/admin/tenants/acme/admin-tokens', t.operator, {});
    assert.equal(minted.status, 201);
    const admin = `Bearer ${minted.body.token as string}`;

    assert.equal((await request(t.app).get('/admin/tenants/acme').set('Authorization', admin)).status, 200);
    const list = await request(t.app).get('/admin/tenants').set('Authorization', admin);
    assert.deepEqual(
      list.body.data.map((x: { slug: string }) => x.slug),
      ['acme'],
    );
    const other = await request(t.app).get('/admin/tenants/globex').set('Authorization', admin);
    assert.equal(other.status, 403);
    assert.equal((other.body as ErrorBody).error.code, 'forbidden');
    assert.equal((await post('/admin/tenants/globex/scim-tokens', admin, {})).status, 403);
    assert.equal((await post('/admin/tenants', admin, { slug: 'new', name: 'New' })).status, 403);
    assert.equal(
      (await request(t.app).delete('/admin/tenants/acme').set('Authorization', admin)).status,
      403,
    );
    const suspend = await request(t.app)
      .patch('/admin/tenants/acme')
      .set('Authorization', admin)
      .send({ status: 'disabled' });
    assert.equal(suspend.status, 403, 'suspension is the operator’s call');
    const rename = await request(t.app)
      .patch('/admin/tenants/acme')
      .set('Authorization', admin)
      .send({ name: 'Acme Inc' });
    assert.equal(rename.status, 200);
    assert.equal(rename.body.name, 'Acme Inc');
    assert.equal(rename.body.version, 2);

    const scimToken = await post('/admin/tenants/acme/scim-tokens', admin, {});
    assert.equal(scimToken.status, 201);
    // A SCIM token is not an admin token.
    assert.equal(
      (
        await request(t.app)
          .get('/admin/tenants/acme')
          .set('Authorization', `Bearer ${scimToken.body.token as string}`)
      ).status,
      401,
    );
  });

  it('updates, disables and deletes a tenant with an audit trail', async () => {
    await t.tenant('acme');
    const patched = await request(t.app)
      .patch('/admin/tenants/acme')
      .set('Authorization', t.operator)
      .send({ domains: ['acme.com'], status: 'disabled', settings: { jit: true } });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.status, 'disabled');
    assert.deepEqual(patched.body.settings, { jit: true });

    const audit = await request(t.app)
      .get('/admin/tenants/acme/audit?limit=10')
      .set('Authorization', t.operator);
    assert.equal(audit.status, 200);
    const types = audit.body.data.map((e: { type: string }) => e.type);
    assert.deepEqual(types, ['tenant.created', 'token.created', 'tenant.updated']);
    const updated = audit.body.data[2];
    assert.deepEqual(updated.actor, { type: 'operator', id: null });
    assert.equal(typeof updated.requestId, 'string');
    assert.deepEqual(updated.data.changed, ['domains', 'status', 'settings']);

    const page1 = await request(t.app)
      .get('/admin/tenants/acme/audit?limit=2')
      .set('Authorization', t.operator);
    assert.equal(page1.body.data.length, 2);
    const page2 = await request(t.app)
      .get(`/admin/tenants/acme/audit?limit=2&after=${page1.body.nextCursor as string}`)
      .set('Authorization', t.operator);
    assert.deepEqual(
      page2.body.data.map((e: { type: string }) => e.type),
      ['tenant.updated'],
    );
    assert.equal(page2.body.nextCursor, null);

    assert.equal(
      (await request(t.app).delete('/admin/tenants/acme').set('Authorization', t.operator)).status,
      204,
    );
    assert.equal(
      (await request(t.app).get('/admin/tenants/acme').set('Authorization', t.operator)).status,
      404,
    );
    // The audit trail outlives the tenant it describes, ending with its deletion.
    const left = await t.container.storage.audit.list(updated.tenantId, null, 100);
    assert.deepEqual(
      left.map((e) => e.type),
      ['tenant.created', 'token.created', 'tenant.updated', 'tenant.deleted'],
    );
  });

  it('rejects a bad version of an update only through the store (optimistic)', async () => {
    await t.tenant('acme');
    const tenant = await t.container.storage.tenants.getBySlug('acme');
    assert.ok(tenant);
    await t.container.storage.tenants.update({ ...tenant, name: 'First' }, tenant.version);
    await assert.rejects(
      t.container.storage.tenants.update({ ...tenant, name: 'Stale' }, tenant.version),
      /changed/,
    );
    assert.equal((await t.container.storage.tenants.getBySlug('acme'))?.name, 'First');
  });
});
