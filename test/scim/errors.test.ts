import assert from 'node:assert/strict';
import request from 'supertest';
import { ERROR, GROUP, USER, patchBody, scimClient, startTestApp, userBody } from './helpers.ts';
import type { Scim, TestApp } from './helpers.ts';

function assertScimError(res: request.Response, status: number, scimType?: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers['content-type'] ?? '', /^application\/scim\+json/);
  assert.deepEqual(res.body.schemas, [ERROR]);
  assert.equal(res.body.status, String(status));
  assert.equal(res.body.scimType, scimType);
  assert.equal(typeof res.body.detail, 'string');
  assert.equal(JSON.stringify(res.body).includes('    at '), false);
}

describe('SCIM: bad input, nothing stored half-way', () => {
  let app: TestApp;
  let scim: Scim;
  let user: { id: string; meta: { version: string } };
  before(async () => {
    app = await startTestApp();
    scim = await scimClient(app, 'strict');
    user = (await scim.post('/Users', userBody('keep@strict.example', { title: 'Original' }))).body;
  });
  after(() => app.close());

  async function unchanged(): Promise<void> {
    const res = await scim.get(`/Users/${user.id}`);
    assert.equal(res.body.title, 'Original');
    assert.equal(res.body.meta.version, user.meta.version);
  }

  it('malformed JSON → 400 invalidSyntax', async () => {
    const real = await scim.patch(`/Users/${user.id}`, '{"schemas": [');
    assertScimError(real, 400, 'invalidSyntax');
    await unchanged();
  });

  it('unknown attribute in a PATCH path → 400 invalidPath', async () => {
    assertScimError(
      await scim.patch(
        `/Users/${user.id}`,
        patchBody(
          { op: 'replace', path: 'title', value: 'New' },
          { op: 'replace', path: 'favouriteColour', value: 'red' },
        ),
      ),
      400,
      'invalidPath',
    );
    await unchanged();
  });

  it('invalid filters → 400 invalidFilter', async () => {
    for (const filter of [
      'userName eq',
      'userName zz "a"',
      'nope eq "a"',
      'active gt true',
      // A sub-attribute after a value filter, with no comparison after it.
      'emails[type eq "work"].value',
      'emails[type eq "work"].value eq',
      '(userName eq "a"',
    ])
      assertScimError(await scim.get(`/Users?filter=${encodeURIComponent(filter)}`), 400, 'invalidFilter');
  });

  it('wrong schema → 400 invalidSyntax', async () => {
    assertScimError(
      await scim.post('/Users', { schemas: [GROUP], userName: 'x@strict.example' }),
      400,
      'invalidSyntax',
    );
    assertScimError(
      await scim.patch(`/Users/${user.id}`, {
        schemas: [USER],
        Operations: [{ op: 'replace', path: 'title', value: 'X' }],
      }),
      400,
      'invalidSyntax',
    );
    assert.equal((await scim.get('/Users?filter=userName eq "x@strict.example"')).body.totalResults, 0);
    await unchanged();
  });

  it('mutating id → 400 mutability (PATCH path, no-path value, PUT)', async () => {
    assertScimError(
      await scim.patch(
        `/Users/${user.id}`,
        patchBody(
          { op: 'replace', path: 'title', value: 'X' },
          { op: 'replace', path: 'id', value: 'other' },
        ),
      ),
      400,
      'mutability',
    );
    assertScimError(
      await scim.patch(`/Users/${user.id}`, patchBody({ op: 'replace', value: { id: 'other', title: 'X' } })),
      400,
      'mutability',
    );
    assertScimError(
      await scim.put(`/Users/${user.id}`, { ...userBody('keep@strict.example'), id: 'other' }),
      400,
      'mutability',
    );
    await unchanged();
  });

  it('5,000 operations in one PATCH → 400 tooMany, nothing applied', async () => {
    const ops = Array.from({ length: 5000 }, (_, i) => ({ op: 'replace', path: 'title', value: `T${i}` }));
    assertScimError(await scim.patch(`/Users/${user.id}`, patchBody(...ops)), 400, 'tooMany');
    await unchanged();
  });

  it('a wrongly typed value → 400 invalidValue', async () => {
    assertScimError(
      await scim.patch(
        `/Users/${user.id}`,
        patchBody(
          { op: 'replace', path: 'title', value: 'X' },
          { op: 'replace', path: 'active', value: 'maybe' },
        ),
      ),
      400,
      'invalidValue',
    );
    await unchanged();
  });

  it('a member from another tenant → 400 invalidValue; the group keeps its members', async () => {
    const other = await scimClient(app, 'strict-other');
    const foreign = (await other.post('/Users', userBody('foreign@other.example'))).body.id as string;
    const group = (
      await scim.post('/Groups', { schemas: [GROUP], displayName: 'G', members: [{ value: user.id }] })
    ).body;
    assertScimError(
      await scim.patch(
        `/Groups/${group.id}`,
        patchBody(
          { op: 'replace', path: 'displayName', value: 'Renamed' },
          { op: 'add', path: 'members', value: [{ value: foreign }] },
        ),
      ),
      400,
      'invalidValue',
    );
    assertScimError(
      await scim.post('/Groups', { schemas: [GROUP], displayName: 'H', members: [{ value: foreign }] }),
      400,
      'invalidValue',
    );
    const after = (await scim.get(`/Groups/${group.id}`)).body;
    assert.equal(after.displayName, 'G');
    assert.deepEqual(
      after.members.map((m: { value: string }) => m.value),
      [user.id],
    );
    assert.equal((await scim.get('/Groups?filter=displayName eq "H"')).body.totalResults, 0);
  });

  it('unknown ids → 404; unknown paths → SCIM 404; If-Match mismatch → 412', async () => {
    assertScimError(await scim.get('/Users/01900000-0000-7000-8000-000000000000'), 404);
    assertScimError(await scim.get('/Nope'), 404);
    const res = await scim
      .patch(`/Users/${user.id}`, patchBody({ op: 'replace', path: 'title', value: 'X' }))
      .set('If-Match', 'W/"99"');
    assertScimError(res, 412);
    await unchanged();
  });

  it('a body over the limit → 413', async () => {
    const res = await scim.post('/Users', {
      ...userBody('big@strict.example'),
      title: 'x'.repeat(2 * 1024 * 1024),
    });
    assertScimError(res, 413);
  });
});

describe('SCIM: tenant isolation and auth', () => {
  let app: TestApp;
  let a: Scim;
  let b: Scim;
  before(async () => {
    app = await startTestApp();
    a = await scimClient(app, 'tenant-a');
    b = await scimClient(app, 'tenant-b');
  });
  after(() => app.close());

  it('no token or tenant B token on tenant A URL → 401', async () => {
    assertScimError(await request(app.app).get('/scim/v2/tenant-a/Users'), 401);
    const bToken = b.get('/Users');
    const header = (bToken as unknown as { header: Record<string, string> }).header.Authorization;
    assertScimError(await request(app.app).get('/scim/v2/tenant-a/Users').set('Authorization', header), 401);
  });

  it('ids of tenant A are 404 under tenant B; lists do not leak', async () => {
    const user = (await a.post('/Users', userBody('only-a@a.example'))).body;
    assertScimError(await b.get(`/Users/${user.id}`), 404);
    assertScimError(
      await b.patch(`/Users/${user.id}`, patchBody({ op: 'replace', path: 'title', value: 'X' })),
      404,
    );
    assertScimError(await b.del(`/Users/${user.id}`), 404);
    assert.equal((await b.get('/Users?filter=userName eq "only-a@a.example"')).body.totalResults, 0);
    assert.equal((await a.get(`/Users/${user.id}`)).status, 200);
  });

  it('a disabled tenant → 403', async () => {
    await request(app.app)
      .patch('/admin/tenants/tenant-b')
      .set('Authorization', app.operator)
      .send({ status: 'disabled' })
      .expect(200);
    assertScimError(await b.get('/Users'), 403);
  });
});
