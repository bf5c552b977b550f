import assert from 'node:assert/strict';
import { GROUP, USER, patchBody, scimClient, startTestApp, userBody } from './helpers.ts';
import type { Scim, TestApp } from './helpers.ts';

// The requests Okta documents for SCIM 2.0 provisioning, as Okta sends them.
describe('SCIM: Okta requests', () => {
  let app: TestApp;
  let scim: Scim;
  before(async () => {
    app = await startTestApp();
    scim = await scimClient(app, 'okta-co');
  });
  after(() => app.close());

  it('looks a user up by userName before creating (empty list, then exactly one)', async () => {
    const empty = await scim.get(
      '/Users?filter=userName%20eq%20%22jdoe%40okta.example%22&startIndex=1&count=100',
    );
    assert.equal(empty.status, 200);
    assert.match(empty.headers['content-type'] ?? '', /^application\/scim\+json/);
    assert.deepEqual(
      [empty.body.totalResults, empty.body.itemsPerPage, empty.body.startIndex, empty.body.Resources],
      [0, 0, 1, []],
    );
    await scim.post('/Users', userBody('jdoe@okta.example')).expect(201);
    const found = await scim.get('/Users?filter=userName eq "JDOE@okta.example"&startIndex=1&count=100');
    assert.equal(found.body.totalResults, 1);
    assert.equal(found.body.Resources[0].userName, 'jdoe@okta.example');
  });

  it('creates with password, groups: [] and locale; never stores or returns the password', async () => {
    const res = await scim.post('/Users', {
      ...userBody('pw@okta.example'),
      password: 't1meMa$heen',
      groups: [],
      locale: 'en-US',
      displayName: 'Pat W',
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.location, `http://127.0.0.1:3000/scim/v2/okta-co/Users/${res.body.id}`);
    assert.equal(res.body.password, undefined);
    assert.equal(res.body.locale, 'en-US');
    assert.equal(res.headers.etag, 'W/"1"');
    const stored = await app.container.storage.accounts.get(
      (await app.container.storage.tenants.getBySlug('okta-co'))!.id,
      res.body.id,
    );
    assert.ok(stored);
    assert.equal(JSON.stringify(stored).includes('t1meMa$heen'), false);
  });

  it('answers a duplicate POST with 409 uniqueness (case-insensitive userName)', async () => {
    await scim.post('/Users', userBody('dup@okta.example')).expect(201);
    const res = await scim.post('/Users', userBody('DUP@okta.example'));
    assert.equal(res.status, 409);
    assert.deepEqual([res.body.status, res.body.scimType], ['409', 'uniqueness']);
  });

  it('deactivates with a no-path replace and still reads the user back (200, active false)', async () => {
    const { body } = await scim.post('/Users', userBody('deact@okta.example'));
    const res = await scim.patch(`/Users/${body.id}`, patchBody({ op: 'replace', value: { active: false } }));
    assert.equal(res.status, 200);
    assert.equal(res.body.active, false);
    const read = await scim.get(`/Users/${body.id}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.active, false);
    assert.equal(read.body.meta.version, 'W/"2"');
  });

  it('updates through PUT (full replace keeps id and meta.created)', async () => {
    const { body } = await scim.post('/Users', userBody('put@okta.example', { title: 'Engineer' }));
    const res = await scim.put(`/Users/${body.id}`, {
      schemas: [USER],
      id: body.id,
      userName: 'put@okta.example',
      name: { givenName: 'P', familyName: 'Q' },
      active: true,
      emails: [{ value: 'put@okta.example', primary: true }],
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.id, body.id);
    assert.equal(res.body.meta.created, body.meta.created);
    assert.equal(res.body.title, undefined);
    assert.deepEqual(res.body.name, { givenName: 'P', familyName: 'Q' });
  });

  it('accepts JSON integers for string attributes (employeeNumber) and stores strings', async () => {
    const res = await scim.post('/Users', {
      ...userBody('num@okta.example'),
      schemas: [USER, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: 4711 },
    });
    assert.equal(res.status, 201);
    assert.equal(
      res.body['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].employeeNumber,
      '4711',
    );
  });

  describe('Group Push', () => {
    let ids: string[];
    let groupId: string;
    before(async () => {
      ids = [];
      for (const n of ['g1', 'g2', 'g3'])
        ids.push((await scim.post('/Users', userBody(`${n}@okta.example`))).body.id);
      const group = await scim.post('/Groups', {
        schemas: [GROUP],
        displayName: 'Engineering',
        members: [{ value: ids[0], display: 'g1' }],
      });
      assert.equal(group.status, 201);
      groupId = group.body.id;
    });

    it('renames with {"op":"replace","value":{"id","displayName"}}', async () => {
      const res = await scim.patch(
        `/Groups/${groupId}`,
        patchBody({ op: 'replace', value: { id: groupId, displayName: 'Eng' } }),
      );
      assert.equal(res.status, 204);
      assert.equal((await scim.get(`/Groups/${groupId}`)).body.displayName, 'Eng');
    });

    it('removes by members[value eq] and adds in the same request', async () => {
      const res = await scim.patch(
        `/Groups/${groupId}`,
        patchBody(
          { op: 'remove', path: `members[value eq "${ids[0]}"]` },
          {
            op: 'add',
            path: 'members',
            value: [
              { value: ids[1], display: 'g2' },
              { value: ids[2], display: 'g3' },
            ],
          },
        ),
      );
      assert.equal(res.status, 204);
      const members = (await scim.get(`/Groups/${groupId}`)).body.members.map(
        (m: { value: string }) => m.value,
      );
      assert.deepEqual(members.sort(), [ids[1], ids[2]].sort());
    });

    it('replaces the full member list', async () => {
      await scim
        .patch(
          `/Groups/${groupId}`,
          patchBody({ op: 'replace', path: 'members', value: [{ value: ids[0] }] }),
        )
        .expect(204);
      const group = (await scim.get(`/Groups/${groupId}`)).body;
      assert.deepEqual(
        group.members.map((m: { value: string }) => m.value),
        [ids[0]],
      );
      const user = (await scim.get(`/Users/${ids[0]}`)).body;
      assert.deepEqual(
        user.groups.map((g: { value: string; display: string }) => [g.value, g.display]),
        [[groupId, 'Eng']],
      );
    });
  });
});
