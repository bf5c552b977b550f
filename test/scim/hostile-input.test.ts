import assert from 'node:assert/strict';
import request from 'supertest';
import { startTestApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { USER, GROUP, PATCH_OP } from './helpers.ts';

// Bad input gets a SCIM error with a 4xx, never a 500, and nothing stored changes. Each case is
// something a broken or hostile client could send.

const BODIES: unknown[] = [
  null,
  [],
  'text',
  42,
  {},
  { schemas: 'not-an-array' },
  { schemas: [USER] },
  { schemas: [USER], userName: '' },
  { schemas: [USER], userName: 42 },
  { schemas: [USER], userName: 'x', emails: 'a@b.c' },
  { schemas: [USER], userName: 'x', emails: [null] },
  { schemas: [USER], userName: 'x', emails: [{ value: 1 }] },
  { schemas: [USER], userName: 'x', name: 'Alice' },
  { schemas: [USER], userName: 'x', active: 'maybe' },
  { schemas: [USER], userName: 'x', meta: { created: 'yesterday' }, id: 'mine' },
  { schemas: [USER], userName: 'x'.repeat(100_000) },
  // Raw JSON text: an object literal would set the prototype instead of a key.
  `{"schemas":["${USER}"],"userName":"x","__proto__":{"admin":true}}`,
  { schemas: [USER], userName: 'x', constructor: { prototype: { polluted: true } } },
  { schemas: [GROUP], displayName: 'g', members: 'all' },
  { schemas: [GROUP], displayName: 'g', members: [{ value: { $ne: null } }] },
  { schemas: [GROUP], displayName: 'g', members: [{ value: '../../etc/passwd' }] },
];

const PATCHES: unknown[] = [
  { schemas: [PATCH_OP], Operations: 'replace' },
  { schemas: [PATCH_OP], Operations: [null] },
  { schemas: [PATCH_OP], Operations: [{ op: 'replace' }] },
  { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: '', value: 'x' }] },
  { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'emails[', value: 'x' }] },
  { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'emails[type eq "work"', value: 'x' }] },
  { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: 'x' }] },
  { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members[value]' }] },
  { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: '__proto__.polluted', value: true }] },
  `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"replace","value":{"__proto__":{"polluted":true}}}]}`,
  `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","path":"__proto__","value":{"polluted":true}}]}`,
  { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: null }] },
  { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'name', value: [1, 2] }] },
];

const FILTERS = [
  '(',
  ')',
  'userName eq',
  'eq "x"',
  'userName zz "x"',
  'userName eq "x" and',
  'emails[value eq "x"',
  'emails[value eq "x"]]',
  'name.familyName.extra eq "x"',
  'urn:bogus:schema:userName eq "x"',
  '"'.repeat(1000),
  '('.repeat(500) + 'userName eq "x"' + ')'.repeat(500),
  'userName eq "\u0000"',
  'meta.created gt "not a date"',
];

describe('SCIM under hostile input: 4xx, never 500, nothing changed', function () {
  this.timeout(60_000);
  let t: TestApp;
  let auth: string;
  let userId: string;
  let groupId: string;

  before(async () => {
    t = await startTestApp();
    auth = `Bearer ${(await t.tenant('acme')).scimToken}`;
    const user = await request(t.app)
      .post('/scim/v2/acme/Users')
      .set('Authorization', auth)
      .send({ schemas: [USER], userName: 'alice@acme.com' });
    userId = user.body.id as string;
    const group = await request(t.app)
      .post('/scim/v2/acme/Groups')
      .set('Authorization', auth)
      .send({ schemas: [GROUP], displayName: 'Team', members: [{ value: userId }] });
    groupId = group.body.id as string;
  });
  after(async () => t.close());

  function expectClientError(res: request.Response, what: string): void {
    assert.ok(res.status >= 400 && res.status < 500, `${what}: ${res.status} ${res.text.slice(0, 200)}`);
    assert.match(res.headers['content-type'] ?? '', /application\/scim\+json/, what);
    assert.deepEqual(res.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error'], what);
    assert.equal(res.body.status, String(res.status), what);
  }

  async function unchanged(): Promise<void> {
    const user = await request(t.app).get(`/scim/v2/acme/Users/${userId}`).set('Authorization', auth);
    assert.equal(user.body.userName, 'alice@acme.com');
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
    const group = await request(t.app).get(`/scim/v2/acme/Groups/${groupId}`).set('Authorization', auth);
    assert.deepEqual(
      group.body.members.map((m: { value: string }) => m.value),
      [userId],
    );
    const users = await request(t.app).get('/scim/v2/acme/Users').set('Authorization', auth);
    assert.equal(users.body.totalResults, 1);
  }

  it('bodies for POST and PUT', async () => {
    for (const body of BODIES) {
      const what = JSON.stringify(body)?.slice(0, 80) ?? String(body);
      const isGroup = JSON.stringify(body)?.includes(GROUP) ?? false;
      const collection = isGroup ? 'Groups' : 'Users';
      const id = isGroup ? groupId : userId;
      const payload =
        typeof body === 'string' && body.startsWith('{') ? body : (JSON.stringify(body) ?? 'null');
      const create = await request(t.app)
        .post(`/scim/v2/acme/${collection}`)
        .set('Authorization', auth)
        .set('Content-Type', 'application/scim+json')
        .send(payload);
      // A well-formed user with a long name may be accepted; then remove it again.
      if (create.status === 201) {
        await request(t.app)
          .delete(`/scim/v2/acme/${collection}/${create.body.id as string}`)
          .set('Authorization', auth);
        assert.ok(!isGroup || !what.includes('members'), `${what} should have been refused`);
      } else expectClientError(create, `POST ${what}`);
      const replace = await request(t.app)
        .put(`/scim/v2/acme/${collection}/${id}`)
        .set('Authorization', auth)
        .set('Content-Type', 'application/scim+json')
        .send(payload);
      if (replace.status !== 200) expectClientError(replace, `PUT ${what}`);
      else {
        // Restore what a (valid) replace changed.
        await request(t.app)
          .put(`/scim/v2/acme/Users/${userId}`)
          .set('Authorization', auth)
          .send({ schemas: [USER], userName: 'alice@acme.com' });
      }
    }
    await unchanged();
  });

  it('PATCH operations', async () => {
    for (const body of PATCHES) {
      for (const [collection, id] of [
        ['Users', userId],
        ['Groups', groupId],
      ] as const) {
        const res = await request(t.app)
          .patch(`/scim/v2/acme/${collection}/${id}`)
          .set('Authorization', auth)
          .set('Content-Type', 'application/scim+json')
          .send(typeof body === 'string' ? body : JSON.stringify(body));
        expectClientError(res, `PATCH ${collection} ${JSON.stringify(body).slice(0, 100)}`);
      }
    }
    await unchanged();
  });

  it('filters and paging parameters', async () => {
    for (const filter of FILTERS) {
      for (const collection of ['Users', 'Groups']) {
        const res = await request(t.app)
          .get(`/scim/v2/acme/${collection}`)
          .query({ filter })
          .set('Authorization', auth);
        if (res.status !== 200) expectClientError(res, `filter ${filter.slice(0, 60)}`);
      }
    }
    for (const query of [
      'sortBy=nope',
      'sortOrder=sideways',
      'attributes=%00',
      'count=1e400',
      'startIndex=NaN',
    ]) {
      const res = await request(t.app).get(`/scim/v2/acme/Users?${query}`).set('Authorization', auth);
      if (res.status !== 200) expectClientError(res, query);
    }
    await unchanged();
  });
});
