import assert from 'node:assert/strict';
import request from 'supertest';
import { PATCH_OP, USER, scimClient, startTestApp, userBody } from '../scim/helpers.ts';
import type { Scim, TestApp } from '../scim/helpers.ts';
import { redactedExcerpt } from '../../src/scim-log/redact.ts';

describe('SCIM request log', () => {
  let app: TestApp;
  let scim: Scim;
  before(async () => {
    app = await startTestApp();
    scim = await scimClient(app, 'logged');
    await app.tenant('quiet');
  });
  after(async () => {
    await app.close();
  });

  const log = (slug: string, query = '', auth = app.operator) =>
    request(app.app).get(`/admin/tenants/${slug}/scim-log${query}`).set('Authorization', auth);

  it('shows each SCIM request to its tenant admin, newest first, without passwords or tokens', async () => {
    const created = await scim.post('/Users', userBody('ann@logged.example', { password: 'Hunter2!secret' }));
    assert.equal(created.status, 201);
    await scim.patch(`/Users/${created.body.id as string}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'password', value: 'Other-pass-1' }],
    });
    await scim.get('/Users?filter=userName%20eq%20%22ann%40logged.example%22');
    const refused = await scim.post('/Users', { schemas: ['bad'] });
    await app.container.scimLog.flush();

    const token = await request(app.app)
      .post('/admin/tenants/logged/admin-tokens')
      .set('Authorization', app.operator)
      .send({});
    const admin = `Bearer ${token.body.token as string}`;
    const res = await log('logged', '', admin);
    assert.equal(res.status, 200);
    const entries = res.body.data as Record<string, unknown>[];
    assert.deepEqual(
      entries.map((e) => [e['method'], e['status']]),
      [
        ['POST', 400],
        ['GET', 200],
        ['PATCH', 200],
        ['POST', 201],
      ],
    );
    const text = JSON.stringify(entries);
    assert.equal(text.includes('Hunter2'), false, 'no password');
    assert.equal(text.includes('Other-pass'), false, 'no password set by PATCH');
    assert.equal(text.includes('tgs_'), false, 'no token');
    assert.match(String(entries[3]?.['body']), /ann@logged\.example/);
    assert.equal(entries[1]?.['path'], '/scim/v2/logged/Users', 'no query string');
    assert.equal(entries[1]?.['body'], null);
    assert.equal(typeof entries[0]?.['durationMs'], 'number');
    assert.match(String(entries[0]?.['tokenId']), /^[0-9a-f-]{36}$/);
    assert.deepEqual(
      entries[0]?.['error'],
      { scimType: refused.body.scimType as string, detail: refused.body.detail as string },
      'the error the IdP was sent',
    );
    assert.equal(refused.body.scimType, 'invalidSyntax');
    assert.deepEqual(
      entries.slice(1).map((e) => e['error']),
      [null, null, null],
      'no error on a success',
    );

    const page = await log('logged', '?limit=3');
    assert.equal(page.body.data.length, 3);
    const rest = await log('logged', `?before=${page.body.nextCursor as string}`);
    assert.equal(rest.body.data.length, 1);
    assert.equal(rest.body.nextCursor, null);

    assert.deepEqual((await log('quiet')).body.data, [], "another tenant's log is its own");
    assert.equal((await log('quiet', '', admin)).status, 403);
    assert.equal((await log('logged', '?before=zzz')).status, 400);
    assert.equal((await log('logged', '?limit=0')).status, 400);
  });

  it("keeps each refused request's scimType and detail as sent, the detail cut to 500 characters", async () => {
    const other = await scimClient(app, 'refusals');
    const stored = async () => {
      await app.container.scimLog.flush();
      const tenant = await app.container.storage.tenants.getBySlug('refusals');
      return app.container.storage.scimLog.list(tenant?.id as never, null, 1).then(([e]) => e);
    };
    const sent = (res: request.Response) => ({
      scimType: (res.body.scimType as string | undefined) ?? null,
      detail: res.body.detail as string,
    });

    assert.equal((await other.post('/Users', userBody('bo@refusals.example'))).status, 201);
    assert.equal((await stored())?.error, null);

    const noUserName = await other.post('/Users', { schemas: [USER], name: { givenName: 'No' } });
    assert.equal(noUserName.status, 400);
    assert.equal(noUserName.body.scimType, 'invalidValue');
    assert.deepEqual((await stored())?.error, sent(noUserName));

    const duplicate = await other.post('/Users', userBody('bo@refusals.example'));
    assert.equal(duplicate.status, 409);
    assert.equal(duplicate.body.scimType, 'uniqueness');
    const entry = await stored();
    assert.equal(entry?.status, 409);
    assert.deepEqual(entry?.error, sent(duplicate));

    const missing = await other.get('/Users/00000000-0000-7000-8000-000000000000');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.scimType, undefined);
    assert.deepEqual((await stored())?.error, { scimType: null, detail: missing.body.detail as string });

    const long = await other.get(`/Users?filter=${'a'.repeat(800)}%20eq%20%22x%22`);
    assert.equal(long.status, 400);
    assert.ok((long.body.detail as string).length > 500, 'a detail longer than the bound');
    const cut = (await stored())?.error;
    assert.equal(cut?.scimType, long.body.scimType);
    assert.equal(cut?.detail.length, 500);
    assert.equal(cut?.detail, `${(long.body.detail as string).slice(0, 499)}…`);
  });

  it('logs nothing for a caller that did not authenticate', async () => {
    await request(app.app).get('/scim/v2/quiet/Users').set('Authorization', 'Bearer tgs_wrong');
    await app.container.scimLog.flush();
    assert.deepEqual((await log('quiet')).body.data, []);
  });

  it('redacts secrets in bounded excerpts, small bodies and large alike', () => {
    for (const hint of [100, Infinity]) {
      assert.equal(
        redactedExcerpt({ a: 'b', token: 't', list: [{ path: 'password', value: 'v' }] }, 2048, hint),
        '{"a":"b","token":"[redacted]","list":[{"path":"password","value":"[redacted]"}]}',
      );
      assert.equal(redactedExcerpt({ long: 'x'.repeat(3000) }, 100, hint).length, 101);
    }
    assert.equal(
      redactedExcerpt({ userName: 'a', password: 'p', nested: [{ Secret: 's', ok: 1 }] }),
      '{"userName":"a","password":"[redacted]","nested":[{"Secret":"[redacted]","ok":1}]}',
    );
    assert.equal(
      redactedExcerpt({ Operations: [{ op: 'replace', path: 'PASSWORD', value: 'x' }] }),
      '{"Operations":[{"op":"replace","path":"PASSWORD","value":"[redacted]"}]}',
    );
    const big = { members: Array.from({ length: 100_000 }, (_, i) => ({ value: `id-${i}` })) };
    const started = process.hrtime.bigint();
    const excerpt = redactedExcerpt(big, 2048);
    const micros = Number(process.hrtime.bigint() - started) / 1000;
    assert.equal(excerpt.length, 2049);
    assert.ok(excerpt.endsWith('…'));
    assert.ok(micros < 20_000, `bounded: ${micros} µs`);
  });
});
