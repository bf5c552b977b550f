import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import request from 'supertest';
import { APP_REDIRECT, pathOf, startHarness } from '../../signin/support.ts';
import type { Harness } from '../../signin/support.ts';
import { startCompanyIdp } from './idp.ts';
import type { CompanyIdp } from './idp.ts';
import { connectOidcTenant, finishOidcLogin, lastRejection, startOidcLogin } from './flow.ts';

describe('OIDC connection end to end: app → /oauth/authorize?login_hint → company IdP (oidc-provider) → callback → code → token', function () {
  this.timeout(30000);
  let h: Harness;
  let idp: CompanyIdp;
  before(async () => {
    h = await startHarness();
    idp = await startCompanyIdp({
      redirectUris: [`${h.base}/sso/globex/oidc/callback`, `${h.base}/sso/acme/oidc/callback`],
      people: [
        { sub: 'idp-ann', email: 'ann@globex.com', given_name: 'Ann', family_name: 'Lee', name: 'Ann Lee' },
        { sub: 'idp-bob', email: 'bob@globex.com', given_name: 'Bob', family_name: 'Ray', name: 'Bob Ray' },
      ],
    });
    await connectOidcTenant(h, 'globex', ['globex.com'], idp);
  });
  after(async () => {
    await idp.close();
    await h.close();
  });

  it('signs a person in by home-realm discovery, and the ID token carries idp "oidc" and the mapped claims', async () => {
    const flow = await startOidcLogin(h, idp.issuer, { login_hint: 'ann@globex.com' });
    assert.equal(flow.idpRequest.searchParams.get('login_hint'), 'ann@globex.com', 'login_hint forwarded');
    assert.equal(flow.idpRequest.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(flow.idpRequest.searchParams.get('nonce'));
    const { landed, token } = await finishOidcLogin(h, flow);
    assert.equal(landed.status, 303, landed.text);
    assert.equal(token?.status, 200, token?.text);
    const jwks = createRemoteJWKSet(new URL(`${h.base}/oauth/jwks`));
    const { payload } = await jwtVerify(String(token?.body.id_token), jwks, {
      issuer: h.base,
      audience: h.client.clientId,
    });
    assert.equal(payload.idp, 'oidc');
    assert.equal(payload.tenant, 'globex');
    assert.equal(payload.email, 'ann@globex.com');
    assert.equal(payload.email_verified, true);
    assert.equal(payload.given_name, 'Ann');
    assert.equal(payload.family_name, 'Lee');
    assert.equal(payload.name, 'Ann Lee');
    assert.equal(payload.nonce, flow.nonce);
    const tenant = await h.t.container.storage.tenants.getBySlug('globex');
    const linked = await h.t.container.storage.accounts.findBySubject(
      tenant!.id,
      `oidc|${idp.issuer}|idp-ann`,
    );
    assert.equal(linked?.id, payload.sub);
  });

  it('keeps signing in when the IdP rotates its signing key between two logins', async () => {
    const first = await finishOidcLogin(
      h,
      await startOidcLogin(h, idp.issuer, { login_hint: 'bob@globex.com' }),
    );
    assert.equal(first.token?.status, 200, first.landed.text);
    const before = idp.kid();
    idp.rotate();
    assert.notEqual(idp.kid(), before);
    const second = await finishOidcLogin(
      h,
      await startOidcLogin(h, idp.issuer, { login_hint: 'bob@globex.com' }),
    );
    assert.equal(second.landed.status, 303, `${second.landed.text} ${await lastRejection(h, 'globex')}`);
    assert.equal(second.token?.status, 200);
  });

  it('uses the tenant’s defaultConnection when it has both SAML and OIDC', async () => {
    const put = await h
      .admin()
      .put('/admin/tenants/acme/oidc')
      .set('Authorization', h.t.operator)
      .send({ issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret });
    assert.equal(put.status, 200, put.text);
    const target = async () => {
      const agent = request.agent(h.base);
      const authorize = await agent.get('/oauth/authorize').query({
        client_id: h.client.clientId,
        redirect_uri: APP_REDIRECT,
        response_type: 'code',
        scope: 'openid',
        login_hint: 'alice@acme.com',
        code_challenge: 'x'.repeat(43),
        code_challenge_method: 'S256',
      });
      return (await agent.get(pathOf(authorize.headers.location))).headers.location ?? '';
    };
    assert.ok((await target()).startsWith('https://idp.test/sso'), 'SAML when unset');
    const patch = await h
      .admin()
      .patch('/admin/tenants/acme')
      .set('Authorization', h.t.operator)
      .send({ settings: { defaultConnection: 'oidc' } });
    assert.equal(patch.status, 200, patch.text);
    assert.ok((await target()).startsWith(`${idp.issuer}/`), 'OIDC when chosen');
    const bad = await h
      .admin()
      .patch('/admin/tenants/acme')
      .set('Authorization', h.t.operator)
      .send({ settings: { defaultConnection: 'ldap' } });
    assert.equal(bad.status, 400);
  });
});
