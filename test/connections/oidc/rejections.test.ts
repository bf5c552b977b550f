import assert from 'node:assert/strict';
import request from 'supertest';
import { pathOf, startHarness } from '../../signin/support.ts';
import type { Harness } from '../../signin/support.ts';
import { startCompanyIdp, startForgingIdp } from './idp.ts';
import type { CompanyIdp, ForgingIdp } from './idp.ts';
import { finishOidcLogin, lastRejectionEvent, startOidcLogin } from './flow.ts';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe('OIDC connection: every refusal has its own code, audit event and error page', function () {
  this.timeout(30000);
  let h: Harness;
  let idp: CompanyIdp;
  let forger: ForgingIdp;
  let globexScim = '';

  async function connect(slug: string, body: Record<string, unknown>) {
    const put = await h
      .admin()
      .put(`/admin/tenants/${slug}/oidc`)
      .set('Authorization', h.t.operator)
      .send(body);
    assert.equal(put.status, 200, put.text);
  }

  before(async () => {
    h = await startHarness();
    idp = await startCompanyIdp({
      redirectUris: [`${h.base}/sso/globex/oidc/callback`],
      people: [
        { sub: 'idp-ann', email: 'ann@globex.com', given_name: 'Ann', family_name: 'Lee' },
        { sub: 'idp-eve', email: 'eve@elsewhere.example' },
        { sub: 'idp-carol', email: 'carol@globex.com' },
      ],
    });
    forger = await startForgingIdp({ sub: 'forged-alice', email: 'alice@forge.test' });
    globexScim = (await h.t.tenant('globex', { domains: ['globex.com'] })).scimToken;
    await h.t.tenant('forge', { domains: ['forge.test'] });
    for (const slug of ['globex', 'forge'])
      await h
        .admin()
        .patch(`/admin/tenants/${slug}`)
        .set('Authorization', h.t.operator)
        .send({ settings: { jit: true } });
    await connect('globex', {
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      allowedEmailDomains: ['globex.com'],
    });
    await connect('forge', {
      issuer: forger.issuer,
      clientId: forger.clientId,
      clientSecret: forger.clientSecret,
    });
  });
  afterEach(() => forger.forge(undefined));
  after(async () => {
    await idp.close();
    await forger.close();
    await h.close();
  });

  async function refused(slug: string, landed: request.Response, code: string): Promise<void> {
    assert.equal(landed.status, 403, `${landed.status} ${landed.text.slice(0, 200)}`);
    assert.match(landed.text, /Reference: <code>[A-Z0-9]+<\/code>/);
    const event = await lastRejectionEvent(h, slug);
    assert.equal(event?.code, code, event?.reason);
  }

  const globexLogin = (hint: string, tamper?: (u: URL) => void) =>
    startOidcLogin(h, idp.issuer, { tenant: 'globex', login_hint: hint }, tamper);
  const forgedLogin = async () =>
    finishOidcLogin(h, await startOidcLogin(h, forger.issuer, { tenant: 'forge' }));

  it('accepts the forging IdP when nothing is forged (the baseline of the tests below)', async () => {
    const { landed, token } = await forgedLogin();
    assert.equal(landed.status, 303, landed.text);
    assert.equal(token?.status, 200);
  });

  it('refuses a wrong state', async () => {
    const flow = await globexLogin('ann@globex.com');
    const url = new URL(flow.callback);
    url.searchParams.set('state', 'A'.repeat(32));
    const { landed } = await finishOidcLogin(h, flow, url.href);
    await refused('globex', landed, 'invalid_state');
  });

  it('refuses a replayed callback', async () => {
    const flow = await globexLogin('ann@globex.com');
    const first = await finishOidcLogin(h, flow);
    assert.equal(first.token?.status, 200);
    const replay = await flow.agent.get(pathOf(flow.callback));
    await refused('globex', replay, 'invalid_state');
  });

  it('refuses an ID token with another nonce', async () => {
    const flow = await globexLogin('ann@globex.com', (u) => u.searchParams.set('nonce', 'not-the-nonce'));
    const { landed } = await finishOidcLogin(h, flow);
    await refused('globex', landed, 'wrong_nonce');
    // The refusal answers the app too: the error page's button finishes the interaction.
    assert.match(landed.text, /Back to the application/);
  });

  it('refuses a code swapped from another login', async () => {
    const a = await globexLogin('ann@globex.com');
    const b = await globexLogin('ann@globex.com');
    const swapped = new URL(b.callback);
    swapped.searchParams.set('code', new URL(a.callback).searchParams.get('code') ?? '');
    const { landed } = await finishOidcLogin(h, b, swapped.href);
    await refused('globex', landed, 'code_exchange_failed');
  });

  it('refuses an email outside allowedEmailDomains', async () => {
    const { landed } = await finishOidcLogin(h, await globexLogin('eve@elsewhere.example'));
    await refused('globex', landed, 'email_domain_not_allowed');
  });

  it('refuses an account deactivated by SCIM', async () => {
    const scim = (t: request.Test) =>
      t.set('Authorization', `Bearer ${globexScim}`).set('Content-Type', 'application/scim+json');
    const created = await scim(request(h.base).post('/scim/v2/globex/Users')).send(
      JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'carol@globex.com',
        active: true,
        emails: [{ value: 'carol@globex.com', primary: true }],
      }),
    );
    assert.equal(created.status, 201, created.text);
    const off = await scim(request(h.base).patch(`/scim/v2/globex/Users/${String(created.body.id)}`)).send(
      JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }),
    );
    assert.equal(off.status, 200, off.text);
    const { landed } = await finishOidcLogin(h, await globexLogin('carol@globex.com'));
    await refused('globex', landed, 'account_inactive');
  });

  it('refuses an error answer from the IdP (access_denied) and finishes the app’s request', async () => {
    const flow = await globexLogin('ann@globex.com');
    const url = new URL(flow.callback);
    url.searchParams.delete('code');
    url.searchParams.set('error', 'access_denied');
    const { landed } = await finishOidcLogin(h, flow, url.href);
    await refused('globex', landed, 'idp_refused');
    assert.match(landed.text, /Back to the application/);
  });

  it('refuses an ID token from another issuer', async () => {
    forger.forge((claims) => {
      claims.iss = 'http://127.0.0.1:1';
    });
    await refused('forge', (await forgedLogin()).landed, 'wrong_issuer');
  });

  it('refuses an ID token for another audience', async () => {
    forger.forge((claims) => {
      claims.aud = 'someone-else';
    });
    await refused('forge', (await forgedLogin()).landed, 'wrong_audience');
  });

  it('refuses an ID token whose azp is another client', async () => {
    forger.forge((claims) => {
      claims.aud = [forger.clientId, 'another-client'];
      claims.azp = 'another-client';
    });
    await refused('forge', (await forgedLogin()).landed, 'wrong_audience');
  });

  it('refuses an expired ID token', async () => {
    forger.forge((claims) => {
      const now = Math.floor(Date.now() / 1000);
      claims.iat = now - 7200;
      claims.exp = now - 3600;
    });
    await refused('forge', (await forgedLogin()).landed, 'outside_time_window');
  });

  it('refuses an unsigned ID token (alg: none)', async () => {
    forger.forge(undefined, { none: true });
    await refused('forge', (await forgedLogin()).landed, 'weak_algorithm');
  });

  it('refuses an ID token signed with a key the IdP does not publish', async () => {
    forger.forge(undefined, { foreignKey: true });
    await refused('forge', (await forgedLogin()).landed, 'invalid_signature');
  });

  it('shows a clear page for an unknown domain in login_hint, never another tenant', async () => {
    const agent = request.agent(h.base);
    const authorize = await agent.get('/oauth/authorize').query({
      client_id: h.client.clientId,
      redirect_uri: 'http://127.0.0.1:9/callback',
      response_type: 'code',
      scope: 'openid',
      login_hint: 'someone@unknown.example',
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
    });
    const page = await agent.get(pathOf(authorize.headers.location));
    assert.equal(page.status, 403);
    assert.match(page.text, /No organisation matches/);
  });
});
