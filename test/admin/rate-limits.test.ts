/**
 * Admin API rate limits, lockout and per-tenant limits (docs/decisions/0090-rate-limits.md): real
 * HTTP, the real app on a SQLite file, a moved clock, addresses through X-Forwarded-For
 * (`trustProxy` on).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { Response } from 'supertest';
import type { ConfigInput } from '../../src/platform/config.ts';
import { startTestApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { testClock } from '../support/clock.ts';

let dir = '';
let files = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'trustgate-admin-rate-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const FROM = '198.51.100.30';

async function open(config: Partial<ConfigInput>) {
  const clock = testClock();
  const app = await startTestApp(
    { trustProxy: true, ...config },
    { storageFile: join(dir, `admin-${++files}.db`), clock: clock.now },
  );
  return { app, clock };
}

const get = (app: TestApp, path: string, auth: string, from = FROM) =>
  request(app.app).get(path).set('Authorization', auth).set('X-Forwarded-For', from);

async function adminToken(app: TestApp, slug: string): Promise<string> {
  const res = await request(app.app)
    .post(`/admin/tenants/${slug}/admin-tokens`)
    .set('Authorization', app.operator)
    .set('X-Forwarded-For', '192.0.2.250')
    .send({});
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return `Bearer ${(res.body as { token: string }).token}`;
}

function assertAdmin429(res: Response, retryAfter: string, message: RegExp): void {
  assert.equal(res.status, 429, JSON.stringify(res.body));
  assert.equal(res.headers['retry-after'], retryAfter);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/);
  const { error } = res.body as { error: { code: string; message: string; requestId: string } };
  assert.deepEqual(Object.keys(error).sort(), ['code', 'message', 'requestId']);
  assert.equal(error.code, 'rate_limited');
  assert.match(error.message, message);
}

describe('admin rate limits', () => {
  it('limits each admin token and the operator key per minute, each on its own', async () => {
    const { app, clock } = await open({ rateLimitAdminPerToken: 3, rateLimitAdminPerAddress: 0 });
    try {
      await app.tenant('acme');
      clock.advance(60); // setup is the operator's: two requests a window
      const first = await adminToken(app, 'acme');
      const second = await adminToken(app, 'acme');
      clock.advance(60);
      for (let i = 0; i < 3; i += 1) assert.equal((await get(app, '/admin/tenants/acme', first)).status, 200);
      assertAdmin429(await get(app, '/admin/tenants/acme', first), '50', /for this token/);
      assert.equal((await get(app, '/admin/tenants/acme', second)).status, 200, 'another token');
      for (let i = 0; i < 3; i += 1)
        assert.equal((await get(app, '/admin/tenants', app.operator)).status, 200);
      assertAdmin429(await get(app, '/admin/tenants', app.operator), '50', /for this token/);
      clock.advance(50);
      assert.equal((await get(app, '/admin/tenants/acme', first)).status, 200, 'the next window');
      assert.equal((await get(app, '/admin/tenants', app.operator)).status, 200);
    } finally {
      await app.close();
    }
  });

  it('limits a client address across tokens', async () => {
    const { app, clock } = await open({ rateLimitAdminPerToken: 0, rateLimitAdminPerAddress: 2 });
    try {
      await app.tenant('acme');
      const token = await adminToken(app, 'acme');
      clock.advance(60);
      assert.equal((await get(app, '/admin/tenants/acme', token)).status, 200);
      assert.equal((await get(app, '/admin/tenants', app.operator)).status, 200);
      assertAdmin429(await get(app, '/admin/tenants', app.operator), '50', /for this client address/);
      assert.equal((await get(app, '/admin/tenants', app.operator, '198.51.100.31')).status, 200);
    } finally {
      await app.close();
    }
  });
});

describe('admin failed-authentication lockout', () => {
  let app: TestApp;
  let clock: ReturnType<typeof testClock>;
  let tenantAdmin: string;
  beforeEach(async () => {
    ({ app, clock } = await open({ lockoutFailures: 3, lockoutSeconds: 60 }));
    await app.tenant('acme');
    tenantAdmin = await adminToken(app, 'acme');
  });
  afterEach(() => app.close());

  const bad = async (auth: string, from = FROM) =>
    assert.equal((await get(app, '/admin/tenants', auth, from)).status, 401);

  it('locks an address out after N bad admin tokens, for the operator key and admin tokens alike', async () => {
    for (let i = 0; i < 3; i += 1) await bad(`Bearer tga_${'0'.repeat(43)}`);
    assertAdmin429(await get(app, '/admin/tenants', app.operator), '60', /too many failed authentications/);
    assertAdmin429(await get(app, '/admin/tenants/acme', tenantAdmin), '60', /too many failed/);
    assert.equal((await get(app, '/admin/tenants', app.operator, '198.51.100.31')).status, 200, 'elsewhere');
    clock.advance(60);
    assert.equal((await get(app, '/admin/tenants', app.operator)).status, 200);
    const metric = await app.container.metrics.registry.getSingleMetricAsString(
      'trustgate_auth_lockouts_total',
    );
    assert.match(metric, /surface="admin"\} 1/);
  });

  it('counts wrong operator keys, and answers a locked address the same whatever it presents', async () => {
    for (let i = 0; i < 3; i += 1) await bad('Bearer wrong-operator-key-0123456789abcdef0123');
    const views = [];
    for (const auth of [app.operator, tenantAdmin, `Bearer tga_${'1'.repeat(43)}`, 'Bearer nonsense']) {
      const res = await get(app, '/admin/tenants', auth);
      const { error } = res.body as { error: { code: string; message: string } };
      views.push({
        status: res.status,
        retryAfter: res.headers['retry-after'],
        code: error.code,
        message: error.message,
      });
    }
    assert.equal(new Set(views.map((v) => JSON.stringify(v))).size, 1, JSON.stringify(views));
    assert.equal(views[0]?.status, 429);
  });

  it('does not count requests that present no credential', async () => {
    for (let i = 0; i < 5; i += 1)
      assert.equal((await request(app.app).get('/admin/tenants').set('X-Forwarded-For', FROM)).status, 401);
    assert.equal((await get(app, '/admin/tenants', app.operator)).status, 200);
  });
});

describe('per-tenant rate limits through the admin API', () => {
  let app: TestApp;
  let clock: ReturnType<typeof testClock>;
  let scimToken: string;
  beforeEach(async () => {
    ({ app, clock } = await open({ rateLimitScimPerToken: 3, rateLimitScimPerAddress: 0 }));
    ({ scimToken } = await app.tenant('acme'));
  });
  afterEach(() => app.close());

  const patch = (settings: unknown, auth = app.operator) =>
    request(app.app).patch('/admin/tenants/acme').set('Authorization', auth).send({ settings });
  const scim = () =>
    request(app.app).get('/scim/v2/acme/Users?count=1').set('Authorization', `Bearer ${scimToken}`);
  const statuses = async (n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i += 1) out.push((await scim()).status);
    return out;
  };

  it('applies a tenant override of the SCIM limit at once, and 0 turns it off', async () => {
    const res = await patch({ rateLimits: { scimPerToken: 2 } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual((res.body as { settings: unknown }).settings, { rateLimits: { scimPerToken: 2 } });
    assert.deepEqual(await statuses(3), [200, 200, 429]);
    assert.equal((await patch({ rateLimits: { scimPerToken: 0 } })).status, 200);
    assert.deepEqual(await statuses(6), [200, 200, 200, 200, 200, 200], 'no limit');
    assert.equal((await patch({ rateLimits: {} })).status, 200);
    clock.advance(60);
    assert.deepEqual(await statuses(4), [200, 200, 200, 429], 'back to the configured 3');
  });

  it('applies a tenant override of the admin-token limit', async () => {
    assert.equal((await patch({ rateLimits: { adminPerToken: 1 } })).status, 200);
    const token = await adminToken(app, 'acme');
    assert.equal((await request(app.app).get('/admin/tenants/acme').set('Authorization', token)).status, 200);
    const refused = await request(app.app).get('/admin/tenants/acme').set('Authorization', token);
    assertAdmin429(refused, '50', /for this token/);
  });

  it('refuses invalid limits with 400 and keeps the stored settings', async () => {
    assert.equal((await patch({ rateLimits: { scimPerToken: 5 } })).status, 200);
    for (const rateLimits of [
      { scimPerToken: -1 },
      { scimPerToken: 1.5 },
      { scimPerToken: '100' },
      { scimPerToken: 20_000_000 },
      { perToken: 5 },
      'fast',
    ]) {
      const res = await patch({ rateLimits });
      assert.equal(res.status, 400, JSON.stringify(rateLimits));
      assert.equal((res.body as { error: { code: string } }).error.code, 'invalid_request');
    }
    const stored = await request(app.app).get('/admin/tenants/acme').set('Authorization', app.operator);
    assert.deepEqual((stored.body as { settings: unknown }).settings, { rateLimits: { scimPerToken: 5 } });
  });

  it('lets only the operator change the limits of a tenant (a tenant admin may still change other settings)', async () => {
    const token = await adminToken(app, 'acme');
    const refused = await patch({ rateLimits: { scimPerToken: 0 } }, token);
    assert.equal(refused.status, 403);
    assert.equal((await patch({ jit: true }, token)).status, 200);
  });
});
