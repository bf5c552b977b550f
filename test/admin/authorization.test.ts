import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { adminRouter } from '../../src/app.ts';
import { startTestApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { routerRoutes } from '../support/routes.ts';
import type { DeclaredRoute } from '../support/routes.ts';

function call(t: TestApp, method: string, path: string): request.Test {
  const agent = request(t.app);
  switch (method) {
    case 'GET':
      return agent.get(path);
    case 'POST':
      return agent.post(path);
    case 'PUT':
      return agent.put(path);
    case 'PATCH':
      return agent.patch(path);
    case 'DELETE':
      return agent.delete(path);
    default:
      throw new Error(`no test call for ${method}`);
  }
}

/** The admin routes as the app mounts them, read from the routers themselves. */
function adminRoutes(t: TestApp): DeclaredRoute[] {
  return routerRoutes(adminRouter(t.container), '/admin');
}

describe('admin authorization is declared per route group', () => {
  let t: TestApp;
  let routes: DeclaredRoute[];
  let other: { id: string; name: string };
  let adminTokenOfA: string;

  before(async () => {
    t = await startTestApp();
    await t.tenant('tenant-a');
    await t.tenant('tenant-b');
    const b = await request(t.app).get('/admin/tenants/tenant-b').set('Authorization', t.operator);
    other = { id: (b.body as { id: string }).id, name: (b.body as { name: string }).name };
    const minted = await request(t.app)
      .post('/admin/tenants/tenant-a/admin-tokens')
      .set('Authorization', t.operator)
      .send({});
    adminTokenOfA = `Bearer ${(minted.body as { token: string }).token}`;
    routes = adminRoutes(t);
  });
  after(() => t.close());

  it('finds every route of the admin routers (the list is not written by hand)', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    for (const expected of [
      'POST /admin/tenants',
      'GET /admin/tenants/:slug',
      'DELETE /admin/tenants/:slug/scim-tokens/:id',
      'PUT /admin/tenants/:slug/saml',
      'PUT /admin/tenants/:slug/oidc',
      'GET /admin/tenants/:slug/audit',
      'POST /admin/clients',
    ])
      assert.ok(names.includes(expected), `${expected} in ${names.join(', ')}`);
  });

  it('refuses, on every route under /admin/tenants/:slug, a tenant-admin token of another tenant', async () => {
    const tenantRoutes = routes.filter((r) => r.path.startsWith('/admin/tenants/:slug'));
    assert.ok(tenantRoutes.length >= 12, `only ${tenantRoutes.length} tenant routes found`);
    for (const route of tenantRoutes) {
      const path = route.path.replace(':slug', 'tenant-b').replace(/:[a-zA-Z]+/g, randomUUID());
      const res = await call(t, route.method, path)
        .set('Authorization', adminTokenOfA)
        .set('Content-Type', 'application/json')
        .send(route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}');
      assert.equal(res.status, 403, `${route.method} ${route.path}: ${res.status} ${res.text}`);
      assert.equal((res.body as { error: { code: string } }).error.code, 'forbidden');
      assert.ok(!res.text.includes(other.id) && !res.text.includes(other.name), `${route.path} leaks B`);
    }
    // Tenant B is untouched: still there, with its own tokens.
    const b = await request(t.app).get('/admin/tenants/tenant-b').set('Authorization', t.operator);
    assert.equal(b.status, 200);
  });

  it("shuts a disabled tenant's own admin token out of every route under /admin/tenants/:slug, until it is enabled again", async () => {
    const asAdminOfA = () =>
      request(t.app).get('/admin/tenants/tenant-a').set('Authorization', adminTokenOfA);
    assert.equal((await asAdminOfA()).status, 200);
    await t.setStatus('tenant-a', 'disabled');
    try {
      const tenantRoutes = routes.filter((r) => r.path.startsWith('/admin/tenants/:slug'));
      for (const route of tenantRoutes) {
        const path = route.path.replace(':slug', 'tenant-a').replace(/:[a-zA-Z]+/g, randomUUID());
        const res = await call(t, route.method, path)
          .set('Authorization', adminTokenOfA)
          .set('Content-Type', 'application/json')
          .send(route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}');
        assert.equal(res.status, 403, `${route.method} ${route.path}: ${res.status} ${res.text}`);
        assert.equal((res.body as { error: { code: string } }).error.code, 'tenant_disabled');
      }
      // A token of the disabled tenant cannot re-enable it either; the operator still reaches it.
      const reenable = await request(t.app)
        .patch('/admin/tenants/tenant-a')
        .set('Authorization', adminTokenOfA)
        .send({ status: 'active' });
      assert.equal(reenable.status, 403);
      const seen = await request(t.app).get('/admin/tenants/tenant-a').set('Authorization', t.operator);
      assert.equal((seen.body as { status: string }).status, 'disabled');
    } finally {
      await t.setStatus('tenant-a', 'active');
    }
    assert.equal((await asAdminOfA()).status, 200);
  });

  it('refuses every /admin/clients route to a tenant-admin token', async () => {
    const clientRoutes = routes.filter((r) => r.path.startsWith('/admin/clients'));
    assert.ok(clientRoutes.length >= 4);
    for (const route of clientRoutes) {
      const path = route.path.replace(/:[a-zA-Z]+/g, 'app_x');
      const res = await call(t, route.method, path)
        .set('Authorization', adminTokenOfA)
        .set('Content-Type', 'application/json')
        .send(route.method === 'POST' ? '{}' : undefined);
      assert.equal(res.status, 403, `${route.method} ${route.path}: ${res.status}`);
    }
  });
});
