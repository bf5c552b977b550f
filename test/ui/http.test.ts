/**
 * The admin page at the HTTP level (supertest, in-process): sessions and their cookies, CSRF and
 * origin refusals, tenant isolation, revocation, setup links, and refusals shaped as pages.
 * test/ui/browser.test.ts drives the same page in Chromium.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { startTestApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { OPERATOR_KEY } from '../support/app.ts';
import { authnRequestId, opensslKeyPair, samlIdp } from '../signin/support.ts';
import { samlResponse } from '../connections/saml/saml-response.ts';
import { createSetupLinks } from '../../src/tenants/setup-links.ts';
import { ORIGIN, browser, csrfOf, mintAdminToken, onceOf, signIn } from './support.ts';

const setCookies = (res: request.Response): string[] => {
  const raw = res.headers['set-cookie'] as unknown;
  return Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
};

function assertPage(
  res: { status: number; text: string; headers: Record<string, string> },
  status: number,
  text: RegExp,
): void {
  assert.equal(res.status, status, res.text.slice(0, 400));
  assert.match(res.headers['content-type'] ?? '', /text\/html/);
  assert.match(res.text, /^<!doctype html>/);
  assert.match(res.text, text);
  assert.doesNotMatch(res.text, /at [\w.]+ \(|node_modules/, 'no stack trace');
}

describe('admin page over HTTP', () => {
  let t: TestApp;
  let adminA: { id: string; token: string };
  let metadataXml: string;

  before(async () => {
    t = await startTestApp();
    await t.tenant('tenant-a');
    await t.tenant('tenant-b', { name: 'Bravo Secret Corp' });
    adminA = await mintAdminToken(t.app, t.operator, 'tenant-a');
    metadataXml = samlIdp(opensslKeyPair('ui-http-idp')).getMetadata();
  });
  after(() => t.close());

  /** A setup link of `slug`, created on the page by the operator; its secret. */
  async function createLink(slug = 'tenant-b'): Promise<string> {
    const b = browser(t.app);
    const { csrf } = await signIn(b, OPERATOR_KEY);
    const form = await b.page(`/admin/ui/t/${slug}/setup-links`);
    const res = await b.post(
      `/admin/ui/t/${slug}/setup-links`,
      { hours: '24', _once: onceOf(form.text) },
      csrf,
    );
    assert.equal(res.status, 201, res.text.slice(0, 300));
    const url = /id="setup-link-url">([^<]+)</.exec(res.text)?.[1];
    assert.ok(url);
    return new URL(url.replace(/&amp;/g, '&')).searchParams.get('link') ?? '';
  }

  describe('sessions', () => {
    it('sends a visitor without a session to the sign-in page, under a CSP without inline scripts', async () => {
      const res = await request(t.app).get('/admin/ui/t/tenant-a/sso');
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, '/admin/ui/sign-in');
      const page = await request(t.app).get('/admin/ui/sign-in');
      assertPage(page, 200, /<label for="credential">/);
      const csp = page.headers['content-security-policy'] ?? '';
      assert.match(csp, /script-src 'self'/);
      assert.match(csp, /form-action 'self'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline/);
      assert.equal(page.headers['cache-control'], 'no-store');
    });

    it('keeps the session id in an HttpOnly, SameSite=Strict cookie (not Secure on plain http)', async () => {
      const b = browser(t.app);
      const form = await b.page('/admin/ui/sign-in');
      const res = await b.post('/admin/ui/sign-in', { credential: adminA.token }, form.csrf ?? '');
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, '/admin/ui/t/tenant-a/sso');
      const session = setCookies(res).find((c) => c.startsWith('tg_ui='));
      assert.ok(session, setCookies(res).join(' | '));
      assert.match(session, /; Path=\/; HttpOnly; SameSite=Strict$/);
      const id = /^tg_ui=([^;]+)/.exec(session)?.[1] ?? '';
      // Server-side: only the id's hash is a key of the store.
      const keys = await t.container.storage.ephemeral.keys('ui:session:');
      assert.ok(keys.length > 0 && keys.every((k) => !k.includes(id)));
    });

    it('on https: a __Host- cookie with Secure', async () => {
      const https = await startTestApp({ publicUrl: 'https://gateway.example' });
      try {
        const agent = request.agent(https.app);
        const form = await agent.get('/admin/ui/sign-in');
        assert.ok(setCookies(form).some((c) => c.startsWith('__Host-tg_ui_form=') && c.endsWith('; Secure')));
        const res = await agent
          .post('/admin/ui/sign-in')
          .set('Origin', 'https://gateway.example')
          .set('Cookie', setCookies(form)[0]?.split(';')[0] ?? '')
          .type('form')
          .send({ credential: OPERATOR_KEY, _csrf: csrfOf(form.text) });
        assert.equal(res.status, 303, res.text.slice(0, 300));
        const session = setCookies(res).find((c) => c.startsWith('__Host-tg_ui='));
        assert.match(session ?? '', /^__Host-tg_ui=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Secure$/);
      } finally {
        await https.close();
      }
    });

    it('refuses a wrong key with the form again, and starts no session', async () => {
      const b = browser(t.app);
      const form = await b.page('/admin/ui/sign-in');
      const res = await b.post('/admin/ui/sign-in', { credential: 'tga_not-a-real-token' }, form.csrf ?? '');
      assertPage(res, 401, /That key or token is not valid/);
      assert.ok(!setCookies(res).some((c) => c.startsWith('tg_ui=')));
    });

    it('ends the session at sign-out', async () => {
      const b = browser(t.app);
      const { csrf } = await signIn(b, adminA.token);
      const out = await b.post('/admin/ui/sign-out', {}, csrf);
      assert.equal(out.status, 303);
      const after = await b.agent.get('/admin/ui/t/tenant-a/sso');
      assert.equal(after.status, 303);
    });

    it('ends the sessions of a tenant-admin token once it is revoked', async () => {
      const token = await mintAdminToken(t.app, t.operator, 'tenant-a');
      const b = browser(t.app);
      await signIn(b, token.token);
      assert.equal((await b.page('/admin/ui/t/tenant-a/scim')).status, 200);
      const revoked = await request(t.app)
        .delete(`/admin/tenants/tenant-a/admin-tokens/${token.id}`)
        .set('Authorization', t.operator);
      assert.equal(revoked.status, 204);
      const res = await b.agent.get('/admin/ui/t/tenant-a/scim');
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, '/admin/ui/sign-in?ended=1');
      assert.ok(setCookies(res).some((c) => c.startsWith('tg_ui=;') && c.includes('Max-Age=0')));
      const signInPage = await b.page('/admin/ui/sign-in?ended=1');
      assert.match(signInPage.text, /Your session has ended/);
    });

    it("shuts a disabled tenant's admins out: open sessions end, its tokens and setup links do not sign in", async () => {
      const token = await mintAdminToken(t.app, t.operator, 'tenant-a');
      const b = browser(t.app);
      await signIn(b, token.token);
      const operator = browser(t.app);
      await signIn(operator, OPERATOR_KEY);
      const link = await createLink('tenant-a');
      await t.setStatus('tenant-a', 'disabled');
      try {
        const ended = await b.agent.get('/admin/ui/t/tenant-a/scim');
        assert.equal(ended.status, 303);
        assert.equal(ended.headers.location, '/admin/ui/sign-in?ended=1');
        const again = browser(t.app);
        const signInForm = await again.page('/admin/ui/sign-in');
        const refused = await again.post(
          '/admin/ui/sign-in',
          { credential: token.token },
          signInForm.csrf ?? '',
        );
        assertPage(refused, 403, /This organisation is disabled/);
        assert.ok(!setCookies(refused).some((c) => c.startsWith('tg_ui=') && !c.startsWith('tg_ui=;')));
        const visitor = browser(t.app);
        const confirm = await visitor.page(`/admin/ui/setup?link=${link}`);
        const redeemed = await visitor.post('/admin/ui/setup', { link }, confirm.csrf ?? '');
        assertPage(redeemed, 403, /This organisation is disabled/);
        assert.equal((await visitor.agent.get('/admin/ui/t/tenant-a/sso')).status, 303);
        // The operator still manages the disabled tenant.
        assert.equal((await operator.page('/admin/ui/t/tenant-a/sso')).status, 200);
      } finally {
        await t.setStatus('tenant-a', 'active');
      }
      const back = browser(t.app);
      await signIn(back, token.token);
      assert.equal((await back.page('/admin/ui/t/tenant-a/scim')).status, 200);
    });
  });

  describe('CSRF', () => {
    it('refuses a signed-in form post without the CSRF token, as a 403 page, and changes nothing', async () => {
      const b = browser(t.app);
      await signIn(b, adminA.token);
      const before = (await t.container.tenants.listTokens('tenant-a', 'scim')).length;
      const res = await b.agent
        .post('/admin/ui/t/tenant-a/scim/tokens')
        .set('Origin', ORIGIN)
        .type('form')
        .send({ label: 'forged' });
      assertPage(res, 403, /reload the page and try again/);
      const wrong = await b.post('/admin/ui/t/tenant-a/scim/tokens', { label: 'forged' }, 'x'.repeat(43));
      assert.equal(wrong.status, 403);
      assert.equal((await t.container.tenants.listTokens('tenant-a', 'scim')).length, before);
    });

    it('refuses a post from another origin or site even with the right token', async () => {
      const b = browser(t.app);
      const { csrf } = await signIn(b, adminA.token);
      const post = () => b.agent.post('/admin/ui/t/tenant-a/scim/tokens').type('form').send({ _csrf: csrf });
      assertPage(await post().set('Origin', 'https://evil.example'), 403, /not sent from the admin page/);
      assert.equal((await post().set('Sec-Fetch-Site', 'cross-site')).status, 403);
      assert.equal((await post().set('Sec-Fetch-Site', 'same-site')).status, 403);
      assert.equal((await post()).status, 403, 'neither Origin nor Sec-Fetch-Site');
    });

    it('refuses a sign-in post without the form cookie (login CSRF)', async () => {
      const form = await request(t.app).get('/admin/ui/sign-in');
      const res = await request(t.app)
        .post('/admin/ui/sign-in')
        .set('Origin', ORIGIN)
        .type('form')
        .send({ credential: OPERATOR_KEY, _csrf: csrfOf(form.text) });
      assertPage(res, 403, /Not allowed/);
    });
  });

  describe('tenant isolation', () => {
    it("refuses tenant B's pages and forms to a session of tenant A, without naming B", async () => {
      const b = browser(t.app);
      const { csrf } = await signIn(b, adminA.token);
      for (const page of ['sso', 'scim', 'people', 'events', 'setup-links']) {
        const res = await b.agent.get(`/admin/ui/t/tenant-b/${page}`);
        assertPage(res, 403, /belongs to another organisation/);
        assert.doesNotMatch(res.text, /Bravo Secret Corp/);
      }
      const forged = await b.post('/admin/ui/t/tenant-b/scim/tokens', { label: 'x' }, csrf);
      assert.equal(forged.status, 403);
      assert.equal((await t.container.tenants.listTokens('tenant-b', 'scim')).length, 1);
      assert.equal((await b.agent.get('/admin/ui/t/no-such-tenant/sso')).status, 403);
      assert.equal((await b.agent.get('/admin/ui/tenants')).status, 403);
      assert.equal((await b.agent.get('/admin/ui/t/tenant-a/setup-links')).status, 403, 'operator only');
    });

    it('lets the operator pick any tenant', async () => {
      const b = browser(t.app);
      const { location } = await signIn(b, OPERATOR_KEY);
      assert.equal(location, '/admin/ui/tenants');
      const list = await b.page('/admin/ui/tenants');
      assert.match(list.text, /href="\/admin\/ui\/t\/tenant-b\/sso">Bravo Secret Corp</);
      assert.equal((await b.page('/admin/ui/t/tenant-b/scim')).status, 200);
      assertPage(await b.agent.get('/admin/ui/t/no-such-tenant/sso'), 404, /no tenant/);
    });
  });

  describe('SSO and SCIM pages', () => {
    it('uploads a metadata file (multipart) and shows the certificate and our ACS URL', async () => {
      const b = browser(t.app);
      const { csrf } = await signIn(b, adminA.token);
      const res = await b.agent
        .post('/admin/ui/t/tenant-a/sso/metadata')
        .set('Origin', ORIGIN)
        .field('_csrf', csrf)
        .attach('metadataFile', Buffer.from(metadataXml), { filename: 'idp.xml', contentType: 'text/xml' });
      assert.equal(res.status, 303, res.text.slice(0, 500));
      const page = await b.page(res.headers.location ?? '');
      assert.match(page.text, /The IdP metadata was saved/);
      assert.match(page.text, /CN=ui-http-idp/);
      assert.match(page.text, /http:\/\/127\.0\.0\.1:3000\/sso\/tenant-a\/saml\/acs/);
      assert.match(page.text, /Warning: 1 day left/, 'a 2-day certificate is flagged');
    });

    it('shows why metadata was refused, keeps what was pasted, escaped, and stores nothing', async () => {
      const b = browser(t.app);
      const { csrf } = await signIn(b, OPERATOR_KEY);
      const pasted =
        '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"></EntityDescriptor>';
      const res = await b.post('/admin/ui/t/tenant-b/sso/metadata', { metadataXml: pasted }, csrf);
      assertPage(res, 400, /role="alert">metadata has no EntityDescriptor with an IDPSSODescriptor/);
      assert.ok(res.text.includes('&lt;EntityDescriptor xmlns=&quot;urn:oasis'), 'the text is kept, escaped');
      assert.match(res.text, /aria-invalid="true"/);
      const empty = await b.post('/admin/ui/t/tenant-b/sso/metadata', { metadataXml: '' }, csrf);
      assertPage(empty, 400, /Choose a metadata file/);
      const url = await b.post(
        '/admin/ui/t/tenant-b/sso/metadata',
        { metadataUrl: 'ftp://x.example/m' },
        csrf,
      );
      assertPage(url, 400, /value="ftp:\/\/x.example\/m"/);
      const saml = await request(t.app).get('/admin/tenants/tenant-b/saml').set('Authorization', t.operator);
      assert.equal(saml.status, 404);
    });

    it('shows a minted SCIM token once, and logs requests made with it, refused ones with their error', async () => {
      const b = browser(t.app);
      const { csrf } = await signIn(b, adminA.token);
      const form = await b.page('/admin/ui/t/tenant-a/scim');
      const fields = { label: 'Okta <prod>', _once: onceOf(form.text) };
      const res = await b.post('/admin/ui/t/tenant-a/scim/tokens', fields, csrf);
      assert.equal(res.status, 201);
      const resent = await b.post('/admin/ui/t/tenant-a/scim/tokens', fields, csrf);
      assert.equal(resent.status, 303, 'a resubmission (reload) mints nothing');
      assert.match(resent.headers.location ?? '', /done=repeated$/);
      assert.equal(res.headers['cache-control'], 'no-store');
      const token = /id="minted-token">(tgs_[\w-]+)</.exec(res.text)?.[1];
      assert.ok(token, 'the token is on the page');
      assert.match(res.text, /Okta &lt;prod&gt;/);
      const again = await b.page('/admin/ui/t/tenant-a/scim');
      assert.ok(!again.text.includes(token), 'never shown again');
      const scim = await request(t.app)
        .get('/scim/v2/tenant-a/Users')
        .set('Authorization', `Bearer ${token}`);
      assert.equal(scim.status, 200);
      await t.container.scimLog.flush();
      const log = await b.page('/admin/ui/t/tenant-a/scim');
      assert.match(log.text, /<td>GET<\/td><td><code>\/scim\/v2\/tenant-a\/Users<\/code><\/td><td>200/);

      const post = (body: object) =>
        request(t.app)
          .post('/scim/v2/tenant-a/Users')
          .set('Authorization', `Bearer ${token}`)
          .set('Content-Type', 'application/scim+json')
          .send(JSON.stringify(body));
      const user = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'dup@a.example' };
      const noUserName = await post({ schemas: user.schemas, displayName: 'No userName' });
      assert.equal(noUserName.status, 400);
      assert.equal(noUserName.body.detail, '"userName" is required');
      assert.equal((await post(user)).status, 201);
      const duplicate = await post(user);
      assert.equal(duplicate.status, 409);
      assert.equal(duplicate.body.scimType, 'uniqueness');
      await t.container.scimLog.flush();
      const refused = await b.page('/admin/ui/t/tenant-a/scim');
      assert.match(
        refused.text,
        /<td class="status-error">400 \(refused\)<span class="hint"\s*><code>invalidValue<\/code>: &quot;userName&quot; is required<\/span\s*><\/td>/,
        'the scimType and the detail (escaped) beside the refused status',
      );
      assert.match(
        refused.text,
        new RegExp(
          `<td class="status-error">409 \\(refused\\)<span class="hint"\\s*><code>uniqueness</code>: ${duplicate.body.detail as string}</span`,
        ),
      );
      assert.match(refused.text, /<td>201<\/td>/, 'a success shows no error');
    });

    it('answers bad requests with pages: 404, 413, 415', async () => {
      const b = browser(t.app);
      const { csrf } = await signIn(b, adminA.token);
      assertPage(await b.agent.get('/admin/ui/no/such/page'), 404, /Page not found/);
      assertPage(await b.agent.get('/admin/ui/assets/nope.js'), 404, /Page not found/);
      const big = await b.post(
        '/admin/ui/t/tenant-a/scim/tokens',
        { label: 'x'.repeat(2 * 1024 * 1024) },
        csrf,
      );
      assertPage(big, 413, /too large/i);
      const json = await b.agent
        .post('/admin/ui/t/tenant-a/scim/tokens')
        .set('Origin', ORIGIN)
        .send({ _csrf: csrf });
      assertPage(json, 415, /Not a form/);
    });
  });

  describe('setup links', () => {
    async function redeem(secret: string) {
      const visitor = browser(t.app);
      const confirm = await visitor.page(`/admin/ui/setup?link=${secret}`);
      return {
        visitor,
        confirm,
        res: () => visitor.post('/admin/ui/setup', { link: secret }, confirm.csrf ?? ''),
      };
    }

    it('signs one person in to that tenant only, once; opening it (GET) spends nothing', async () => {
      const secret = await createLink();
      const first = await redeem(secret);
      assertPage(first.confirm, 200, /Set up single sign-on for Bravo Secret Corp/);
      assert.equal((await redeem(secret)).confirm.status, 200, 'still unused after two GETs');
      const res = await first.res();
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, '/admin/ui/t/tenant-b/sso');
      assert.equal((await first.visitor.page('/admin/ui/t/tenant-b/sso')).status, 200);
      assert.equal((await first.visitor.page('/admin/ui/t/tenant-a/sso')).status, 403);
      assert.equal((await first.visitor.page('/admin/ui/t/tenant-b/setup-links')).status, 403);
      const late = await redeem(secret);
      assertPage(late.confirm, 404, /not valid any more/);
      const events = await request(t.app)
        .get('/admin/tenants/tenant-b/events?types=setup_link.created,setup_link.redeemed')
        .set('Authorization', t.operator);
      const types = (events.body as { data: { type: string; actor: { type: string } }[] }).data;
      assert.deepEqual(
        types.slice(-2).map((e) => `${e.type} by ${e.actor.type}`),
        ['setup_link.created by operator', 'setup_link.redeemed by setup_link'],
      );
    });

    it('lets exactly one of two racing redemptions win', async () => {
      const secret = await createLink();
      const one = await redeem(secret);
      const two = await redeem(secret);
      const results = await Promise.all([one.res(), two.res()]);
      assert.deepEqual(results.map((r) => r.status).sort(), [303, 404]);
    });

    it('does not open once expired, nor once revoked (which also ends its session)', async () => {
      const c = t.container;
      const past = createSetupLinks({
        tenants: c.storage.tenants,
        links: c.storage.setupLinks,
        audit: c.audit,
        maxHours: 24,
        now: () => Date.now() - 2 * 3_600_000,
      });
      const { secret: expired } = await past.create({ requestId: null, actor: null }, 'tenant-b', 1);
      assertPage((await redeem(expired)).confirm, 404, /not valid any more/);
      const visitor0 = browser(t.app);
      const form = await visitor0.page('/admin/ui/sign-in');
      assertPage(
        await visitor0.post('/admin/ui/setup', { link: expired }, form.csrf ?? ''),
        404,
        /not valid any more/,
      );
      assert.equal(await c.setupLinks.redeem(expired, null), undefined);

      const secret = await createLink();
      const { visitor, res } = await redeem(secret);
      assert.equal((await res()).status, 303);
      const link = (await c.setupLinks.list('tenant-b')).find((l) => l.state === 'used');
      assert.ok(link);
      await c.setupLinks.revoke({ requestId: null, actor: null }, 'tenant-b', link.id);
      assert.equal((await visitor.agent.get('/admin/ui/t/tenant-b/sso')).status, 303);
    });
  });

  describe('test sign-in', () => {
    let idp: ReturnType<typeof samlIdp>;
    let adminAcme: string;

    before(async () => {
      await t.tenant('acme');
      idp = samlIdp(opensslKeyPair('ui-test-idp'));
      await t.container.saml.put({ requestId: null, actor: null }, 'acme', { xml: idp.getMetadata() });
      adminAcme = (await mintAdminToken(t.app, t.operator, 'acme')).token;
    });

    async function start(b: ReturnType<typeof browser>, csrf: string) {
      const res = await b.post('/admin/ui/t/acme/sso/test', {}, csrf);
      assert.equal(res.status, 303, res.text.slice(0, 300));
      assert.match(res.headers.location ?? '', /^https:\/\/idp\.test\/sso\?SAMLRequest=/);
      return authnRequestId(res.headers.location ?? '');
    }

    it('shows the result only to the session that started it, once, and links no account', async () => {
      const b = browser(t.app);
      const { csrf } = await signIn(b, adminAcme);
      const { id, relayState } = await start(b, csrf);
      const response = await samlResponse({ base: ORIGIN }, idp, {
        inResponseTo: id,
        nameId: 'lin@acme.com',
      });
      // The IdP's cross-site POST carries no cookie of ours.
      const acs = await request(t.app)
        .post('/sso/acme/saml/acs')
        .type('form')
        .send({ SAMLResponse: response, RelayState: relayState });
      assert.equal(acs.status, 303);
      const result = acs.headers.location ?? '';
      assert.match(result, /^\/admin\/ui\/test-result\?token=/);
      assertPage(await request(t.app).get(result), 200, /Show the result/);
      const operator = browser(t.app);
      await signIn(operator, OPERATOR_KEY);
      assertPage(await operator.agent.get(result), 404, /belongs to another session/);
      const shown = await b.page(result);
      assertPage(shown, 200, /Mapped profile[\s\S]*lin@acme\.com/);
      assert.equal((await b.page(result)).status, 404, 'once');
      const acme = await t.container.tenants.bySlug('acme');
      assert.equal(await t.container.storage.accounts.getByUserName(acme.id, 'lin@acme.com'), undefined);
    });

    it('shows why a refused answer was refused, to the admin', async () => {
      const b = browser(t.app);
      const { csrf } = await signIn(b, adminAcme);
      const { id, relayState } = await start(b, csrf);
      const response = await samlResponse({ base: ORIGIN }, idp, {
        inResponseTo: id,
        audience: 'https://other.example',
      });
      const acs = await request(t.app)
        .post('/sso/acme/saml/acs')
        .type('form')
        .send({ SAMLResponse: response, RelayState: relayState });
      const shown = await b.page(acs.headers.location ?? '');
      assertPage(shown, 200, /role="alert">\s*The IdP's answer was refused: wrong_audience/);
    });

    it('cannot be started without a SAML connection', async () => {
      const b = browser(t.app);
      await t.tenant('no-saml');
      const { csrf } = await signIn(b, OPERATOR_KEY);
      assertPage(
        await b.post('/admin/ui/t/no-saml/sso/test', {}, csrf),
        400,
        /Upload your IdP metadata first/,
      );
    });
  });
});
