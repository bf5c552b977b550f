import assert from 'node:assert/strict';
import request from 'supertest';
import {
  IDP_SLO,
  insertAccount,
  opensslKeyPair,
  pathOf,
  samlIdp,
  startHarness,
} from '../../signin/support.ts';
import type { Harness } from '../../signin/support.ts';
import { signIn } from '../../signin/flow.ts';
import type { Agent } from '../../signin/flow.ts';
import { readSignedRedirect, spFromMetadata } from './slo-support.ts';

const APP_LOGOUT = 'http://127.0.0.1:9/logged-out';

describe('SAML Single Logout, SP-initiated: the product’s logout continues at the IdP', function () {
  this.timeout(30000);
  let h: Harness;
  let spCertificate: string;
  const idp = () => samlIdp(h.idpKeys, { slo: true });

  before(async () => {
    const base = await startHarness();
    const put = await base
      .admin()
      .put('/admin/tenants/acme/saml')
      .set('Authorization', base.t.operator)
      .type('application/samlmetadata+xml')
      .send(samlIdp(base.idpKeys, { slo: true }).getMetadata());
    assert.equal(put.status, 200);
    spCertificate = put.body.sp.certificate as string;
    const created = await base
      .admin()
      .post('/admin/clients')
      .set('Authorization', base.t.operator)
      .send({
        name: 'Product',
        redirectUris: ['http://127.0.0.1:9/callback'],
        postLogoutRedirectUris: [APP_LOGOUT],
      });
    assert.equal(created.status, 201);
    h = { ...base, client: created.body as { clientId: string; clientSecret: string } };
    await insertAccount(h, 'alice@acme.com');
  });
  after(async () => h.close());

  /** Signs Alice in, then runs the provider's end-session (confirmed) in the same browser. */
  async function logoutAtProvider(): Promise<{ agent: Agent; accessToken: string; location: string }> {
    const agent = request.agent(h.base);
    const { token } = await signIn(h, { sessionIndex: '_idp-session-42' }, { tenant: 'acme' }, agent);
    assert.equal(token?.status, 200, token?.text);
    const page = await agent.get('/oauth/logout').query({
      id_token_hint: String(token?.body.id_token),
      post_logout_redirect_uri: APP_LOGOUT,
      state: 'bye-1',
    });
    assert.equal(page.status, 200, page.text);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const confirm = await agent.post('/oauth/logout/confirm').type('form').send({ xsrf, logout: 'yes' });
    assert.equal(confirm.status, 303, confirm.text);
    return { agent, accessToken: String(token?.body.access_token), location: confirm.headers.location };
  }

  async function toIdp(agent: Agent, location: string) {
    assert.match(location, new RegExp(`^${h.base}/sso/acme/saml/logout\\?t=`));
    const res = await agent.get(pathOf(location));
    assert.equal(res.status, 303, res.text);
    assert.ok(res.headers.location.startsWith(`${IDP_SLO}?`), res.headers.location);
    return readSignedRedirect(res.headers.location, spCertificate, 'SAMLRequest');
  }

  const requestId = (xml: string) => /\sID="([^"]+)"/.exec(xml)?.[1] ?? '';

  function idpAnswer(id: string, signer = idp()) {
    return signer.createLogoutResponse(spSeen, { extract: { request: { id } } }, 'post', '') as unknown as {
      context: string;
    };
  }
  let spSeen: Awaited<ReturnType<typeof spFromMetadata>>;

  it('sends a signed LogoutRequest naming the NameID and SessionIndex, then returns to the app', async () => {
    spSeen = await spFromMetadata(h);
    const { agent, location, accessToken } = await logoutAtProvider();
    const userinfo = await request(h.base)
      .get('/oauth/userinfo')
      .set('Authorization', `Bearer ${accessToken}`);
    assert.equal(userinfo.status, 401, 'the provider ended the session and its grant');
    const sent = await toIdp(agent, location);
    assert.match(
      sent.xml,
      /<saml:NameID Format="urn:oasis:names:tc:SAML:1\.1:nameid-format:emailAddress">alice@acme\.com<\/saml:NameID>/,
    );
    assert.match(sent.xml, /SessionIndex[^>]*>_idp-session-42</);
    assert.match(sent.xml, /Destination="https:\/\/idp\.test\/slo"/);
    assert.ok(sent.relayState, 'a RelayState names our pending logout');
    const answer = idpAnswer(requestId(sent.xml));
    const back = await agent
      .post('/sso/acme/saml/slo')
      .type('form')
      .send({ SAMLResponse: answer.context, RelayState: sent.relayState ?? '' });
    assert.equal(back.status, 303, back.text);
    assert.equal(back.headers.location, `${APP_LOGOUT}?state=bye-1`);
    // The RelayState was used once.
    const again = await agent
      .post('/sso/acme/saml/slo')
      .type('form')
      .send({ SAMLResponse: answer.context, RelayState: sent.relayState ?? '' });
    assert.equal(again.status, 403);
  });

  it('refuses a LogoutResponse to another request, or signed by another key', async () => {
    const first = await logoutAtProvider();
    const sent = await toIdp(first.agent, first.location);
    const wrong = await first.agent
      .post('/sso/acme/saml/slo')
      .type('form')
      .send({ SAMLResponse: idpAnswer('_not-our-request').context, RelayState: sent.relayState ?? '' });
    assert.equal(wrong.status, 403, wrong.text);
    assert.match(wrong.text, /Sign-out was refused/);
    assert.equal(wrong.headers.location, undefined);

    const second = await logoutAtProvider();
    const sent2 = await toIdp(second.agent, second.location);
    const stranger = samlIdp(opensslKeyPair('other-idp'), { slo: true });
    const forged = await second.agent
      .post('/sso/acme/saml/slo')
      .type('form')
      .send({
        SAMLResponse: idpAnswer(requestId(sent2.xml), stranger).context,
        RelayState: sent2.relayState ?? '',
      });
    assert.equal(forged.status, 403, forged.text);
    assert.equal(forged.headers.location, undefined);
  });

  it('ends locally when the step token is unknown', async () => {
    const res = await request(h.base).get('/sso/acme/saml/logout?t=not-a-real-token-0000');
    assert.equal(res.status, 400);
    assert.match(res.text, /Sign-out expired/);
  });
});
