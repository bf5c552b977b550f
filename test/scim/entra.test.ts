import assert from 'node:assert/strict';
import { ENTERPRISE, GROUP, USER, patchBody, scimClient, startTestApp } from './helpers.ts';
import type { Scim, TestApp } from './helpers.ts';

// The requests Microsoft documents for Entra ID provisioning, as Entra sends them.
describe('SCIM: Entra ID requests', () => {
  let app: TestApp;
  let scim: Scim;
  let userId: string;
  before(async () => {
    app = await startTestApp();
    scim = await scimClient(app, 'entra-co');
    const res = await scim.post('/Users', {
      schemas: [USER, ENTERPRISE],
      externalId: 'jyoung',
      userName: 'Test_User_ab6490ee@contoso.com',
      active: true,
      displayName: 'Jane Young',
      emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b@contoso.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
      [ENTERPRISE]: { department: 'Sales', manager: { value: 'boss-1' } },
    });
    assert.equal(res.status, 201);
    userId = res.body.id;
  });
  after(() => app.close());

  it('stores both schemas, drops empty roles, keeps manager.value', async () => {
    const res = await scim.get(`/Users/${userId}`);
    assert.deepEqual(res.body.schemas, [USER, ENTERPRISE]);
    assert.equal(res.body.roles, undefined);
    assert.deepEqual(res.body[ENTERPRISE], { department: 'Sales', manager: { value: 'boss-1' } });
    assert.equal(res.body.externalId, 'jyoung');
  });

  it('filters by an unquoted externalId (externalId eq jyoung), case-exact', async () => {
    const res = await scim.get('/Users?filter=externalId eq jyoung');
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.Resources.map((r: { id: string }) => r.id),
      [userId],
    );
    const other = await scim.get('/Users?filter=externalId eq JYOUNG');
    assert.equal(other.body.totalResults, 0);
  });

  it('PATCH Replace emails[type eq "work"].value', async () => {
    const res = await scim.patch(
      `/Users/${userId}`,
      patchBody({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' }),
    );
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.emails, [{ primary: true, type: 'work', value: 'updatedEmail@microsoft.com' }]);
  });

  it('PATCH Add nickName and Replace active "False" (coerced to boolean)', async () => {
    const res = await scim.patch(
      `/Users/${userId}`,
      patchBody(
        { op: 'Add', path: 'nickName', value: 'Babs' },
        { op: 'Replace', path: 'active', value: 'False' },
      ),
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.nickName, 'Babs');
    assert.equal(res.body.active, false);
    const again = await scim.patch(
      `/Users/${userId}`,
      patchBody({ op: 'Replace', path: 'active', value: 'True' }),
    );
    assert.equal(again.body.active, true);
  });

  it('no-path Replace with dotted and URN keys', async () => {
    const res = await scim.patch(
      `/Users/${userId}`,
      patchBody({
        op: 'Replace',
        value: { 'name.givenName': 'Jane', [`${ENTERPRISE}:employeeNumber`]: '701984' },
      }),
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.name.givenName, 'Jane');
    assert.equal(res.body[ENTERPRISE].employeeNumber, '701984');
    assert.equal(res.body[ENTERPRISE].department, 'Sales');
  });

  it('URN path to the extension (manager.value)', async () => {
    const res = await scim.patch(
      `/Users/${userId}`,
      patchBody({ op: 'Replace', path: `${ENTERPRISE}:manager.value`, value: 'boss-2' }),
    );
    assert.equal(res.status, 200);
    assert.equal(res.body[ENTERPRISE].manager.value, 'boss-2');
  });

  it('groups: excludedAttributes=members with a displayName filter, Add/Remove members with $ref null', async () => {
    const group = await scim.post('/Groups', {
      schemas: [GROUP],
      externalId: '8aa1a0c0',
      displayName: 'Group1DisplayName',
      members: [],
    });
    assert.equal(group.status, 201);
    const found = await scim.get(
      '/Groups?excludedAttributes=members&filter=displayName eq "Group1DisplayName"',
    );
    assert.equal(found.body.totalResults, 1);
    assert.equal(found.body.Resources[0].id, group.body.id);
    assert.equal('members' in found.body.Resources[0], false);
    const add = await scim.patch(
      `/Groups/${group.body.id}`,
      patchBody({ op: 'Add', path: 'members', value: [{ $ref: null, value: userId }] }),
    );
    assert.ok([200, 204].includes(add.status));
    assert.deepEqual(
      (await scim.get(`/Groups/${group.body.id}`)).body.members.map((m: { value: string }) => m.value),
      [userId],
    );
    const byMember = await scim.get(
      `/Groups?filter=members[value eq "${userId}"]&excludedAttributes=members`,
    );
    assert.deepEqual(
      byMember.body.Resources.map((r: { id: string }) => r.id),
      [group.body.id],
    );
    const remove = await scim.patch(
      `/Groups/${group.body.id}`,
      patchBody({ op: 'Remove', path: 'members', value: [{ $ref: null, value: userId }] }),
    );
    assert.ok([200, 204].includes(remove.status));
    assert.equal((await scim.get(`/Groups/${group.body.id}`)).body.members.length, 0);
  });

  it('GET /Schemas lists User, EnterpriseUser and Group', async () => {
    const res = await scim.get('/Schemas');
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.Resources.map((s: { id: string }) => s.id),
      [USER, ENTERPRISE, GROUP],
    );
    const user = res.body.Resources[0];
    const userName = user.attributes.find((a: { name: string }) => a.name === 'userName');
    assert.deepEqual([userName.uniqueness, userName.caseExact, userName.required], ['server', false, true]);
    const one = await scim.get(`/Schemas/${ENTERPRISE}`);
    assert.equal(one.body.name, 'EnterpriseUser');
  });
});
