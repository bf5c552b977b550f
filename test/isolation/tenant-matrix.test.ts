/**
 * Tenant isolation across the SCIM, admin and events surfaces (docs/security.md, "Tenant
 * isolation"): tenant A's credentials, aimed at tenant B's resources by B's slug or by B's real
 * ids under A's own slug, get 401/403/404 (or an empty result) and never a byte of B's data, and
 * B's data is unchanged afterwards. The route lists are read from the code (the SCIM route table,
 * the admin routers), so a new route joins the matrix by itself — or fails it until its ids are
 * named here.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { adminRouter } from '../../src/app.ts';
import { ROUTES } from '../../src/scim/dispatch.ts';
import { startTestApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { routerRoutes } from '../support/routes.ts';
import type { DeclaredRoute } from '../support/routes.ts';

const SCIM = 'application/scim+json';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

function send(t: TestApp, method: string, path: string, auth: string, body?: unknown, type = SCIM) {
  const agent = request(t.app);
  const req =
    method === 'GET'
      ? agent.get(path)
      : method === 'POST'
        ? agent.post(path)
        : method === 'PUT'
          ? agent.put(path)
          : method === 'PATCH'
            ? agent.patch(path)
            : method === 'DELETE'
              ? agent.delete(path)
              : undefined;
  if (!req) throw new Error(`no test call for ${method}`);
  req.set('Authorization', auth);
  return body === undefined ? req : req.set('Content-Type', type).send(JSON.stringify(body));
}

interface TenantB {
  readonly tenantId: string;
  readonly slug: string;
  readonly scim: string;
  readonly admin: string;
  readonly userId: string;
  readonly userName: string;
  readonly groupId: string;
  readonly groupName: string;
  readonly scimTokenId: string;
  readonly adminTokenId: string;
  readonly webhookId: string;
}

/** Every string of B's that must never appear in an answer to A. */
const secretsOf = (b: TenantB): string[] => [
  b.tenantId,
  b.userId,
  b.userName,
  b.groupId,
  b.groupName,
  b.scimTokenId,
  b.adminTokenId,
  b.webhookId,
];

function assertNoLeak(b: TenantB, label: string, text: string): void {
  for (const secret of secretsOf(b))
    assert.ok(!text.includes(secret), `${label} leaks ${secret} of tenant B: ${text.slice(0, 300)}`);
}

/** A body the route would accept, so that what answers is the tenant check, not validation. */
function scimBody(route: { method: string; path: string }, b: TenantB): unknown {
  const resource = route.path.startsWith('/Groups') ? 'Groups' : 'Users';
  if (route.path.endsWith('.search'))
    return {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: resource === 'Groups' ? `displayName eq "${b.groupName}"` : `userName eq "${b.userName}"`,
    };
  if (route.method === 'PATCH')
    return resource === 'Groups'
      ? { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'taken over' }] }
      : { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] };
  if (route.method === 'PUT' || route.method === 'POST')
    return resource === 'Groups'
      ? { schemas: [GROUP_SCHEMA], displayName: `copy-${Date.now()}`, members: [{ value: b.userId }] }
      : { schemas: [USER_SCHEMA], userName: `copy-${Date.now()}@a.example`, active: true };
  return undefined;
}

describe('tenant isolation matrix: SCIM, admin and events surfaces', () => {
  let t: TestApp;
  let a: { slug: string; scim: string; admin: string };
  let b: TenantB;
  let original: { user: string; group: string; events: string };

  async function adminToken(slug: string): Promise<{ id: string; token: string }> {
    const res = await request(t.app)
      .post(`/admin/tenants/${slug}/admin-tokens`)
      .set('Authorization', t.operator)
      .send({});
    return res.body as { id: string; token: string };
  }

  before(async () => {
    // The matrix is itself a burst of refused credentials from one address, which the lockout
    // would answer with 429 (proven in test/scim/lockout.test.ts): off here, so each route's own
    // answer is what is checked.
    t = await startTestApp({ lockoutFailures: 0 });
    const ta = await t.tenant('tenant-a');
    const tb = await t.tenant('tenant-b');
    a = {
      slug: ta.slug,
      scim: `Bearer ${ta.scimToken}`,
      admin: `Bearer ${(await adminToken('tenant-a')).token}`,
    };
    const bAdmin = await adminToken('tenant-b');
    const bScim = `Bearer ${tb.scimToken}`;
    const userName = 'secret.person@tenant-b.example';
    const user = await send(t, 'POST', '/scim/v2/tenant-b/Users', bScim, {
      schemas: [USER_SCHEMA],
      userName,
      active: true,
    });
    assert.equal(user.status, 201, user.text);
    const userId = (user.body as { id: string }).id;
    const groupName = 'B Secret Project';
    const group = await send(t, 'POST', '/scim/v2/tenant-b/Groups', bScim, {
      schemas: [GROUP_SCHEMA],
      displayName: groupName,
      members: [{ value: userId }],
    });
    assert.equal(group.status, 201, group.text);
    const webhook = await request(t.app)
      .post('/admin/tenants/tenant-b/webhooks')
      .set('Authorization', t.operator)
      .send({ url: 'http://127.0.0.1:9/b-hook' });
    assert.equal(webhook.status, 201, webhook.text);
    const tokens = await request(t.app)
      .get('/admin/tenants/tenant-b/scim-tokens')
      .set('Authorization', t.operator);
    const tenant = await request(t.app).get('/admin/tenants/tenant-b').set('Authorization', t.operator);
    b = {
      tenantId: (tenant.body as { id: string }).id,
      slug: 'tenant-b',
      scim: bScim,
      admin: `Bearer ${bAdmin.token}`,
      userId,
      userName,
      groupId: (group.body as { id: string }).id,
      groupName,
      scimTokenId: (tokens.body as { data: { id: string }[] }).data[0]?.id ?? '',
      adminTokenId: bAdmin.id,
      webhookId: (webhook.body as { id: string }).id,
    };
    original = {
      user: (await send(t, 'GET', `/scim/v2/tenant-b/Users/${userId}`, bScim)).text,
      group: (await send(t, 'GET', `/scim/v2/tenant-b/Groups/${b.groupId}`, bScim)).text,
      events: (await send(t, 'GET', '/admin/tenants/tenant-b/events?limit=100', b.admin)).text,
    };
  });
  after(() => t.close());

  const scimRoutes = [...ROUTES, { method: 'POST', path: '/Bulk' }];

  it("refuses A's SCIM token on every SCIM route under B's slug (401, nothing of B)", async () => {
    assert.ok(scimRoutes.length >= 20, `only ${scimRoutes.length} SCIM routes`);
    for (const route of scimRoutes) {
      const path = `/scim/v2/${b.slug}${route.path.replace(':id', route.path.startsWith('/Groups') ? b.groupId : b.userId)}`;
      const body =
        route.path === '/Bulk'
          ? { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [] }
          : scimBody(route, b);
      const res = await send(t, route.method, path, a.scim, body);
      assert.equal(res.status, 401, `${route.method} ${route.path}: ${res.status} ${res.text}`);
      assert.match(res.headers['content-type'] ?? '', /application\/scim\+json/);
      assertNoLeak(b, `${route.method} ${route.path}`, res.text);
    }
  });

  it("answers A's SCIM token on A's own slug with B's real ids as if they did not exist", async () => {
    for (const route of scimRoutes.filter((r) => r.path.includes(':id'))) {
      const id = route.path.startsWith('/Groups') ? b.groupId : b.userId;
      const res = await send(
        t,
        route.method,
        `/scim/v2/${a.slug}${route.path.replace(':id', id)}`,
        a.scim,
        scimBody(route, b),
      );
      assert.equal(res.status, 404, `${route.method} ${route.path} with B's id: ${res.status} ${res.text}`);
      assertNoLeak(b, `${route.method} ${route.path}`, res.text.replaceAll(id, '(the id asked for)'));
    }
  });

  it("finds nothing of B through A's filters, searches and root search", async () => {
    const filters = [
      `/Users?filter=${encodeURIComponent(`id eq "${b.userId}"`)}`,
      `/Users?filter=${encodeURIComponent(`userName eq "${b.userName}"`)}`,
      `/Users?filter=${encodeURIComponent(`userName sw "secret"`)}`,
      `/Groups?filter=${encodeURIComponent(`members[value eq "${b.userId}"]`)}`,
      `/Groups?filter=${encodeURIComponent(`displayName eq "${b.groupName}"`)}`,
      `/Groups?filter=${encodeURIComponent(`id eq "${b.groupId}"`)}`,
    ];
    for (const path of filters) {
      const res = await send(t, 'GET', `/scim/v2/${a.slug}${path}`, a.scim);
      assert.equal(res.status, 200, `${path}: ${res.status} ${res.text}`);
      assert.equal((res.body as { totalResults: number }).totalResults, 0, path);
      assertNoLeak(b, path, res.text);
    }
    const root = await send(t, 'POST', `/scim/v2/${a.slug}/.search`, a.scim, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: `userName pr or displayName pr`,
    });
    assert.equal(root.status, 200, root.text);
    assertNoLeak(b, 'POST /.search', root.text);
  });

  it("lets no write of A reach B's resources: members and Bulk", async () => {
    // A group of A naming B's user as a member.
    const created = await send(t, 'POST', `/scim/v2/${a.slug}/Groups`, a.scim, {
      schemas: [GROUP_SCHEMA],
      displayName: 'A group',
      members: [{ value: b.userId }],
    });
    assert.ok(
      [400, 404].includes(created.status),
      `POST Group with B's member: ${created.status} ${created.text}`,
    );
    assertNoLeak(b, 'POST Group', created.text.replaceAll(b.userId, '(the id sent)'));
    const group = await send(t, 'POST', `/scim/v2/${a.slug}/Groups`, a.scim, {
      schemas: [GROUP_SCHEMA],
      displayName: 'A group',
    });
    assert.equal(group.status, 201, group.text);
    const groupId = (group.body as { id: string }).id;
    const added = await send(t, 'PATCH', `/scim/v2/${a.slug}/Groups/${groupId}`, a.scim, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: [{ value: b.userId }] }],
    });
    assert.ok([400, 404].includes(added.status), `PATCH add B's member: ${added.status} ${added.text}`);
    const bulk = await send(t, 'POST', `/scim/v2/${a.slug}/Bulk`, a.scim, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        {
          method: 'PATCH',
          path: `/Users/${b.userId}`,
          data: scimBody({ method: 'PATCH', path: '/Users/:id' }, b),
        },
        { method: 'DELETE', path: `/Groups/${b.groupId}` },
        {
          method: 'PUT',
          path: `/Users/${b.userId}`,
          data: scimBody({ method: 'PUT', path: '/Users/:id' }, b),
        },
      ],
    });
    assert.equal(bulk.status, 200, bulk.text);
    const statuses = (bulk.body as { Operations: { status: string }[] }).Operations.map((o) => o.status);
    assert.deepEqual(statuses, ['404', '404', '404']);
    assertNoLeak(b, 'Bulk', bulk.text.replaceAll(b.userId, '(id)').replaceAll(b.groupId, '(id)'));
  });

  /** The admin routes as the app mounts them, read from the routers. */
  function adminRoutes(): DeclaredRoute[] {
    return routerRoutes(adminRouter(t.container), '/admin');
  }

  /** B's id for each id-taking admin route, by the collection it names. */
  const idFor = (path: string): string | undefined =>
    path.includes('/scim-tokens/')
      ? b.scimTokenId
      : path.includes('/admin-tokens/')
        ? b.adminTokenId
        : path.includes('/webhooks/')
          ? b.webhookId
          : undefined;

  it("answers A's admin token on A's own slug with B's real ids as if they did not exist", async () => {
    const withIds = adminRoutes().filter((r) => /^\/admin\/tenants\/:slug\/.*:\w+/.test(r.path));
    assert.ok(withIds.length >= 5, `only ${withIds.length} id-taking tenant routes`);
    for (const route of withIds) {
      const id = idFor(route.path);
      assert.ok(id, `${route.method} ${route.path}: name the kind of B's id it takes in this test`);
      const path = route.path.replace(':slug', a.slug).replace(/:\w+/, id);
      const res = await send(
        t,
        route.method,
        path,
        a.admin,
        route.method === 'GET' || route.method === 'DELETE' ? undefined : {},
        'application/json',
      );
      assert.equal(res.status, 404, `${route.method} ${route.path} with B's id: ${res.status} ${res.text}`);
      assertNoLeak(b, `${route.method} ${route.path}`, res.text.replaceAll(id, '(the id asked for)'));
    }
  });

  it("shows A's events, audit trail and SCIM log nothing of B", async () => {
    for (const path of [
      'events',
      'audit',
      'scim-log',
      'events?after=0&limit=100',
      'scim-tokens',
      'admin-tokens',
      'webhooks',
    ]) {
      const res = await send(t, 'GET', `/admin/tenants/${a.slug}/${path}`, a.admin);
      assert.equal(res.status, 200, `${path}: ${res.status} ${res.text}`);
      assertNoLeak(b, path, res.text);
    }
  });

  it("leaves B's data as it was, and B's credentials working", async () => {
    const user = await send(t, 'GET', `/scim/v2/${b.slug}/Users/${b.userId}`, b.scim);
    assert.equal(user.text, original.user, "B's user is unchanged (meta.version included)");
    const group = await send(t, 'GET', `/scim/v2/${b.slug}/Groups/${b.groupId}`, b.scim);
    assert.equal(group.text, original.group, "B's group is unchanged, its members included");
    const tokens = await request(t.app)
      .get(`/admin/tenants/${b.slug}/scim-tokens`)
      .set('Authorization', b.admin);
    assert.equal(tokens.status, 200, "B's admin token still works");
    assert.ok((tokens.body as { data: { id: string }[] }).data.some((x) => x.id === b.scimTokenId));
    const webhook = await request(t.app)
      .get(`/admin/tenants/${b.slug}/webhooks/${b.webhookId}`)
      .set('Authorization', b.admin);
    assert.equal(webhook.status, 200, "B's webhook is still there");
    // B's own event stream saw none of A's attempts.
    const events = await send(t, 'GET', `/admin/tenants/${b.slug}/events?limit=100`, b.admin);
    assert.equal(events.text, original.events, "B's event stream is as it was");
  });
});
