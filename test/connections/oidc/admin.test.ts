import assert from 'node:assert/strict';
import request from 'supertest';
import { startTestApp } from '../../support/app.ts';
import type { TestApp } from '../../support/app.ts';
import { clientSecretContext } from '../../../src/connections/oidc/connection.ts';
import { startForgingIdp } from './idp.ts';
import type { ForgingIdp } from './idp.ts';

describe('admin: /admin/tenants/{slug}/oidc', function () {
  this.timeout(20000);
  let t: TestApp;
  let idp: ForgingIdp;
  before(async () => {
    t = await startTestApp();
    idp = await startForgingIdp({ sub: 'x', email: 'x@acme.com' });
    await t.tenant('acme', { domains: ['acme.com'] });
    await t.tenant('other');
  });
  afterEach(() => idp.claimIssuer(undefined));
  after(async () => {
    await idp.close();
    await t.close();
  });
  const put = (body: unknown, slug = 'acme', auth = t.operator) =>
    request(t.app)
      .put(`/admin/tenants/${slug}/oidc`)
      .set('Authorization', auth)
      .send(body as object);

  it('runs discovery, seals the secret, never returns it, and audits each change', async () => {
    const secret = 'the-client-secret-0123456789';
    const saved = await put({
      issuer: idp.issuer,
      clientId: 'trustgate',
      clientSecret: secret,
      scopes: ['email'],
      allowedEmailDomains: ['ACME.com'],
      claimMapping: { email: 'upn' },
    });
    assert.equal(saved.status, 200, saved.text);
    assert.equal(saved.body.issuer, idp.issuer);
    assert.deepEqual(saved.body.scopes, ['openid', 'email']);
    assert.deepEqual(saved.body.allowedEmailDomains, ['acme.com']);
    assert.equal(saved.body.endpoints.token, `${idp.issuer}/token`);
    assert.equal(saved.body.rp.redirectUri, 'http://127.0.0.1:3000/sso/acme/oidc/callback');
    const got = await request(t.app).get('/admin/tenants/acme/oidc').set('Authorization', t.operator);
    assert.equal(got.status, 200);
    for (const body of [saved.text, got.text])
      assert.ok(!body.includes(secret), 'the secret is never returned');
    const tenant = await t.container.storage.tenants.getBySlug('acme');
    const stored = tenant!.connections.oidc as { clientSecretSealed: string };
    assert.ok(!JSON.stringify(tenant).includes(secret), 'stored sealed');
    assert.equal(
      t.container.secrets.decrypt(stored.clientSecretSealed, clientSecretContext(tenant!)),
      secret,
    );
    const removed = await request(t.app).delete('/admin/tenants/acme/oidc').set('Authorization', t.operator);
    assert.equal(removed.status, 204);
    const gone = await request(t.app).get('/admin/tenants/acme/oidc').set('Authorization', t.operator);
    assert.equal(gone.status, 404);
    const events = await t.container.storage.audit.list(tenant!.id, null, 100);
    const kinds = events
      .filter((e) => e.type.startsWith('connection.'))
      .map((e) => `${e.type}:${e.data.kind as string}`);
    assert.deepEqual(kinds, ['connection.updated:oidc', 'connection.removed:oidc']);
    assert.ok(!JSON.stringify(events).includes(secret));
  });

  it('answers 400 when the discovery document names another issuer', async () => {
    idp.claimIssuer('https://impostor.example');
    const res = await put({ issuer: idp.issuer, clientId: 'c', clientSecret: 's' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'oidc_discovery_failed');
    assert.match(res.body.error.message, /another issuer/);
  });

  it('answers 400 when discovery fails, and keeps what was stored', async () => {
    await put({ issuer: idp.issuer, clientId: 'keep', clientSecret: 's' }).expect(200);
    const res = await put({ issuer: 'http://127.0.0.1:9/nothing', clientId: 'c', clientSecret: 's' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'oidc_discovery_failed');
    const got = await request(t.app).get('/admin/tenants/acme/oidc').set('Authorization', t.operator);
    assert.equal(got.body.clientId, 'keep');
  });

  it('refuses bad input with a clear 400', async () => {
    for (const body of [
      {},
      { issuer: idp.issuer, clientId: 'c' },
      { issuer: idp.issuer, clientId: 'c', clientSecret: 's', extra: 1 },
      { issuer: idp.issuer, clientId: 'c', clientSecret: 's', scopes: ['a b'] },
      { issuer: 'not a url', clientId: 'c', clientSecret: 's' },
      { issuer: 'https://login.microsoftonline.com/common/v2.0', clientId: 'c', clientSecret: 's' },
    ]) {
      const res = await put(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.ok(res.body.error.code, res.text);
    }
  });

  it('keeps another tenant’s admin out', async () => {
    const token = await request(t.app)
      .post('/admin/tenants/other/admin-tokens')
      .set('Authorization', t.operator)
      .send({});
    const res = await put(
      { issuer: idp.issuer, clientId: 'c', clientSecret: 's' },
      'acme',
      `Bearer ${String(token.body.token)}`,
    );
    assert.equal(res.status, 403);
  });

  it('refuses http and loopback issuers unless allowInsecureIdp is on', async () => {
    const strict = await startTestApp({ allowInsecureIdp: false });
    try {
      await strict.tenant('acme');
      for (const issuer of [
        idp.issuer,
        'https://127.0.0.1:8443',
        'https://[::1]/',
        'https://169.254.169.254',
      ]) {
        const res = await request(strict.app)
          .put('/admin/tenants/acme/oidc')
          .set('Authorization', strict.operator)
          .send({ issuer, clientId: 'c', clientSecret: 's' });
        assert.equal(res.status, 400, issuer);
        assert.equal(res.body.error.code, 'issuer_refused', `${issuer}: ${res.text}`);
      }
    } finally {
      await strict.close();
    }
  });
});
