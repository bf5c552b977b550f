import assert from 'node:assert/strict';
import { ERROR, GROUP, USER, scimClient, startTestApp, userBody } from './helpers.ts';
import type { Scim, TestApp } from './helpers.ts';

const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

interface Resource {
  id: string;
  schemas: string[];
  meta: { resourceType: string };
}

// RFC 7644 §3.4.3: POST /.search at the service root searches every resource type.
describe('SCIM: POST /.search at the root, across Users and Groups', () => {
  let app: TestApp;
  let scim: Scim;
  const users: string[] = [];
  const groups: string[] = [];
  before(async () => {
    app = await startTestApp();
    scim = await scimClient(app, 'root-search');
    for (const name of ['amy', 'abe', 'zed'])
      users.push((await scim.post('/Users', userBody(`${name}@root.example`))).body.id);
    for (const name of ['Admins', 'Builders'])
      groups.push((await scim.post('/Groups', { schemas: [GROUP], displayName: name })).body.id);
  });
  after(() => app.close());

  const search = (body: Record<string, unknown>) => scim.post('/.search', { schemas: [SEARCH], ...body });
  const idsOf = (res: { body: { Resources: Resource[] } }) => res.body.Resources.map((r) => r.id);

  it('userName pr matches the Users and no Group', async () => {
    const res = await search({ filter: 'userName pr' });
    assert.equal(res.status, 200);
    assert.equal(res.body.totalResults, 3);
    assert.deepEqual(idsOf(res), users);
  });

  it('userName sw "a" or displayName pr matches both kinds, each with its own schemas and resourceType', async () => {
    const res = await search({ filter: 'userName sw "a" or displayName pr' });
    assert.equal(res.status, 200);
    // These users have no displayName: amy and abe match by userName, the groups by displayName.
    assert.deepEqual(idsOf(res), [users[0], users[1], ...groups]);
    assert.equal(res.body.totalResults, 4);
    const byId = new Map((res.body.Resources as Resource[]).map((r) => [r.id, r]));
    assert.deepEqual(byId.get(users[0] ?? '')?.schemas, [USER]);
    assert.equal(byId.get(users[0] ?? '')?.meta.resourceType, 'User');
    assert.deepEqual(byId.get(groups[0] ?? '')?.schemas, [GROUP]);
    assert.equal(byId.get(groups[0] ?? '')?.meta.resourceType, 'Group');
  });

  it('members pr (a Group attribute) and a value filter Groups lack', async () => {
    const none = await search({ filter: 'members pr' });
    assert.equal(none.body.totalResults, 0);
    const emails = await search({
      filter: 'emails[type eq "work"].value eq "zed@root.example" or displayName eq "builders"',
    });
    assert.deepEqual(idsOf(emails), [users[2], groups[1]]);
  });

  it('pages across both types: every resource once, honest totals', async () => {
    const seen: string[] = [];
    for (let startIndex = 1; startIndex <= 5; startIndex += 2) {
      const res = await search({ startIndex, count: 2 });
      assert.equal(res.status, 200);
      assert.equal(res.body.totalResults, 5);
      assert.equal(res.body.startIndex, startIndex);
      assert.equal(res.body.itemsPerPage, res.body.Resources.length);
      seen.push(...idsOf(res));
    }
    assert.deepEqual(seen, [...users, ...groups]);
    const past = await search({ startIndex: 9, count: 2 });
    assert.deepEqual([past.body.totalResults, past.body.Resources.length], [5, 0]);
    const totalOnly = await search({ count: 0, filter: 'userName pr or displayName pr' });
    assert.deepEqual([totalOnly.body.totalResults, totalOnly.body.Resources.length], [5, 0]);
    const lastGroup = await search({ startIndex: 5, count: 10 });
    assert.deepEqual(idsOf(lastGroup), [groups[1]]);
  });

  it('projects per type; sortBy an attribute one type lacks orders the other', async () => {
    const res = await search({
      attributes: ['userName', 'displayName'],
      sortBy: 'userName',
      sortOrder: 'descending',
    });
    assert.equal(res.status, 200);
    assert.deepEqual(idsOf(res), [users[2], users[0], users[1], ...groups]);
    const group = (res.body.Resources as Record<string, unknown>[]).find((r) => r.id === groups[0]);
    assert.deepEqual(Object.keys(group ?? {}).sort(), ['displayName', 'id', 'schemas']);
  });

  it('an attribute no type has is still 400 invalidFilter; a bad body is 400 invalidSyntax', async () => {
    for (const filter of ['nope pr', 'userName pr and nope eq "x"', 'sortOrder eq']) {
      const res = await search({ filter });
      assert.equal(res.status, 400, filter);
      assert.deepEqual(res.body.schemas, [ERROR]);
      assert.equal(res.body.scimType, 'invalidFilter', filter);
    }
    const badSort = await search({ sortBy: 'nope' });
    assert.equal(badSort.status, 400);
    const notObject = await scim.post('/.search', '[1]');
    assert.equal(notObject.status, 400);
    assert.equal(notObject.body.scimType, 'invalidSyntax');
  });
});
