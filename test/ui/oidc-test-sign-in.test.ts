/**
 * The admin page's test sign-in through an OpenID Connect connection: the gateway listening on
 * 127.0.0.1, a real oidc-provider as the company IdP, the admin session a cookie-keeping agent.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { OPERATOR_KEY } from '../support/app.ts';
import { pathOf, startHarness } from '../signin/support.ts';
import type { Harness } from '../signin/support.ts';
import { startCompanyIdp } from '../connections/oidc/idp.ts';
import type { CompanyIdp } from '../connections/oidc/idp.ts';
import { connectOidcTenant, lastRejectionEvent } from '../connections/oidc/flow.ts';
import { browser, mintAdminToken, signIn } from './support.ts';
import type { Browser } from './support.ts';

const SSO = '/admin/ui/t/globex/sso';

function assertPage(res: { status: number; text: string }, status: number, text: RegExp): void {
  assert.equal(res.status, status, res.text.slice(0, 400));
  assert.match(res.text, text);
  assert.doesNotMatch(res.text, /at [\w.]+ \(|node_modules/, 'no stack trace');
}

describe('admin page: test sign-in through an OpenID Connect connection (oidc-provider IdP)', function () {
  this.timeout(30_000);
  let h: Harness;
  let idp: CompanyIdp;
  let adminToken: string;

  before(async () => {
    h = await startHarness();
    idp = await startCompanyIdp({
      redirectUris: [`${h.base}/sso/globex/oidc/callback`],
      people: [
        { sub: 'idp-kim', email: 'kim@globex.com', given_name: 'Kim', family_name: 'Park', name: 'Kim Park' },
        { sub: 'idp-eve', email: 'eve@elsewhere.org', given_name: 'Eve' },
      ],
    });
    // With JIT on, a real sign-in would create the account: the test sign-in must not.
    await connectOidcTenant(h, 'globex', ['globex.com'], idp);
    adminToken = (await mintAdminToken(h.t.app, h.t.operator, 'globex')).token;
  });
  after(async () => {
    await idp.close();
    await h.close();
  });

  /** Starts a test sign-in; returns the authorization request we sent to the IdP. */
  async function start(b: Browser, csrf: string): Promise<URL> {
    const res = await b.post(`${SSO}/test`, { protocol: 'oidc' }, csrf);
    assert.equal(res.status, 303, res.text.slice(0, 300));
    const location = new URL(res.headers.location ?? '');
    assert.equal(location.origin, idp.issuer, 'sent to the tenant’s IdP');
    return location;
  }

  /** The IdP signs the person in (another site: its own cookie jar); returns our callback URL. */
  async function throughIdp(authorization: URL): Promise<string> {
    const agent = request.agent(idp.issuer);
    let next = authorization.href;
    for (let i = 0; i < 8; i += 1) {
      if (next.startsWith(`${h.base}/sso/`)) return next;
      const res = await agent.get(pathOf(next));
      assert.ok(
        res.status >= 300 && res.status < 400,
        `IdP ${next}: ${res.status} ${res.text.slice(0, 300)}`,
      );
      next = new URL(res.headers.location ?? '', idp.issuer).href;
    }
    throw new Error('the IdP did not send the browser back');
  }

  async function accountCount(): Promise<number> {
    const globex = await h.t.container.tenants.bySlug('globex');
    return (
      await h.t.container.storage.accounts.list(globex.id, { filter: { kind: 'all' }, offset: 0, limit: 0 })
    ).total;
  }

  it('offers the test for the connections the tenant has', async () => {
    const b = browser(h.base, h.base);
    await signIn(b, adminToken);
    const page = await b.page(SSO);
    assertPage(page, 200, /<button type="submit">Test OpenID Connect sign-in<\/button>/);
    assert.doesNotMatch(page.text, /Test SAML sign-in/, 'globex has no SAML connection');
    assert.match(
      page.headers['content-security-policy'] ?? '',
      new RegExp(`form-action 'self' ${idp.issuer.replace(/[.]/g, '\\.')}`),
      'the form may be redirected to the IdP',
    );
  });

  it('shows the mapped profile only to the session that started it, once, and signs no one in', async () => {
    const b = browser(h.base, h.base);
    const { csrf } = await signIn(b, adminToken);
    const before = await accountCount();
    const authorization = await start(b, csrf);
    assert.equal(authorization.searchParams.get('redirect_uri'), `${h.base}/sso/globex/oidc/callback`);
    assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorization.searchParams.get('nonce'), 'a nonce, as on a real sign-in');
    const callback = await throughIdp(authorization);
    // The IdP's redirect back: treated as cross-site, without the admin session's cookie.
    const landed = await request(h.base).get(pathOf(callback));
    assert.equal(landed.status, 303, landed.text.slice(0, 300));
    const result = landed.headers.location ?? '';
    assert.match(result, /^\/admin\/ui\/test-result\?token=/);
    assertPage(await request(h.base).get(result), 200, /Show the result/);
    const operator = browser(h.base, h.base);
    await signIn(operator, OPERATOR_KEY);
    assertPage(await operator.agent.get(result), 404, /belongs to another session/);
    const shown = await b.page(result);
    assertPage(shown, 200, /passed every check/);
    for (const value of ['OIDC', idp.issuer, 'idp-kim', 'kim@globex.com', 'Kim', 'Park', 'Kim Park'])
      assert.ok(shown.text.includes(`<code>${value}</code>`), `profile shows ${value}`);
    assert.equal((await b.page(result)).status, 404, 'shown once');
    assert.equal(await accountCount(), before, 'no account created (JIT is on)');
    const globex = await h.t.container.tenants.bySlug('globex');
    const linked = await h.t.container.storage.accounts.findBySubject(
      globex.id,
      `oidc|${idp.issuer}|idp-kim`,
    );
    assert.equal(linked, undefined, 'no subject linked');
    // The callback is spent: a replay is an ordinary refused sign-in, not a second result.
    assertPage(await request(h.base).get(pathOf(callback)), 403, /no longer valid/);
  });

  it('shows the admin why the IdP’s answer was refused, and records the refusal', async () => {
    const b = browser(h.base, h.base);
    const { csrf } = await signIn(b, adminToken);
    const authorization = await start(b, csrf);
    // A person whose email is outside the tenant's domains (the IdP signs in the hinted person).
    authorization.searchParams.set('login_hint', 'eve@elsewhere.org');
    const landed = await request(h.base).get(pathOf(await throughIdp(authorization)));
    assert.equal(landed.status, 303, landed.text.slice(0, 300));
    const shown = await b.page(landed.headers.location ?? '');
    assertPage(shown, 200, /role="alert">\s*The IdP's answer was refused: email_domain_not_allowed/);
    assert.match(shown.text, /email domain elsewhere\.org is not allowed/);
    const event = await lastRejectionEvent(h, 'globex');
    assert.equal(event?.code, 'email_domain_not_allowed');
    assert.ok(shown.text.includes(event.reference), 'the page names the event’s reference');
  });

  it('shows an error the IdP returned instead of a code', async () => {
    const b = browser(h.base, h.base);
    const { csrf } = await signIn(b, adminToken);
    const authorization = await start(b, csrf);
    const callback = new URL(`${h.base}/sso/globex/oidc/callback`);
    callback.searchParams.set('error', 'access_denied');
    callback.searchParams.set('state', authorization.searchParams.get('state') ?? '');
    callback.searchParams.set('iss', idp.issuer);
    const landed = await request(h.base).get(pathOf(callback.href));
    assert.equal(landed.status, 303, landed.text.slice(0, 300));
    const shown = await b.page(landed.headers.location ?? '');
    assertPage(shown, 200, /The IdP's answer was refused: idp_refused/);
    assert.match(shown.text, /access_denied/);
  });

  it('refuses a test through a connection the tenant lacks, or an unknown one', async () => {
    const b = browser(h.base, h.base);
    const { csrf } = await signIn(b, adminToken);
    assertPage(
      await b.post(`${SSO}/test`, { protocol: 'saml' }, csrf),
      400,
      /Upload your IdP metadata first/,
    );
    assertPage(await b.post(`${SSO}/test`, { protocol: 'ldap' }, csrf), 400, /Choose the connection to test/);
    // Without a choice, the one connection globex has.
    const res = await b.post(`${SSO}/test`, {}, csrf);
    assert.equal(res.status, 303);
    assert.equal(new URL(res.headers.location ?? '').origin, idp.issuer);
    await h.t.tenant('initech');
    const operator = browser(h.base, h.base);
    const signedIn = await signIn(operator, OPERATOR_KEY);
    const page = await operator.page('/admin/ui/t/initech/sso');
    assertPage(page, 200, /Single sign-on/);
    assert.doesNotMatch(page.text, /Test sign-in/, 'no connection, no test');
    assertPage(
      await operator.post('/admin/ui/t/initech/sso/test', { protocol: 'oidc' }, signedIn.csrf),
      400,
      /Save your OpenID Connect settings first/,
    );
  });
});
