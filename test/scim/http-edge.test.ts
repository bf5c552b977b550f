import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { ERROR, USER, scimClient, startTestApp, userBody } from './helpers.ts';
import type { Scim, TestApp } from './helpers.ts';

/**
 * The SCIM surface answers without Express (src/scim/http.ts); these check that its edge is the
 * same as the rest of the gateway's: headers, request ids, metrics, body rules, routing.
 */
describe('SCIM: HTTP edge', () => {
  let t: TestApp;
  let scim: Scim;
  let auth: string;
  before(async () => {
    t = await startTestApp({ bodyLimit: '64kb' });
    const { scimToken } = await t.tenant('edge');
    auth = `Bearer ${scimToken}`;
    scim = await scimClient(t, 'edge-2');
  });
  after(() => t.close());

  const post = (path: string) => request(t.app).post(`/scim/v2/edge${path}`).set('Authorization', auth);

  function assertScimError(res: request.Response, status: number, scimType?: string): void {
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.match(res.headers['content-type'] ?? '', /^application\/scim\+json; charset=utf-8$/);
    assert.deepEqual(res.body.schemas, [ERROR]);
    assert.equal(res.body.status, String(status));
    assert.equal(res.body.scimType, scimType);
  }

  it('sends the same security headers as the Express routes', async () => {
    const health = await request(t.app).get('/healthz');
    const spc = await request(t.app).get('/scim/v2/edge/ServiceProviderConfig').set('Authorization', auth);
    const refused = await request(t.app).get('/scim/v2/edge/Users');
    const names = Object.keys(health.headers).filter(
      (h) =>
        !['content-type', 'content-length', 'date', 'connection', 'keep-alive', 'x-request-id'].includes(h),
    );
    assert.ok(names.includes('content-security-policy') && names.includes('strict-transport-security'));
    for (const res of [spc, refused])
      for (const name of names) assert.equal(res.headers[name], health.headers[name], name);
    assert.equal(spc.headers['x-powered-by'], undefined);
  });

  it('echoes a sane X-Request-Id and counts requests by route template, not by tenant', async () => {
    const res = await request(t.app)
      .get('/scim/v2/edge/Users?count=1')
      .set('Authorization', auth)
      .set('X-Request-Id', 'okta-req.42');
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-request-id'], 'okta-req.42');
    const unsafe = await request(t.app).get('/scim/v2/edge/Users').set('X-Request-Id', 'a b');
    assert.match(unsafe.headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);
    const metrics = (await request(t.app).get('/metrics')).text;
    assert.match(
      metrics,
      /trustgate_http_requests_total\{method="GET",route="\/scim\/v2\/:slug\/Users",status="200"\} 1/,
    );
    assert.match(metrics, /trustgate_http_requests_total\{method="GET",route="unmatched",status="401"\}/);
    assert.doesNotMatch(metrics, /route="\/scim\/v2\/edge/);
  });

  it('refuses bodies of another media type, charset or content encoding with 415', async () => {
    const body = JSON.stringify(userBody('x@edge.example'));
    assertScimError(await post('/Users').set('Content-Type', 'text/plain').send(body), 415);
    assertScimError(
      await post('/Users').set('Content-Type', 'application/scim+json; charset=latin1').send(body),
      415,
    );
    assertScimError(
      await post('/Users').set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send(body),
      415,
    );
    const ok = await post('/Users').set('Content-Type', 'application/json; charset=UTF-8').send(body);
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal((await post('/Users').set('Content-Type', 'application/json').send(body)).status, 409);
  });

  it('answers malformed JSON, __proto__ keys and a bare value with 400 invalidSyntax', async () => {
    const send = (text: string) => post('/Users').set('Content-Type', 'application/scim+json').send(text);
    assertScimError(await send('{"schemas": ['), 400, 'invalidSyntax');
    assertScimError(
      await send(`{"schemas":["${USER}"],"userName":"p@edge.example","__proto__":{"x":1}}`),
      400,
      'invalidSyntax',
    );
    for (const key of ['\\u005f\\u005fproto\\u005f\\u005f', '__\\u0070roto__'])
      assertScimError(
        await send(`{"schemas":["${USER}"],"userName":"p@edge.example","${key}":{"x":1}}`),
        400,
        'invalidSyntax',
      );
    assertScimError(await send('"just a string"'), 400, 'invalidSyntax');
    assert.equal((await scim.get('/Users?filter=userName eq "p@edge.example"')).body.totalResults, 0);
  });

  it('413 from Content-Length before reading, and while reading a chunked body', async () => {
    const big = JSON.stringify(userBody('big@edge.example', { title: 'x'.repeat(100 * 1024) }));
    assertScimError(await post('/Users').set('Content-Type', 'application/scim+json').send(big), 413);

    const server: Server = createServer(t.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/scim/v2/edge/Users',
            headers: { authorization: auth, 'content-type': 'application/scim+json' },
          },
          (res) => {
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on('error', reject);
        // No Content-Length: chunked, 8 KiB at a time, past the 64 KiB limit.
        for (let i = 0; i < 10; i++) req.write('x'.repeat(8 * 1024));
        req.end();
      });
      assert.equal(answer.status, 413);
      assert.equal((JSON.parse(answer.body) as { status: string }).status, '413');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    assert.equal((await scim.get('/Users?filter=userName eq "big@edge.example"')).body.totalResults, 0);
  });

  it('routes case-insensitively, ignores a trailing slash, answers HEAD like GET without a body', async () => {
    const lower = await request(t.app).get('/scim/v2/edge/users/?count=0').set('Authorization', auth);
    assert.equal(lower.status, 200);
    assert.equal(lower.body.itemsPerPage, 0);
    const head = await request(t.app).head('/SCIM/V2/edge/ServiceProviderConfig').set('Authorization', auth);
    assert.equal(head.status, 200);
    assert.match(head.headers['content-type'] ?? '', /^application\/scim\+json/);
    assert.equal(head.text, undefined);
  });

  it('unknown endpoints are SCIM 404s after authentication; bad escapes are 400', async () => {
    assertScimError(await request(t.app).get('/scim/v2/edge/Nope').set('Authorization', auth), 404);
    assertScimError(await request(t.app).delete('/scim/v2/edge/Nope/x').set('Authorization', auth), 404);
    assertScimError(await request(t.app).get('/scim/v2/edge/Nope'), 401);
    assertScimError(await request(t.app).get('/scim/v2/edge/Users/%E0%A4%A').set('Authorization', auth), 400);
    assertScimError(await request(t.app).get('/scim/v2/%E0%A4%A/Users').set('Authorization', auth), 400);
    const notScim = await request(t.app).get('/scim/v2').expect(404);
    assert.equal(notScim.body.error.code, 'not_found');
  });

  it('a method an endpoint does not take is 405 with Allow and a SCIM error body', async () => {
    const cases: [string, string, string][] = [
      ['post', '/Schemas', 'GET, HEAD'],
      ['delete', '/ServiceProviderConfig', 'GET, HEAD'],
      ['put', '/ResourceTypes/User', 'GET, HEAD'],
      ['delete', '/Users', 'GET, HEAD, POST'],
      ['post', '/Users/some-id', 'GET, HEAD, PUT, PATCH, DELETE'],
      ['get', '/Bulk', 'POST'],
      ['get', '/.search', 'POST'],
      // The search endpoints are literal paths, not a resource id (found by schemathesis: Allow listed /Users/:id's methods).
      ['get', '/Users/.search', 'POST'],
      ['delete', '/Groups/.search', 'POST'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await request(t.app)[method as 'get'](`/scim/v2/edge${path}`).set('Authorization', auth);
      assertScimError(res, 405);
      assert.equal(res.headers.allow, allow, `${method} ${path}`);
    }
    // Authentication still comes first.
    assertScimError(await request(t.app).post('/scim/v2/edge/Schemas'), 401);
  });

  it('a 204 carries no Content-Type (nor body)', async () => {
    const created = await request(t.app)
      .post('/scim/v2/edge/Users')
      .set('Authorization', auth)
      .set('Content-Type', 'application/scim+json')
      .send(
        JSON.stringify({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: 'gone@edge.example',
        }),
      );
    assert.equal(created.status, 201);
    const deleted = await request(t.app)
      .delete(`/scim/v2/edge/Users/${created.body.id}`)
      .set('Authorization', auth);
    assert.equal(deleted.status, 204);
    assert.equal(deleted.headers['content-type'], undefined);
    assert.equal(deleted.headers['content-length'], undefined);
    assert.equal(deleted.text, '');
  });
});
