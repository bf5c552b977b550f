import assert from 'node:assert/strict';
import request from 'supertest';
import { startTestApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';

describe('HTTP edge', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t.close();
  });

  it('answers /healthz, /readyz and /metrics', async () => {
    assert.deepEqual((await request(t.app).get('/healthz').expect(200)).body, { status: 'ok' });
    assert.deepEqual((await request(t.app).get('/readyz').expect(200)).body, {
      status: 'ready',
      storage: 'sqlite',
    });
    await request(t.app).get('/admin/tenants').set('Authorization', t.operator).expect(200);
    const metrics = await request(t.app).get('/metrics').expect(200);
    assert.match(
      metrics.text,
      /trustgate_http_requests_total\{method="GET",route="\/admin\/tenants\/",status="200"\} 1/,
    );
    assert.match(metrics.text, /trustgate_http_request_duration_seconds_bucket/);
  });

  it('echoes a sane X-Request-Id and makes one otherwise', async () => {
    const given = await request(t.app).get('/healthz').set('X-Request-Id', 'req-123.abc');
    assert.equal(given.headers['x-request-id'], 'req-123.abc');
    const unsafe = await request(t.app).get('/healthz').set('X-Request-Id', 'bad id\twith spaces');
    assert.match(unsafe.headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);
  });

  it('sets security headers', async () => {
    const res = await request(t.app).get('/healthz');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.ok(res.headers['content-security-policy']);
    assert.equal(res.headers['x-powered-by'], undefined);
  });

  it('answers an unknown route with a JSON 404', async () => {
    const res = await request(t.app).get('/no/such/thing').expect(404);
    assert.equal(res.body.error.code, 'not_found');
    assert.match(res.headers['content-type'] ?? '', /application\/json/);
    const admin = await request(t.app).get('/admin/nothing').set('Authorization', t.operator).expect(404);
    assert.equal(admin.body.error.code, 'not_found');
  });

  it('answers malformed JSON with 400 and stays up', async () => {
    const res = await request(t.app)
      .post('/admin/tenants')
      .set('Authorization', t.operator)
      .set('Content-Type', 'application/json')
      .send('{"slug": "acme", ');
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'invalid_json');
    assert.equal(JSON.stringify(res.body).includes('at JSON.parse'), false, 'no stack trace');
    await request(t.app).get('/healthz').expect(200);
  });

  it('answers a 5 MB body with 413 and stays up', async () => {
    const big = JSON.stringify({ slug: 'big', name: 'x'.repeat(5 * 1024 * 1024) });
    const res = await request(t.app)
      .post('/admin/tenants')
      .set('Authorization', t.operator)
      .set('Content-Type', 'application/json')
      .send(big);
    assert.equal(res.status, 413);
    assert.equal(res.body.error.code, 'payload_too_large');
    await request(t.app).get('/healthz').expect(200);
    await request(t.app).get('/admin/tenants/big').set('Authorization', t.operator).expect(404);
  });

  it('never shows internals of a server error', async () => {
    await t.tenant('acme');
    const storage = t.container.storage;
    const original = storage.tenants.list.bind(storage.tenants);
    (storage.tenants as { list: () => Promise<readonly unknown[]> }).list = () =>
      Promise.reject(new Error('disk on fire at /var/lib'));
    try {
      const res = await request(t.app).get('/admin/tenants').set('Authorization', t.operator);
      assert.equal(res.status, 500);
      assert.deepEqual(Object.keys(res.body.error).sort(), ['code', 'message', 'requestId']);
      assert.equal(res.body.error.message, 'internal error');
      assert.equal(JSON.stringify(res.body).includes('disk on fire'), false);
    } finally {
      (storage.tenants as { list: typeof original }).list = original;
    }
  });
});
