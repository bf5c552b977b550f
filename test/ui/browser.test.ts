/**
 * The admin page in a real browser: playwright-core driving Debian's Chromium against the real
 * gateway (SQLite file, HTTP on 127.0.0.1). Screenshots of every page at 1280 and 390 px go to
 * test/artifacts/ (ignored by git). Without /usr/bin/chromium the suite is skipped, except under
 * CI (`CI` set), where it fails: .ci/run installs Chromium.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { authnRequestId, opensslKeyPair, samlIdp } from '../signin/support.ts';
import { samlResponse } from '../connections/saml/saml-response.ts';
import { startCompanyIdp } from '../connections/oidc/idp.ts';
import { OPERATOR_KEY } from '../support/app.ts';
import { startGateway } from './gateway.ts';
import type { Gateway } from './gateway.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = 'test/artifacts';
const WIDTHS = [1280, 390] as const;
const CHECKS = readFileSync(new URL('./page-checks.js', import.meta.url), 'utf8');
const SYSTEM = { requestId: null, actor: { type: 'operator' as const, id: null } };

interface PageChecks {
  scrollWidth: number;
  viewport: number;
  unlabelled: string[];
  nameless: string[];
  headingsInOrder: boolean;
  lowContrast: string[];
  hasMain: boolean;
  skipLink: boolean;
}

/** Screenshots at both widths, and the accessibility and layout checks at each. */
async function capture(page: Page, name: string): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    const checks = await page.evaluate<PageChecks>(CHECKS);
    assert.ok(
      checks.scrollWidth <= width,
      `${name} at ${width}px scrolls sideways (${checks.scrollWidth}px)`,
    );
    assert.deepEqual(checks.unlabelled, [], `${name}: inputs without a label`);
    assert.deepEqual(checks.nameless, [], `${name}: buttons or links without a name`);
    assert.deepEqual(checks.lowContrast, [], `${name} at ${width}px: text below 4.5:1`);
    assert.ok(checks.headingsInOrder, `${name}: headings skip a level or do not start at h1`);
    assert.ok(checks.hasMain && checks.skipLink, `${name}: main landmark and skip link`);
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe('admin page in Chromium', function () {
  this.timeout(120_000);
  let gateway: Gateway;
  let browser: Browser;
  let adminToken: string;
  let metadataFile: string;
  let badFile: string;
  let idp: ReturnType<typeof samlIdp>;
  const violations: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI)
        throw new Error(`chromium not installed at ${CHROMIUM}: CI must install it (.ci/run)`);
      console.log('    skipped: chromium not installed: apt-get install -y chromium');
      this.skip();
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    gateway = await startGateway();
    const c = gateway.container;
    await c.tenants.create(SYSTEM, { slug: 'acme', name: 'Acme Inc', domains: ['acme.test'] });
    await c.tenants.create(SYSTEM, { slug: 'globex', name: 'Globex Corporation' });
    adminToken = (await c.tenants.mintToken(SYSTEM, 'acme', 'admin', 'browser test')).token;
    const dir = mkdtempSync(join(tmpdir(), 'trustgate-ui-files-'));
    metadataFile = join(dir, 'okta-metadata.xml');
    idp = samlIdp(opensslKeyPair('browser-idp.acme.test'));
    writeFileSync(metadataFile, idp.getMetadata());
    badFile = join(dir, 'not-metadata.xml');
    writeFileSync(badFile, '<html><body>this is a login page, not metadata</body></html>');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  after(async () => {
    await browser?.close();
    await gateway?.close();
  });

  async function newContext(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gateway.url });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    return { context, page };
  }

  async function signIn(page: Page, credential: string): Promise<void> {
    await page.goto(`${gateway.url}/admin/ui`);
    await capture(page, 'sign-in');
    await page.getByLabel('Operator key or tenant-admin token').fill(credential);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('signs a tenant admin in with a token, in a secure session cookie', async () => {
    const { context, page } = await newContext();
    await signIn(page, adminToken);
    await page.waitForURL(/\/admin\/ui\/t\/acme\/sso$/);
    const cookie = (await context.cookies()).find((c) => c.name === 'tg_ui');
    assert.ok(cookie, 'session cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(await page.evaluate('document.cookie'), '', 'not readable by scripts');
    await context.close();
  });

  it('uploads a metadata file and shows the parsed certificate and our ACS URL', async () => {
    const { context, page } = await newContext();
    await signIn(page, adminToken);
    await page.waitForURL(/\/sso$/);
    await page.getByLabel('Metadata file').setInputFiles(metadataFile);
    await page.getByRole('button', { name: 'Upload metadata' }).click();
    await page.getByText('The IdP metadata was saved.').waitFor();
    const certs = page.getByRole('table', { name: 'Signing certificates' });
    assert.match(await certs.innerText(), /CN=browser-idp\.acme\.test/);
    assert.match(await certs.innerText(), /Warning: 1 day left/);
    assert.equal(await page.locator('#sp-acs-url').innerText(), `${gateway.url}/sso/acme/saml/acs`);
    // The copy button works: ui.js ran under the page CSP.
    const copy = page.getByRole('button', { name: 'Copy ACS URL' });
    await copy.click();
    await page.getByRole('button', { name: 'Copy ACS URL' }).filter({ hasText: 'Copied' }).waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), `${gateway.url}/sso/acme/saml/acs`);
    await capture(page, 'sso');
    await context.close();
  });

  it('shows a bad metadata upload as a clear error on the page', async () => {
    const { context, page } = await newContext();
    await signIn(page, adminToken);
    await page.waitForURL(/\/sso$/);
    await page.getByLabel('Metadata file').setInputFiles(badFile);
    await page.getByRole('button', { name: 'Upload metadata' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /metadata/i);
    assert.equal(await page.getByLabel('Metadata file').getAttribute('aria-invalid'), 'true');
    await capture(page, 'sso-error');
    await context.close();
  });

  it('mints a SCIM token, shows it once, and logs a SCIM request made with it', async () => {
    const { context, page } = await newContext();
    await signIn(page, adminToken);
    await page.getByRole('link', { name: 'SCIM' }).click();
    await page.getByLabel(/^Label/).fill('Okta provisioning');
    await page.getByRole('button', { name: 'Mint a SCIM token' }).click();
    const token = (await page.locator('#minted-token').innerText()).trim();
    assert.match(token, /^tgs_[\w-]{43}$/);
    await capture(page, 'scim-minted');
    await page.reload();
    assert.equal(await page.locator('#minted-token').count(), 0, 'shown once only');
    assert.ok(!(await page.content()).includes(token));

    const created = await fetch(`${gateway.url}/scim/v2/acme/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'ada@acme.test',
        displayName: 'Ada Lovelace',
        emails: [{ value: 'ada@acme.test', primary: true }],
      }),
    });
    assert.equal(created.status, 201);
    const refused = await fetch(`${gateway.url}/scim/v2/acme/Users?filter=bogus`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(refused.status, 400);
    await gateway.container.scimLog.flush();
    await page.reload();
    const log = page.getByRole('table', { name: 'Most recent first' });
    const text = await log.innerText();
    assert.match(text, /POST\s+\/scim\/v2\/acme\/Users\s+201/);
    assert.match(text, /GET\s+\/scim\/v2\/acme\/Users\s+400 \(refused\)/);
    await capture(page, 'scim');

    await page.getByRole('link', { name: 'People and teams' }).click();
    await page.getByLabel(/^Search/).fill('lovelace');
    await page.getByRole('button', { name: 'Search' }).click();
    assert.match(await page.getByRole('table').first().innerText(), /ada@acme\.test/);
    await capture(page, 'people');
    await page.getByRole('link', { name: 'Events' }).click();
    assert.match(await page.locator('main').innerText(), /account\.created/);
    await capture(page, 'events');
    await context.close();
  });

  it('refuses a form posted without its CSRF token', async () => {
    const { context, page } = await newContext();
    await signIn(page, adminToken);
    await page.getByRole('link', { name: 'SCIM' }).click();
    const before = (await gateway.container.tenants.listTokens('acme', 'scim')).length;
    await page.evaluate(
      'document.querySelector(\'form[action$="/scim/tokens"] input[name=_csrf]\').remove()',
    );
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/scim/tokens')),
      page.getByRole('button', { name: 'Mint a SCIM token' }).click(),
    ]);
    assert.equal(response.status(), 403);
    await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    assert.equal((await gateway.container.tenants.listTokens('acme', 'scim')).length, before);
    await capture(page, 'csrf-refused');
    await context.close();
  });

  it("keeps a tenant admin out of another tenant's pages", async () => {
    const { context, page } = await newContext();
    await signIn(page, adminToken);
    const res = await page.goto(`${gateway.url}/admin/ui/t/globex/sso`);
    assert.equal(res?.status(), 403);
    assert.ok(!(await page.content()).includes('Globex Corporation'));
    await context.close();
  });

  it('lets the operator pick a tenant and hand its admin a single-use setup link', async () => {
    const { context, page } = await newContext();
    await signIn(page, OPERATOR_KEY);
    await page.waitForURL(/\/admin\/ui\/tenants$/);
    await capture(page, 'tenants');
    await page.getByRole('link', { name: 'Globex Corporation' }).click();
    await page.getByRole('link', { name: 'Setup links' }).click();
    await page.getByLabel('Valid for').selectOption('24');
    await page.getByRole('button', { name: 'Create a setup link' }).click();
    const url = (await page.locator('#setup-link-url').innerText()).trim();
    assert.match(url, /\/admin\/ui\/setup\?link=tgl_/);
    await capture(page, 'setup-links');

    const invited = await newContext();
    await invited.page.goto(url);
    await invited.page
      .getByRole('heading', { name: 'Set up single sign-on for Globex Corporation' })
      .waitFor();
    await capture(invited.page, 'setup-confirm');
    await invited.page.getByRole('button', { name: 'Continue' }).click();
    await invited.page.waitForURL(/\/admin\/ui\/t\/globex\/sso$/);
    assert.match(await invited.page.locator('header').innerText(), /Invited admin of globex/);

    const again = await newContext();
    const second = await again.page.goto(url);
    assert.equal(second?.status(), 404, 'a used link opens nothing');
    await capture(again.page, 'setup-used');
    await Promise.all([context.close(), invited.context.close(), again.context.close()]);
  });

  it('runs a test sign-in through the IdP and shows the mapped profile, signing no one in', async () => {
    const { context, page } = await newContext();
    // The IdP (https://idp.test, another site): answers the AuthnRequest with a signed response
    // posted back to our ACS by an auto-submitting form, as real IdPs do.
    await context.route('https://idp.test/**', async (route) => {
      const { id, relayState } = authnRequestId(route.request().url());
      const response = await samlResponse({ base: gateway.url }, idp, {
        inResponseTo: id,
        nameId: 'grace@acme.test',
        attributes: { email: 'grace@acme.test', firstName: 'Grace', lastName: 'Hopper' },
      });
      await route.fulfill({
        contentType: 'text/html',
        body: `<form method="post" action="${gateway.url}/sso/acme/saml/acs"><input type="hidden" name="SAMLResponse" value="${response}"><input type="hidden" name="RelayState" value="${relayState}"></form><script>document.forms[0].submit()</script>`,
      });
    });
    await signIn(page, adminToken);
    await page.waitForURL(/\/sso$/);
    await page.getByRole('button', { name: 'Test SAML sign-in' }).click();
    // Back from another site, the Strict cookie is not sent: one same-site click shows the result.
    await page.getByRole('link', { name: 'Show the result' }).click();
    await page.getByRole('heading', { name: 'Mapped profile' }).waitFor();
    const profile = await page.locator('main dl').innerText();
    assert.match(profile, /grace@acme\.test/);
    assert.match(profile, /Hopper/);
    await capture(page, 'test-sign-in');
    const acme = await gateway.container.tenants.bySlug('acme');
    const found = await gateway.container.storage.accounts.getByUserName(acme.id, 'grace@acme.test');
    assert.equal(found, undefined, 'a test sign-in creates no account');
    assert.equal((await page.reload())?.status(), 404, 'shown once');
    await context.close();
  });

  it('runs a test sign-in through an OpenID Connect IdP (oidc-provider) and shows the mapped profile', async () => {
    const company = await startCompanyIdp({
      redirectUris: [`${gateway.url}/sso/acme/oidc/callback`],
      people: [{ sub: 'idp-mary', email: 'mary@acme.test', given_name: 'Mary', family_name: 'Jackson' }],
    });
    try {
      await gateway.container.oidc.put(SYSTEM, 'acme', {
        issuer: company.issuer,
        clientId: company.clientId,
        clientSecret: company.clientSecret,
      });
      const { context, page } = await newContext();
      await signIn(page, adminToken);
      await page.waitForURL(/\/sso$/);
      // The form's redirect to the IdP is allowed by the page's CSP (form-action names the IdP).
      await page.getByRole('button', { name: 'Test OpenID Connect sign-in' }).click();
      await page.waitForURL(/\/admin\/ui\/test-result/);
      // 127.0.0.1 on another port is the same site: the session cookie may come back at once.
      const interstitial = page.getByRole('link', { name: 'Show the result' });
      if (await interstitial.isVisible()) await interstitial.click();
      await page.getByRole('heading', { name: 'Mapped profile' }).waitFor();
      const profile = await page.locator('main dl').innerText();
      assert.match(profile, /OIDC/);
      assert.match(profile, /idp-mary/);
      assert.match(profile, /Jackson/);
      await capture(page, 'test-sign-in-oidc');
      const acme = await gateway.container.tenants.bySlug('acme');
      const found = await gateway.container.storage.accounts.getByUserName(acme.id, 'mary@acme.test');
      assert.equal(found, undefined, 'a test sign-in creates no account');
      const linked = await gateway.container.storage.accounts.findBySubject(
        acme.id,
        `oidc|${company.issuer}|idp-mary`,
      );
      assert.equal(linked, undefined, 'and links no subject');
      await context.close();
    } finally {
      await company.close();
    }
  });

  it('moves through a page by keyboard, skip link first', async () => {
    const { context, page } = await newContext();
    await signIn(page, adminToken);
    await page.waitForURL(/\/sso$/);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Skip to content');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate('document.activeElement.id'), 'main');
    await context.close();
  });

  it('ran without a single CSP violation', () => {
    assert.deepEqual(violations, []);
  });
});
