import assert from 'node:assert/strict';
import request from 'supertest';
import { decodeJwt } from 'jose';
import {
  APP_REDIRECT,
  insertAccount,
  pathOf,
  pkcePair,
  samlIdp,
  startHarness,
} from '../../signin/support.ts';
import type { Harness } from '../../signin/support.ts';
import { samlResponse } from './saml-response.ts';
import { exchangeCode, followToApp, postAcs, startLogin } from '../../signin/flow.ts';
import { expectRejected } from './assertions.ts';

describe('SAML: encrypted assertions and IdP-initiated sign-in', function () {
  this.timeout(30000);
  let h: Harness;
  let liamId: string;
  before(async () => {
    h = await startHarness();
    liamId = (await insertAccount(h, 'liam@acme.com')).id;
  });
  after(async () => h.close());

  const settings = (value: Record<string, unknown>) =>
    h
      .admin()
      .patch('/admin/tenants/acme')
      .set('Authorization', h.t.operator)
      .send({ settings: value })
      .expect(200);

  it('decrypts an assertion encrypted to the tenant SP certificate', async () => {
    const spCert = (await h.admin().get('/admin/tenants/acme/saml').set('Authorization', h.t.operator)).body
      .sp.certificate as string;
    const flow = await startLogin(h);
    const idp = samlIdp(h.idpKeys, { encrypt: true });
    const response = await samlResponse(
      h,
      idp,
      { inResponseTo: flow.requestId, nameId: 'liam@acme.com' },
      { assertion: true },
      spCert,
    );
    assert.ok(Buffer.from(response, 'base64').toString().includes('EncryptedAssertion'));
    const acs = await postAcs(flow.agent, response, flow.relayState);
    assert.equal(acs.status, 303, acs.text);
    const query = await followToApp(flow.agent, acs.headers.location);
    const token = await exchangeCode(h, query.get('code') ?? '', flow.verifier);
    assert.equal(decodeJwt(String(token.body.id_token)).sub, liamId);
  });

  it('IdP-initiated (when enabled): lands on the default app, which then gets a code; a replay is refused', async () => {
    await settings({ allowIdpInitiated: true, defaultRedirectUrl: 'http://127.0.0.1:9/start' });
    try {
      const agent = request.agent(h.base);
      const response = await samlResponse(h, samlIdp(h.idpKeys), {
        inResponseTo: null,
        nameId: 'liam@acme.com',
      });
      const landed = await postAcs(agent, response);
      assert.equal(landed.status, 303, landed.text);
      const target = new URL(landed.headers.location ?? '');
      assert.equal(`${target.origin}${target.pathname}`, 'http://127.0.0.1:9/start');
      assert.equal(target.searchParams.get('iss'), h.base);
      // OIDC Core §4: the app starts a normal authorization request, answered without the IdP.
      const { verifier, challenge } = pkcePair();
      const authorize = await agent.get('/oauth/authorize').query({
        client_id: h.client.clientId,
        redirect_uri: APP_REDIRECT,
        response_type: 'code',
        scope: 'openid',
        tenant: 'acme',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      const interaction = await agent.get(pathOf(authorize.headers.location));
      assert.equal(interaction.status, 303);
      const query = await followToApp(agent, interaction.headers.location ?? '');
      const token = await exchangeCode(h, query.get('code') ?? '', verifier);
      assert.equal(decodeJwt(String(token.body.id_token)).sub, liamId);
      await expectRejected(h, await postAcs(request.agent(h.base), response), 'replayed_assertion');
    } finally {
      await settings({ allowIdpInitiated: false });
    }
  });
});
