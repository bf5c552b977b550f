import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import request from 'supertest';
import { opensslKeyPair, samlIdp } from '../../signin/support.ts';
import { startTestApp } from '../../support/app.ts';
import type { TestApp } from '../../support/app.ts';

describe('admin: SAML connections and product apps', function () {
  this.timeout(30000);
  let t: TestApp;
  let metadata: string;
  before(async () => {
    t = await startTestApp();
    await t.tenant('acme', { domains: ['acme.com'] });
    await t.tenant('beta');
    metadata = samlIdp(opensslKeyPair()).getMetadata();
  });
  after(async () => t.close());

  const put = (slug = 'acme', auth = t.operator) =>
    request(t.app).put(`/admin/tenants/${slug}/saml`).set('Authorization', auth);

  it('takes XML metadata and shows the parsed IdP and our SP values', async () => {
    const res = await put().type('application/samlmetadata+xml').send(metadata);
    assert.equal(res.status, 200, res.text);
    const view = (
      await request(t.app).get('/admin/tenants/acme/saml').set('Authorization', t.operator).expect(200)
    ).body;
    assert.equal(view.idp.entityId, 'https://idp.test/metadata');
    assert.equal(view.idp.ssoUrl, 'https://idp.test/sso');
    assert.equal(view.idp.certificates.length, 1);
    assert.match(view.idp.certificates[0].subject, /CN=test-idp/);
    assert.ok(Date.parse(view.idp.certificates[0].notAfter) > Date.now());
    assert.equal(view.sp.acsUrl, 'http://127.0.0.1:3000/sso/acme/saml/acs');
    assert.equal(view.sp.entityId, 'http://127.0.0.1:3000/sso/acme/saml/metadata');
    assert.equal(JSON.stringify(view).includes('PRIVATE KEY'), false);
  });

  it('keeps the SP private key encrypted at rest', async () => {
    const tenant = await t.container.storage.tenants.getBySlug('acme');
    const stored = JSON.stringify(tenant?.connections);
    assert.equal(stored.includes('PRIVATE KEY'), false);
    assert.match(stored, /"privateKeySealed":"v1\./);
  });

  it('serves our SP metadata with the ACS URL and our certificate', async () => {
    const res = await request(t.app).get('/sso/acme/saml/metadata').expect(200);
    assert.match(res.headers['content-type'] ?? '', /samlmetadata\+xml/);
    assert.ok(res.text.includes('Location="http://127.0.0.1:3000/sso/acme/saml/acs"'));
    assert.ok(res.text.includes('X509Certificate'));
  });

  it('starts an SP-initiated login with an HTTP-Redirect AuthnRequest and an opaque RelayState', async () => {
    const res = await request(t.app).get('/sso/acme/saml/login').expect(303);
    const url = new URL(res.headers.location ?? '');
    assert.equal(`${url.origin}${url.pathname}`, 'https://idp.test/sso');
    assert.ok(url.searchParams.get('SAMLRequest'));
    assert.match(url.searchParams.get('RelayState') ?? '', /^[A-Za-z0-9_-]{32}$/);
    await request(t.app).get('/sso/nope/saml/login').expect(404);
  });

  it('takes every signing certificate (rollover)', async () => {
    const second = opensslKeyPair('next-idp').cert.replace(/-----[^-]+-----|\s/g, '');
    const two = metadata.replace(
      '</KeyDescriptor>',
      `</KeyDescriptor><KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${second}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>`,
    );
    const res = await put().send({ metadataXml: two });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.idp.certificates.length, 2);
  });

  it('names what is missing: a signing certificate, an SSO URL', async () => {
    const noCert = metadata.replace(/<KeyDescriptor[\s\S]*?<\/KeyDescriptor>/g, '');
    const res1 = await put().send({ metadataXml: noCert }).expect(400);
    assert.match(res1.body.error.message, /signing certificate/);
    const noSso = metadata.replace(/<SingleSignOnService[^>]*?(\/>|>\s*<\/SingleSignOnService>)/g, '');
    const res2 = await put().send({ metadataXml: noSso }).expect(400);
    assert.match(res2.body.error.message, /SingleSignOnService/);
    await put().type('application/xml').send('<not-closed').expect(400);
    await put().type('application/xml').send('<a><b></a>').expect(400);
    await put().type('application/xml').send('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>').expect(400);
    await put().type('text/plain').send('x').expect(415);
  });

  it('fetches metadata from a URL (insecure IdPs allowed in tests)', async () => {
    const server: Server = createServer((_req, res) => res.end(metadata));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const res = await put('beta').send({ metadataUrl: `http://127.0.0.1:${port}/metadata` });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.source, { kind: 'url', url: `http://127.0.0.1:${port}/metadata` });
    } finally {
      server.close();
    }
  });

  it('is refused to a tenant-admin token of another tenant', async () => {
    const token = (
      await request(t.app).post('/admin/tenants/beta/admin-tokens').set('Authorization', t.operator).send({})
    ).body.token as string;
    await put('acme', `Bearer ${token}`).send({ metadataXml: metadata }).expect(403);
    await request(t.app).get('/admin/tenants/beta/saml').set('Authorization', `Bearer ${token}`).expect(200);
    await request(t.app)
      .post('/admin/clients')
      .set('Authorization', `Bearer ${token}`)
      .send({ name: 'x', redirectUris: ['https://x.example/cb'] })
      .expect(403);
  });

  it('deletes a connection', async () => {
    await request(t.app).delete('/admin/tenants/beta/saml').set('Authorization', t.operator).expect(204);
    await request(t.app).get('/admin/tenants/beta/saml').set('Authorization', t.operator).expect(404);
  });

  it('registers a product app: the secret is shown once and stored encrypted', async () => {
    const res = await request(t.app)
      .post('/admin/clients')
      .set('Authorization', t.operator)
      .send({ name: 'App', redirectUris: ['https://app.example/cb'] });
    assert.equal(res.status, 201, res.text);
    assert.equal(typeof res.body.clientSecret, 'string');
    const stored = await t.container.storage.clients.get(res.body.clientId);
    assert.notEqual(stored?.metadata.client_secret, res.body.clientSecret);
    assert.match(JSON.stringify(stored?.metadata.client_secret), /^"v1\./);
    const listed = await request(t.app).get('/admin/clients').set('Authorization', t.operator).expect(200);
    assert.equal(JSON.stringify(listed.body).includes(res.body.clientSecret), false);
    await request(t.app)
      .post('/admin/clients')
      .set('Authorization', t.operator)
      .send({ name: 'Bad', redirectUris: ['http://app.example/cb'] })
      .expect(400);
    // Not a URL at all: a 400 naming the field, not a TypeError (found by schemathesis).
    for (const uri of ['_É', '', 'not a url'])
      await request(t.app)
        .post('/admin/clients')
        .set('Authorization', t.operator)
        .send({ name: 'Bad', redirectUris: [uri] })
        .expect(400, /redirectUris\.0/);
    const pub = await request(t.app)
      .post('/admin/clients')
      .set('Authorization', t.operator)
      .send({ name: 'SPA', redirectUris: ['https://spa.example/cb'], public: true })
      .expect(201);
    assert.equal(pub.body.clientSecret, null);
  });
});

describe('admin: metadata URL SSRF guard (TRUSTGATE_ALLOW_INSECURE_IDP off)', function () {
  this.timeout(30000);
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ allowInsecureIdp: false });
    await t.tenant('acme');
  });
  after(async () => t.close());

  for (const url of [
    'https://127.0.0.1/metadata',
    'https://localhost/metadata',
    'https://[::1]/metadata',
    'https://169.254.169.254/latest',
    'https://10.1.2.3/m',
    'http://idp.example/metadata',
  ]) {
    it(`refuses ${url}`, async () => {
      const res = await request(t.app)
        .put('/admin/tenants/acme/saml')
        .set('Authorization', t.operator)
        .send({ metadataUrl: url });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error.code, 'metadata_url_refused');
    });
  }
});
