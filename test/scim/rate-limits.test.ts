/**
 * SCIM rate limits and failed-authentication lockout (docs/decisions/0090-rate-limits.md), over
 * real HTTP against the real app on a SQLite file, with a clock the tests move instead of sleeping.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { Response } from 'supertest';
import type { ConfigInput } from '../../src/platform/config.ts';
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts';
import { startTestApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { ERROR } from './helpers.ts';
import { testClock } from '../support/clock.ts';

let dir = '';
let files = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'trustgate-rate-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));
const freshFile = () => join(dir, `rate-${++files}.db`);

const users = (app: TestApp, slug: string, token: string, from?: string) => {
  const req = request(app.app).get(`/scim/v2/${slug}/Users?count=1`).set('Authorization', `Bearer ${token}`);
  return from ? req.set('X-Forwarded-For', from) : req;
};

async function mintScimToken(app: TestApp, slug: string): Promise<string> {
  const res = await request(app.app)
    .post(`/admin/tenants/${slug}/scim-tokens`)
    .set('Authorization', app.operator)
    .send({});
  assert.equal(res.status, 201);
  return (res.body as { token: string }).token;
}

function assertScim429(res: Response, retryAfter: number, detail: RegExp): void {
  assert.equal(res.status, 429, JSON.stringify(res.body));
  assert.equal(res.headers['retry-after'], String(retryAfter));
  assert.match(res.headers['content-type'] ?? '', /^application\/scim\+json/);
  // RFC 7644 §3.12 defines no scimType for a rate limit: none is sent.
  assert.deepEqual(Object.keys(res.body as object).sort(), ['detail', 'schemas', 'status']);
  assert.deepEqual((res.body as { schemas: string[] }).schemas, [ERROR]);
  assert.equal((res.body as { status: string }).status, '429');
  assert.match((res.body as { detail: string }).detail, detail);
}

async function open(config: Partial<ConfigInput>, clock = testClock()) {
  const app = await startTestApp(config, { storageFile: freshFile(), clock: clock.now });
  return { app, clock };
}

describe('SCIM rate limits', () => {
  describe('per token', () => {
    let app: TestApp;
    let clock: ReturnType<typeof testClock>;
    let acme: string;
    let globex: string;
    before(async () => {
      ({ app, clock } = await open({ rateLimitScimPerToken: 5, rateLimitScimPerAddress: 0 }));
      acme = (await app.tenant('acme')).scimToken;
      globex = (await app.tenant('globex')).scimToken;
    });
    after(() => app.close());

    it('answers 429 in the SCIM error shape with Retry-After once a token used its minute', async () => {
      for (let i = 0; i < 5; i += 1) assert.equal((await users(app, 'acme', acme)).status, 200);
      assertScim429(await users(app, 'acme', acme), 50, /rate limit exceeded for this token/);
      const metrics = await app.container.metrics.registry.getSingleMetricAsString(
        'trustgate_rate_limited_total',
      );
      assert.match(metrics, /trustgate_rate_limited_total\{surface="scim",reason="token"\} 1/);
    });

    it('leaves another token of the same tenant and another tenant alone', async () => {
      const second = await mintScimToken(app, 'acme');
      for (let i = 0; i < 5; i += 1) assert.equal((await users(app, 'acme', second)).status, 200);
      assert.equal((await users(app, 'globex', globex)).status, 200);
      assert.equal((await users(app, 'acme', acme)).status, 429, 'the first token is still limited');
    });

    it('lets the token through again in the next window', async () => {
      clock.advance(49);
      assert.equal((await users(app, 'acme', acme)).status, 429);
      clock.advance(1);
      assert.equal((await users(app, 'acme', acme)).status, 200);
    });

    it('keeps the counts in the store, one counter per token and window, refused requests not counted', async () => {
      await app.container.rateLimits.flush();
      const e = app.container.storage.ephemeral;
      const keys = await e.keys('rl:scim:token:');
      assert.ok(keys.length >= 3, keys.join(', '));
      assert.ok(
        keys.every((k) => /^rl:scim:token:[^:]+:\d+$/.test(k)),
        keys.join(', '),
      );
      for (const key of keys) assert.ok(Number(await e.get(key)) <= 5, key);
    });
  });

  describe('per client address within a tenant', () => {
    it('limits one address across tokens of one tenant, not another address or tenant', async () => {
      const { app } = await open({ rateLimitScimPerToken: 0, rateLimitScimPerAddress: 4, trustProxy: true });
      try {
        const one = (await app.tenant('acme')).scimToken;
        const two = await mintScimToken(app, 'acme');
        const other = (await app.tenant('globex')).scimToken;
        for (const token of [one, two, one, two])
          assert.equal((await users(app, 'acme', token, '203.0.113.5')).status, 200);
        assertScim429(await users(app, 'acme', two, '203.0.113.5'), 50, /for this client address/);
        assert.equal((await users(app, 'acme', one, '203.0.113.6')).status, 200, 'another address');
        assert.equal((await users(app, 'globex', other, '203.0.113.5')).status, 200, 'another tenant');
      } finally {
        await app.close();
      }
    });
  });

  describe('two gateway instances on one store', () => {
    it('share the limit: each instance admits at most one sync interval of its own traffic past it', async () => {
      const clock = testClock();
      const storage = await createSqliteStorage(freshFile());
      const config = { rateLimitScimPerToken: 10, rateLimitScimPerAddress: 0 };
      const one = await startTestApp(config, { storage, clock: clock.now });
      const two = await startTestApp(config, { storage, clock: clock.now });
      try {
        const token = (await one.tenant('acme')).scimToken;
        for (let i = 0; i < 6; i += 1) assert.equal((await users(one, 'acme', token)).status, 200);
        await one.container.rateLimits.flush();
        // The second instance reads the store's total on the key's first request here.
        const statuses: number[] = [];
        for (let i = 0; i < 6; i += 1) {
          statuses.push((await users(two, 'acme', token)).status);
          await two.container.rateLimits.flush();
        }
        assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
        // Instance one learns the other's count at its next sync (a timer's, or this one).
        await one.container.rateLimits.flush();
        assert.equal((await users(one, 'acme', token)).status, 429);
        const key = `rl:scim:token:${await tokenId(one)}:${window(clock)}`;
        assert.equal(
          await storage.ephemeral.get(key),
          '10',
          'the admitted requests, refused ones not counted',
        );
      } finally {
        await one.container.rateLimits.close();
        await two.close();
        await one.close();
      }
    });

    it('syncs on its own every second, without a flush by hand', async () => {
      const clock = testClock();
      const storage = await createSqliteStorage(freshFile());
      const config = { rateLimitScimPerToken: 3, rateLimitScimPerAddress: 0 };
      const one = await startTestApp(config, { storage, clock: clock.now });
      const two = await startTestApp(config, { storage, clock: clock.now });
      try {
        const token = (await one.tenant('acme')).scimToken;
        assert.equal((await users(two, 'acme', token)).status, 200);
        for (let i = 0; i < 2; i += 1) assert.equal((await users(one, 'acme', token)).status, 200);
        await new Promise((resolve) => setTimeout(resolve, 2200));
        assert.equal((await users(two, 'acme', token)).status, 429);
        assert.equal((await users(one, 'acme', token)).status, 429);
      } finally {
        await two.close();
        await one.close();
      }
    });
  });
});

async function tokenId(app: TestApp): Promise<string> {
  const tenant = await app.container.storage.tenants.getBySlug('acme');
  const [token] = await app.container.storage.tokens.list(tenant!.id, 'scim');
  return token.id;
}

const window = (clock: ReturnType<typeof testClock>) => Math.floor(clock.now() / 60_000);
