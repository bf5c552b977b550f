/**
 * Every route of the admin page, read from its router (not listed by hand): each tenant page
 * refuses another tenant's session, and each POST refuses a form without the CSRF token.
 */
import assert from 'node:assert/strict';
import { adminUiRouter } from '../../src/app.ts';
import { startTestApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { routerRoutes } from '../support/routes.ts';
import type { DeclaredRoute } from '../support/routes.ts';
import { ORIGIN, browser, mintAdminToken, signIn } from './support.ts';

function uiRoutes(t: TestApp): DeclaredRoute[] {
  return routerRoutes(adminUiRouter(t.container), '/admin/ui');
}

const concrete = (path: string, slug: string) => path.replace(':slug', slug).replace(/:\w+/g, 'x');

describe('admin page routes', () => {
  let t: TestApp;
  let routes: DeclaredRoute[];

  before(async () => {
    t = await startTestApp();
    await t.tenant('tenant-a');
    await t.tenant('tenant-b');
    routes = uiRoutes(t);
  });
  after(() => t.close());

  it('are found by walking the router', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    for (const expected of [
      'GET /admin/ui/sign-in',
      'POST /admin/ui/sign-out',
      'GET /admin/ui/t/:slug/sso',
      'POST /admin/ui/t/:slug/scim/tokens',
      'POST /admin/ui/t/:slug/setup-links',
      'POST /admin/ui/setup',
    ])
      assert.ok(names.includes(expected), `${expected} in ${names.join(', ')}`);
  });

  it('refuse, on every tenant page and form, a session of another tenant', async () => {
    const b = browser(t.app);
    const { csrf } = await signIn(b, (await mintAdminToken(t.app, t.operator, 'tenant-a')).token);
    const tenantRoutes = routes.filter((r) => r.path.startsWith('/admin/ui/t/:slug'));
    assert.ok(tenantRoutes.length >= 10, `only ${tenantRoutes.length}`);
    for (const route of tenantRoutes) {
      const path = concrete(route.path, 'tenant-b');
      const res = route.method === 'GET' ? await b.agent.get(path) : await b.post(path, {}, csrf);
      assert.equal(res.status, 403, `${route.method} ${route.path}: ${res.status}`);
    }
  });

  it('refuse, on every POST, a same-origin form without the CSRF token', async () => {
    const b = browser(t.app);
    await signIn(b, t.operator.replace('Bearer ', ''));
    const posts = routes.filter((r) => r.method === 'POST');
    assert.ok(posts.length >= 8);
    for (const route of posts) {
      const res = await b.agent
        .post(concrete(route.path, 'tenant-a'))
        .set('Origin', ORIGIN)
        .type('form')
        .send({ label: 'x' });
      assert.equal(res.status, 403, `${route.path}: ${res.status}`);
      assert.match(res.text, /<h1>Not allowed<\/h1>/);
    }
  });
});
