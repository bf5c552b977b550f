import assert from 'node:assert/strict';
import request from 'supertest';
import { IDP_SLO, insertAccount, opensslKeyPair, samlIdp, startHarness } from '../../signin/support.ts';
import type { Harness } from '../../signin/support.ts';
import { signIn } from '../../signin/flow.ts';
import {
  getLogout,
  idpLogoutRequest,
  postLogout,
  readSignedRedirect,
  spFromMetadata,
} from './slo-support.ts';

const userinfo = (h: Harness, accessToken: string) =>
  request(h.base).get('/oauth/userinfo').set('Authorization', `Bearer ${accessToken}`);

describe('SAML Single Logout: LogoutRequests from the IdP at /sso/{slug}/saml/slo', function () {
  this.timeout(30000);
  let h: Harness;
  let spCertificate: string;
  const idp = () => samlIdp(h.idpKeys, { slo: true });

  before(async () => {
    h = await startHarness();
    // The IdP's metadata, now with its SingleLogoutService (read at upload).
    const put = await h
      .admin()
      .put('/admin/tenants/acme/saml')
      .set('Authorization', h.t.operator)
      .type('application/samlmetadata+xml')
      .send(idp().getMetadata());
    assert.equal(put.status, 200);
    assert.equal(put.body.idp.sloUrl, IDP_SLO);
    spCertificate = put.body.sp.certificate as string;
    await insertAccount(h, 'alice@acme.com');
  });
  after(async () => h.close());

  async function signedInAlice(): Promise<string> {
    const { token } = await signIn(h);
    assert.equal(token?.status, 200, token?.text);
    const accessToken = String(token?.body.access_token);
    assert.equal((await userinfo(h, accessToken)).status, 200);
    return accessToken;
  }

  async function events(type: string) {
    const tenant = await h.t.container.storage.tenants.getBySlug('acme');
    return (await h.t.container.storage.audit.list(tenant!.id, null, 500)).filter((e) => e.type === type);
  }

  it('advertises SingleLogoutService (Redirect and POST) and a signing key in our SP metadata', async () => {
    const res = await request(h.base).get('/sso/acme/saml/metadata');
    assert.equal(res.status, 200);
    const slo = `${h.base}/sso/acme/saml/slo`;
    assert.match(res.text, new RegExp(`SingleLogoutService Binding="[^"]+HTTP-Redirect" Location="${slo}"`));
    assert.match(res.text, new RegExp(`SingleLogoutService Binding="[^"]+HTTP-POST" Location="${slo}"`));
    assert.match(res.text, /KeyDescriptor use="signing"/);
  });

  it('HTTP-Redirect: ends the account’s sessions and answers a signed Success to the IdP', async () => {
    const accessToken = await signedInAlice();
    const sent = idpLogoutRequest(idp(), await spFromMetadata(h), 'redirect');
    const res = await getLogout(h, sent.context);
    assert.equal(res.status, 303, res.text);
    assert.ok(res.headers.location.startsWith(`${IDP_SLO}?`), res.headers.location);
    const answer = readSignedRedirect(res.headers.location, spCertificate);
    assert.equal(answer.status, 'urn:oasis:names:tc:SAML:2.0:status:Success');
    assert.equal(answer.inResponseTo, sent.id);
    assert.equal(answer.relayState, sent.relayState);
    assert.match(answer.xml, /Destination="https:\/\/idp\.test\/slo"/);
    assert.equal((await userinfo(h, accessToken)).status, 401, 'the access token from before is dead');
    assert.ok((await events('session.ended')).some((e) => e.data.initiator === 'idp'));
  });

  it('HTTP-POST: an enveloped signature, the same outcome', async () => {
    const accessToken = await signedInAlice();
    const sent = idpLogoutRequest(idp(), await spFromMetadata(h), 'post');
    const res = await postLogout(h, { SAMLRequest: sent.context, RelayState: sent.relayState });
    assert.equal(res.status, 303, JSON.stringify((await events('sso.logout_rejected')).map((e) => e.data)));
    const answer = readSignedRedirect(res.headers.location, spCertificate);
    assert.equal(answer.status, 'urn:oasis:names:tc:SAML:2.0:status:Success');
    assert.equal(answer.inResponseTo, sent.id);
    assert.equal((await userinfo(h, accessToken)).status, 401);
  });

  async function refused(
    send: () => Promise<request.Response>,
    status: number,
    code: string,
    accessToken: string,
  ) {
    const res = await send();
    assert.equal(res.status, status, res.text);
    assert.match(res.text, /Reference: <code>[A-Z0-9]+<\/code>/);
    assert.match(res.headers['content-security-policy'] ?? '', /default-src 'none'/);
    assert.equal(res.headers.location, undefined);
    assert.ok(
      (await events('sso.logout_rejected')).some((e) => e.data.code === code),
      code,
    );
    assert.equal((await userinfo(h, accessToken)).status, 200, `${code}: nothing was ended`);
  }

  it('refuses an unsigned LogoutRequest (both bindings), ending nothing', async () => {
    const accessToken = await signedInAlice();
    const unsigned = await spFromMetadata(h, 'acme', false);
    const redirect = idpLogoutRequest(idp(), unsigned, 'redirect');
    await refused(() => getLogout(h, redirect.context), 403, 'invalid_signature', accessToken);
    const post = idpLogoutRequest(idp(), unsigned, 'post');
    await refused(() => postLogout(h, { SAMLRequest: post.context }), 403, 'invalid_signature', accessToken);
  });

  it('refuses a LogoutRequest signed with a key that is not the tenant’s IdP’s', async () => {
    const accessToken = await signedInAlice();
    const stranger = samlIdp(opensslKeyPair('other-idp'), { slo: true });
    const sp = await spFromMetadata(h);
    const redirect = idpLogoutRequest(stranger, sp, 'redirect');
    await refused(() => getLogout(h, redirect.context), 403, 'invalid_signature', accessToken);
    const post = idpLogoutRequest(stranger, sp, 'post');
    await refused(() => postLogout(h, { SAMLRequest: post.context }), 403, 'invalid_signature', accessToken);
  });

  it('refuses a wrong Destination, a wrong Issuer, an expired or a replayed LogoutRequest', async () => {
    const accessToken = await signedInAlice();
    const sp = await spFromMetadata(h);
    const wrongDestination = idpLogoutRequest(idp(), sp, 'redirect', {
      destination: `${h.base}/sso/other/saml/slo`,
    });
    await refused(() => getLogout(h, wrongDestination.context), 403, 'wrong_destination', accessToken);
    const wrongIssuer = idpLogoutRequest(idp(), sp, 'post', { issuer: 'https://evil.test/metadata' });
    await refused(
      () => postLogout(h, { SAMLRequest: wrongIssuer.context }),
      403,
      'wrong_issuer',
      accessToken,
    );
    const old = idpLogoutRequest(idp(), sp, 'redirect', { issueInstant: new Date(Date.now() - 20 * 60_000) });
    await refused(() => getLogout(h, old.context), 403, 'outside_time_window', accessToken);
    const passed = idpLogoutRequest(idp(), sp, 'redirect', {
      notOnOrAfter: new Date(Date.now() - 5 * 60_000),
    });
    await refused(() => getLogout(h, passed.context), 403, 'outside_time_window', accessToken);
    // Replay: the first use ends the session, the same request again is refused.
    const once = idpLogoutRequest(idp(), sp, 'redirect');
    assert.equal((await getLogout(h, once.context)).status, 303);
    const again = await getLogout(h, once.context);
    assert.equal(again.status, 403);
    assert.equal((await events('sso.logout_rejected')).at(-1)?.data.code, 'replayed_request');
  });

  it('refuses malformed messages with 400 and a page', async () => {
    const res = await request(h.base).get('/sso/acme/saml/slo?SAMLRequest=%%%');
    assert.equal(res.status, 400);
    const post = await postLogout(h, { SAMLRequest: Buffer.from('<nope').toString('base64') });
    assert.ok([400, 403].includes(post.status), String(post.status));
    assert.match(post.text, /Reference:/);
  });

  it('answers Success for a NameID no account of the tenant holds, ending nothing', async () => {
    const accessToken = await signedInAlice();
    const sent = idpLogoutRequest(idp(), await spFromMetadata(h), 'redirect', { nameId: 'nobody@acme.com' });
    const res = await getLogout(h, sent.context);
    assert.equal(res.status, 303);
    assert.equal(
      readSignedRedirect(res.headers.location, spCertificate).status,
      'urn:oasis:names:tc:SAML:2.0:status:Success',
    );
    assert.equal((await userinfo(h, accessToken)).status, 200);
  });

  it('another tenant’s IdP naming this tenant’s account ends nothing here', async () => {
    const accessToken = await signedInAlice();
    await h.t.tenant('beta');
    const betaKeys = opensslKeyPair('beta-idp');
    const betaIdp = samlIdp(betaKeys, { slo: true });
    const put = await h
      .admin()
      .put('/admin/tenants/beta/saml')
      .set('Authorization', h.t.operator)
      .type('application/samlmetadata+xml')
      .send(betaIdp.getMetadata());
    assert.equal(put.status, 200);
    const betaSp = await spFromMetadata(h, 'beta');
    // At beta's endpoint, signed by beta's IdP: the NameID is nobody at beta.
    const atBeta = idpLogoutRequest(betaIdp, betaSp, 'redirect');
    assert.equal((await getLogout(h, atBeta.context)).status, 303);
    assert.equal((await userinfo(h, accessToken)).status, 200);
    // Beta's IdP at acme's endpoint: not acme's IdP key.
    const atAcme = idpLogoutRequest(betaIdp, await spFromMetadata(h), 'redirect');
    const res = await getLogout(h, atAcme.context);
    assert.equal(res.status, 403);
    assert.equal((await userinfo(h, accessToken)).status, 200);
  });
});
