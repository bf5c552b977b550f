import assert from 'node:assert/strict';
import { ENTERPRISE, GROUP, USER, patchBody, scimClient, startTestApp, userBody } from './helpers.ts';
import type { Scim, TestApp } from './helpers.ts';

async function memberValues(scim: Scim, groupId: string): Promise<string[]> {
  const res = await scim.get(`/Groups/${groupId}`);
  return (res.body.members as { value: string }[]).map((m) => m.value).sort();
}

describe('SCIM: provisioning cycles end to end', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  it('Okta-style: create, look up, update, deactivate, group push, membership, delete — audited', async () => {
    const scim = await scimClient(app, 'cycle-okta');
    assert.equal(
      (await scim.get('/Users?filter=userName eq "kim@o.example"&startIndex=1&count=100')).body.totalResults,
      0,
    );
    const kim = (
      await scim.post('/Users', { ...userBody('kim@o.example'), password: 'secret-1', groups: [] })
    ).body;
    const lee = (await scim.post('/Users', userBody('lee@o.example'))).body;
    assert.equal((await scim.get('/Users?filter=userName eq "kim@o.example"')).body.Resources[0].id, kim.id);
    await scim
      .patch(
        `/Users/${kim.id}`,
        patchBody({ op: 'replace', value: { name: { givenName: 'Kim', familyName: 'K' } } }),
      )
      .expect(200);
    const group = (
      await scim.post('/Groups', { schemas: [GROUP], displayName: 'Ops', members: [{ value: kim.id }] })
    ).body;
    await scim
      .patch(
        `/Groups/${group.id}`,
        patchBody(
          { op: 'remove', path: `members[value eq "${kim.id}"]` },
          { op: 'add', path: 'members', value: [{ value: lee.id }] },
        ),
      )
      .expect(204);
    assert.deepEqual(await memberValues(scim, group.id), [lee.id]);
    const deactivated = await scim.patch(
      `/Users/${kim.id}`,
      patchBody({ op: 'replace', value: { active: false } }),
    );
    assert.equal(deactivated.body.active, false);
    assert.equal((await scim.get(`/Users/${kim.id}`)).status, 200);
    await scim.del(`/Users/${lee.id}`).expect(204);
    assert.deepEqual(await memberValues(scim, group.id), []);
    assert.equal((await scim.get(`/Users/${lee.id}`)).status, 404);
    await scim.del(`/Groups/${group.id}`).expect(204);
    const tenant = (await app.container.storage.tenants.getBySlug('cycle-okta'))!;
    const events = await app.container.storage.audit.list(tenant.id, null, 100);
    const types = events.filter((e) => e.actor.type === 'scim_token').map((e) => e.type);
    for (const t of [
      'account.created',
      'account.updated',
      'account.deactivated',
      'account.deleted',
      'team.created',
      'team.member_added',
      'team.member_removed',
      'team.deleted',
    ])
      assert.ok(types.includes(t), `missing ${t} in ${types.join(',')}`);
    const deactivation = events.find((e) => e.type === 'account.deactivated')!;
    assert.deepEqual(deactivation.target, { type: 'account', id: kim.id });
    assert.deepEqual(deactivation.data.attributes, ['active']);
    assert.equal(JSON.stringify(events).includes('secret-1'), false);
  });

  it('Entra-style: create with both schemas, externalId lookup, Replace ops, group Add/Remove, delete', async () => {
    const scim = await scimClient(app, 'cycle-entra');
    const user = (
      await scim.post('/Users', {
        schemas: [USER, ENTERPRISE],
        externalId: 'ayoung',
        userName: 'ay@contoso.com',
        active: true,
        roles: [],
        [ENTERPRISE]: { department: 'R&D' },
      })
    ).body;
    assert.equal((await scim.get('/Users?filter=externalId eq ayoung')).body.Resources[0].id, user.id);
    await scim
      .patch(
        `/Users/${user.id}`,
        patchBody(
          { op: 'Add', path: 'nickName', value: 'Al' },
          { op: 'Replace', path: 'displayName', value: 'A Young' },
        ),
      )
      .expect(200);
    const group = (await scim.post('/Groups', { schemas: [GROUP], displayName: 'R&D', externalId: 'g-1' }))
      .body;
    await scim.patch(
      `/Groups/${group.id}`,
      patchBody({ op: 'Add', path: 'members', value: [{ $ref: null, value: user.id }] }),
    );
    assert.deepEqual(
      (await scim.get(`/Users/${user.id}`)).body.groups.map((g: { display: string }) => g.display),
      ['R&D'],
    );
    await scim
      .patch(`/Users/${user.id}`, patchBody({ op: 'Replace', path: 'active', value: 'False' }))
      .expect(200);
    await scim.patch(
      `/Groups/${group.id}`,
      patchBody({ op: 'Remove', path: 'members', value: [{ $ref: null, value: user.id }] }),
    );
    assert.deepEqual(await memberValues(scim, group.id), []);
    await scim.del(`/Users/${user.id}`).expect(204);
    assert.equal((await scim.get('/Users?filter=externalId eq ayoung')).body.totalResults, 0);
  });

  it('Bulk with bulkId references and failOnErrors', async () => {
    const scim = await scimClient(app, 'cycle-bulk');
    const res = await scim.post('/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      failOnErrors: 1,
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'u1', data: userBody('bulk1@b.example') },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g1',
          data: { schemas: [GROUP], displayName: 'Bulk', members: [{ value: 'bulkId:u1' }] },
        },
        { method: 'POST', path: '/Users', bulkId: 'dup', data: userBody('BULK1@b.example') },
        { method: 'POST', path: '/Users', bulkId: 'never', data: userBody('never@b.example') },
      ],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.Operations.map((o: { status: string }) => o.status),
      ['201', '201', '409'],
    );
    assert.equal(res.body.Operations[2].response.scimType, 'uniqueness');
    const groupId = (res.body.Operations[1].location as string).split('/').pop()!;
    assert.equal((await memberValues(scim, groupId)).length, 1);
    assert.equal((await scim.get('/Users?filter=userName eq "never@b.example"')).body.totalResults, 0);
  });

  it('discovery is truthful; ETags answer If-None-Match with 304', async () => {
    const scim = await scimClient(app, 'cycle-disco');
    const spc = (await scim.get('/ServiceProviderConfig')).body;
    assert.deepEqual(
      [
        spc.patch.supported,
        spc.bulk.supported,
        spc.bulk.maxOperations,
        spc.filter.maxResults,
        spc.sort.supported,
        spc.etag.supported,
        spc.changePassword.supported,
      ],
      [true, true, 1000, 1000, true, true, false],
    );
    assert.equal(spc.bulk.maxPayloadSize, 1024 * 1024);
    const types = (await scim.get('/ResourceTypes')).body.Resources.map((r: { id: string }) => r.id);
    assert.deepEqual(types, ['User', 'Group']);
    const user = await scim.post('/Users', userBody('etag@d.example'));
    const notModified = await scim.get(`/Users/${user.body.id}`).set('If-None-Match', user.headers.etag);
    assert.equal(notModified.status, 304);
    const capped = await scim.get('/Users?count=5000');
    assert.equal(capped.body.itemsPerPage, 1);
  });
});
