/**
 * Lockout after failed SCIM authentications (docs/decisions/0090-rate-limits.md): real HTTP, the
 * real app on a SQLite file, a moved clock; client addresses set through X-Forwarded-For with
 * `trustProxy` on (and ignored with it off).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { ConfigInput } from '../../src/platform/config.ts';
import { startTestApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { testClock } from '../support/clock.ts';

let dir = '';
let files = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'trustgate-lockout-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const UNKNOWN = `tgs_${'x'.repeat(43)}`;

function users(app: TestApp, slug: string, bearer: string | undefined, from: string) {
  const req = request(app.app).get(`/scim/v2/${slug}/Users?count=1`).set('X-Forwarded-For', from);
  return bearer === undefined ? req : req.set('Authorization', `Bearer ${bearer}`);
}

async function open(config: Partial<ConfigInput> = {}) {
  const clock = testClock();
  const app = await startTestApp(
    { lockoutFailures: 3, lockoutSeconds: 60, lockoutMaxSeconds: 150, trustProxy: true, ...config },
    { storageFile: join(dir, `lockout-${++files}.db`), clock: clock.now },
  );
  return { app, clock };
}

async function fail(app: TestApp, slug: string, from: string, times: number, bearer = UNKNOWN) {
  for (let i = 0; i < times; i += 1) assert.equal((await users(app, slug, bearer, from)).status, 401);
}

describe('SCIM failed-authentication lockout', () => {
  let app: TestApp;
  let clock: ReturnType<typeof testClock>;
  let acme: string;
  let globex: string;
  beforeEach(async () => {
    ({ app, clock } = await open());
    acme = (await app.tenant('acme')).scimToken;
    globex = (await app.tenant('globex')).scimToken;
  });
  afterEach(() => app.close());

  it('refuses even a valid token from an address after N failures, until the lockout passes', async () => {
    await fail(app, 'acme', '198.51.100.7', 3);
    const locked = await users(app, 'acme', acme, '198.51.100.7');
    assert.equal(locked.status, 429);
    assert.equal(locked.headers['retry-after'], '60');
    assert.equal((locked.body as { status: string }).status, '429');
    assert.match((locked.body as { detail: string }).detail, /too many failed authentications/);
    clock.advance(59);
    assert.equal((await users(app, 'acme', acme, '198.51.100.7')).status, 429);
    assert.equal((await users(app, 'acme', acme, '198.51.100.7')).headers['retry-after'], '1');
    clock.advance(1);
    assert.equal((await users(app, 'acme', acme, '198.51.100.7')).status, 200);
    const metric = await app.container.metrics.registry.getSingleMetricAsString(
      'trustgate_auth_lockouts_total',
    );
    assert.match(metric, /trustgate_auth_lockouts_total\{surface="scim"\} 1/);
  });

  it('leaves another address and another tenant URL from the same address alone', async () => {
    await fail(app, 'acme', '198.51.100.7', 3);
    assert.equal((await users(app, 'acme', acme, '198.51.100.8')).status, 200, 'another address');
    assert.equal((await users(app, 'globex', globex, '198.51.100.7')).status, 200, 'another tenant');
    assert.equal((await users(app, 'acme', acme, '198.51.100.7')).status, 429);
  });

  it('answers a locked address the same for a valid, an unknown, a revoked and another tenant token', async () => {
    const revoked = (
      await request(app.app)
        .post('/admin/tenants/acme/scim-tokens')
        .set('Authorization', app.operator)
        .send({})
    ).body as { id: string; token: string };
    await request(app.app)
      .delete(`/admin/tenants/acme/scim-tokens/${revoked.id}`)
      .set('Authorization', app.operator)
      .expect(204);
    await fail(app, 'acme', '198.51.100.7', 3);
    const answers = [];
    for (const bearer of [acme, UNKNOWN, revoked.token, globex, 'not-even-a-token']) {
      const res = await users(app, 'acme', bearer, '198.51.100.7');
      answers.push({ status: res.status, retryAfter: res.headers['retry-after'], body: res.body as unknown });
    }
    assert.equal(new Set(answers.map((a) => JSON.stringify(a))).size, 1, JSON.stringify(answers));
    assert.equal(answers[0]?.status, 429);
  });

  it('doubles the lockout each time up to the cap; failures while locked out are not even looked at', async () => {
    await fail(app, 'acme', '198.51.100.7', 3);
    for (let i = 0; i < 5; i += 1)
      assert.equal((await users(app, 'acme', UNKNOWN, '198.51.100.7')).status, 429);
    clock.advance(60);
    await fail(app, 'acme', '198.51.100.7', 3);
    assert.equal((await users(app, 'acme', acme, '198.51.100.7')).headers['retry-after'], '120');
    clock.advance(120);
    await fail(app, 'acme', '198.51.100.7', 3);
    assert.equal((await users(app, 'acme', acme, '198.51.100.7')).headers['retry-after'], '150', 'the cap');
  });

  it('counts failures per address: a success elsewhere resets nothing, a request without a token counts nothing', async () => {
    await fail(app, 'acme', '198.51.100.7', 2);
    assert.equal((await users(app, 'acme', acme, '198.51.100.9')).status, 200);
    for (let i = 0; i < 5; i += 1)
      assert.equal((await users(app, 'acme', undefined, '198.51.100.7')).status, 401);
    assert.equal((await users(app, 'acme', acme, '198.51.100.7')).status, 200, 'still two failures');
    await fail(app, 'acme', '198.51.100.7', 1);
    assert.equal((await users(app, 'acme', acme, '198.51.100.7')).status, 429);
  });

  it('counts a token used on the URL of another tenant as a failure (it proves nothing there)', async () => {
    await fail(app, 'acme', '198.51.100.7', 3, globex);
    assert.equal((await users(app, 'acme', acme, '198.51.100.7')).status, 429);
  });

  it('shares the lockout with another instance on the same store within a second', async () => {
    const other = await startTestApp(
      { lockoutFailures: 3, trustProxy: true },
      { storage: app.container.storage, clock: clock.now },
    );
    try {
      await fail(app, 'acme', '198.51.100.7', 3);
      assert.equal((await users(other, 'acme', acme, '198.51.100.7')).status, 429);
    } finally {
      await other.container.rateLimits.close();
    }
  });
});

describe('client addresses for the limits', () => {
  it('ignore X-Forwarded-For unless trustProxy is set', async () => {
    const { app } = await open({ trustProxy: false });
    try {
      const token = (await app.tenant('acme')).scimToken;
      for (const from of ['192.0.2.1', '192.0.2.2', '192.0.2.3'])
        assert.equal((await users(app, 'acme', UNKNOWN, from)).status, 401);
      assert.equal((await users(app, 'acme', token, '192.0.2.4')).status, 429, 'all from the socket address');
    } finally {
      await app.close();
    }
  });

  it('with trustProxy, read the entry the proxy appended (the last), not what the client wrote', async () => {
    const { app } = await open();
    try {
      const token = (await app.tenant('acme')).scimToken;
      for (const spoofed of ['10.0.0.1', '10.0.0.2', '10.0.0.3'])
        assert.equal((await users(app, 'acme', UNKNOWN, `${spoofed}, 198.51.100.20`)).status, 401);
      assert.equal((await users(app, 'acme', token, '10.0.0.4, 198.51.100.20')).status, 429);
      assert.equal((await users(app, 'acme', token, '198.51.100.20, 198.51.100.21')).status, 200);
    } finally {
      await app.close();
    }
  });

  it('count an IPv6 client by its /64 and an IPv4-mapped one as IPv4', async () => {
    const { app } = await open();
    try {
      const token = (await app.tenant('acme')).scimToken;
      await fail(app, 'acme', '2001:db8:1:2::1', 1);
      await fail(app, 'acme', '2001:db8:1:2:ffff::9', 1);
      await fail(app, 'acme', '2001:0db8:0001:0002:0:0:0:42', 1);
      assert.equal((await users(app, 'acme', token, '2001:db8:1:2::77')).status, 429);
      assert.equal((await users(app, 'acme', token, '2001:db8:1:3::1')).status, 200, 'another /64');
      await fail(app, 'acme', '::ffff:192.0.2.50', 3);
      assert.equal((await users(app, 'acme', token, '192.0.2.50')).status, 429);
    } finally {
      await app.close();
    }
  });
});
