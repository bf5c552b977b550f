import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import request from 'supertest';
import { APP_REDIRECT, insertAccount, pathOf, samlIdp, startHarness } from './support.ts';
import type { Harness } from './support.ts';
import { samlResponse } from '../connections/saml/saml-response.ts';
import { exchangeCode, followToApp, postAcs, startLogin } from './flow.ts';

describe('sign-in end to end: app → /oauth/authorize → SAML IdP (samlify) → ACS → code → token', function () {
  this.timeout(30000);
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h.close());

  it('serves discovery at the root with endpoints under /oauth', async () => {
    const res = await request(h.base).get('/.well-known/openid-configuration');
    assert.equal(res.status, 200);
    assert.equal(res.body.issuer, h.base);
    assert.equal(res.body.authorization_endpoint, `${h.base}/oauth/authorize`);
    assert.equal(res.body.jwks_uri, `${h.base}/oauth/jwks`);
    assert.ok(res.body.claims_supported.includes('tenant'));
  });

  it('requires PKCE S256 from public clients', async () => {
    const created = await request(h.base)
      .post('/admin/clients')
      .set('Authorization', h.t.operator)
      .send({ name: 'SPA', redirectUris: [APP_REDIRECT], public: true });
    const query = {
      client_id: created.body.clientId as string,
      redirect_uri: APP_REDIRECT,
      response_type: 'code',
      scope: 'openid',
      tenant: 'acme',
      state: 's1',
    };
    const plain = await request(h.base).get('/oauth/authorize').query(query);
    const error = new URL(plain.headers.location ?? '').searchParams;
    assert.equal(error.get('error'), 'invalid_request');
    assert.match(error.get('error_description') ?? '', /PKCE/);
    const weak = await request(h.base)
      .get('/oauth/authorize')
      .query({ ...query, code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' });
    assert.equal(new URL(weak.headers.location ?? '').searchParams.get('error'), 'invalid_request');
  });

  it('shows the error page for a tenant without SSO and for an unknown tenant', async () => {
    const gamma = await h.t.tenant('gamma');
    for (const tenant of [gamma.slug, 'nobody-here']) {
      const agent = request.agent(h.base);
      const query = {
        client_id: h.client.clientId,
        redirect_uri: APP_REDIRECT,
        response_type: 'code',
        scope: 'openid',
        tenant,
        code_challenge: 'x'.repeat(43),
        code_challenge_method: 'S256',
      };
      const authorize = await agent.get('/oauth/authorize').query(query);
      assert.ok(authorize.headers.location, `${authorize.status} ${authorize.text.slice(0, 300)}`);
      const page = await agent.get(pathOf(authorize.headers.location));
      assert.equal(page.status, 403);
      assert.match(page.text, /Reference: <code>[A-Z0-9]+<\/code>/);
      assert.match(page.headers['content-security-policy'] ?? '', /default-src 'none'/);
    }
    const events = await h.t.container.storage.audit.list(
      (await h.t.container.storage.tenants.getBySlug('gamma'))!.id,
      null,
      100,
    );
    assert.ok(events.some((e) => e.type === 'sso.login_rejected' && e.data.code === 'no_connection'));
  });

  it('refuses a Host header other than the public host', async () => {
    const res = await request(h.base).get('/.well-known/openid-configuration').set('Host', 'evil.example');
    assert.equal(res.status, 400);
  });

  it('signs a SCIM-provisioned person in, and the ID token carries the claims', async () => {
    const alice = await insertAccount(h, 'alice@acme.com');
    const flow = await startLogin(h);
    const posted = await postAcs(
      flow.agent,
      await samlResponse(h, samlIdp(h.idpKeys), { inResponseTo: flow.requestId }),
      flow.relayState,
    );
    assert.equal(posted.status, 303, posted.text);
    assert.match(posted.headers.location, /^\/interaction\/[^/]+\/callback\?token=/);
    const query = await followToApp(flow.agent, posted.headers.location);
    assert.equal(query.get('state'), flow.state);
    const token = await exchangeCode(h, query.get('code') ?? '', flow.verifier);
    assert.equal(token.status, 200, token.text);
    const jwks = createRemoteJWKSet(new URL(`${h.base}/oauth/jwks`));
    const { payload, protectedHeader } = await jwtVerify(String(token.body.id_token), jwks, {
      issuer: h.base,
      audience: h.client.clientId,
    });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(payload.sub, alice.id);
    assert.equal(payload.tenant, 'acme');
    assert.equal(payload.email, 'alice@acme.com');
    assert.equal(payload.email_verified, true);
    assert.equal(payload.name, 'Alice Example');
    assert.equal(payload.given_name, 'Alice');
    assert.equal(payload.family_name, 'Example');
    assert.deepEqual(payload.groups, []);
    assert.equal(payload.idp, 'saml');
    assert.deepEqual(payload.amr, ['pwd']);
    assert.equal(payload.nonce, flow.nonce);
    assert.equal(token.body.refresh_token, undefined, 'no offline_access, no refresh token');
    assert.ok(Number(token.body.expires_in) <= 300, 'access tokens are short-lived');
    const userinfo = await request(h.base)
      .get('/oauth/userinfo')
      .set('Authorization', `Bearer ${String(token.body.access_token)}`);
    assert.equal(userinfo.status, 200);
    assert.equal(userinfo.body.sub, alice.id);
    // Linked, not duplicated.
    const tenant = await h.t.container.storage.tenants.getBySlug('acme');
    assert.equal((await h.t.container.storage.accounts.getByEmail(tenant!.id, 'alice@acme.com')).length, 1);
    assert.equal(
      (
        await h.t.container.storage.accounts.findBySubject(
          tenant!.id,
          `saml|https://idp.test/metadata|alice@acme.com`,
        )
      )?.id,
      alice.id,
    );
  });
});
