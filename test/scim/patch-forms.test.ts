import assert from 'node:assert/strict';
import { accountIndexKey, recordKey } from '../../src/provider/records.ts';
import type { AccountId, TenantId } from '../../src/storage/ports.ts';
import { ENTERPRISE, ERROR, GROUP, USER, patchBody, scimClient, startTestApp, userBody } from './helpers.ts';
import type { Scim, TestApp } from './helpers.ts';

const ENTRA_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

describe('SCIM PATCH: containers, keys not understood, remove active, projections', () => {
  let app: TestApp;
  let scim: Scim;
  let tenantId: TenantId;
  before(async () => {
    app = await startTestApp();
    scim = await scimClient(app, 'patch-forms');
    tenantId = (await app.container.storage.tenants.getBySlug('patch-forms'))!.id;
  });
  after(() => app.close());

  const newUser = async (name: string, extra: Record<string, unknown> = {}) => {
    const res = await scim.post('/Users', userBody(`${name}@patch.example`, extra));
    assert.equal(res.status, 201);
    return res.body as { id: string; meta: { version: string } };
  };

  async function assertRefused(path: string, body: unknown, scimType: string, version: string) {
    const res = await scim.patch(path, body);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.deepEqual(res.body.schemas, [ERROR]);
    assert.equal(res.body.scimType, scimType);
    assert.equal((await scim.get(path)).body.meta.version, version, 'nothing stored');
  }

  describe('an extension as a container in a no-path value', () => {
    for (const [n, op] of ['replace', 'add', 'Replace'].entries()) {
      it(`${op}: applied like the flat urn:…:department form`, async () => {
        const user = await newUser(`container-${n}`, { [ENTERPRISE]: { employeeNumber: '7' } });
        const res = await scim.patch(
          `/Users/${user.id}`,
          patchBody({ op, value: { [ENTERPRISE]: { department: 'X' }, title: 'T' } }),
        );
        assert.equal(res.status, 200);
        assert.deepEqual(res.body[ENTERPRISE], { employeeNumber: '7', department: 'X' });
        assert.notEqual(res.body.meta.version, user.meta.version);
        const flat = await newUser(`flat-${n}`, { [ENTERPRISE]: { employeeNumber: '7' } });
        const same = await scim.patch(
          `/Users/${flat.id}`,
          patchBody({ op, value: { [`${ENTERPRISE}:department`]: 'X', title: 'T' } }),
        );
        assert.deepEqual(same.body[ENTERPRISE], res.body[ENTERPRISE]);
        assert.deepEqual((await scim.get(`/Users/${user.id}`)).body[ENTERPRISE], res.body[ENTERPRISE]);
      });
    }

    it('nested and dotted names inside the container, case-insensitively', async () => {
      const user = await newUser('nested');
      const res = await scim.patch(
        `/Users/${user.id}`,
        patchBody({
          op: 'add',
          value: { [ENTERPRISE.toLowerCase()]: { Manager: { value: 'm-1' }, COSTCENTER: 'c-9' } },
        }),
      );
      assert.equal(res.status, 200);
      assert.deepEqual(res.body[ENTERPRISE], { manager: { value: 'm-1' }, costCenter: 'c-9' });
      assert.deepEqual(res.body.schemas, [USER, ENTERPRISE]);
    });

    it('the core schema as a container', async () => {
      const user = await newUser('core');
      const res = await scim.patch(
        `/Users/${user.id}`,
        patchBody({ op: 'replace', value: { [USER]: { nickName: 'Corey' } } }),
      );
      assert.equal(res.status, 200);
      assert.equal(res.body.nickName, 'Corey');
    });

    it('Groups: an unknown extension they declare, as a container and qualified', async () => {
      const group = await scim.post('/Groups', { schemas: [GROUP, ENTRA_GROUP], displayName: 'Declared' });
      const path = `/Groups/${group.body.id}`;
      for (const value of [
        { [ENTRA_GROUP]: { mailNickname: 'one' } },
        { [`${ENTRA_GROUP}:mailNickname`]: 'two' },
      ]) {
        const res = await scim.patch(path, patchBody({ op: 'replace', value }));
        assert.equal(res.status, 204);
      }
      const read = await scim.get(path);
      assert.deepEqual(read.body[ENTRA_GROUP], { mailNickname: 'two' });
      assert.deepEqual(read.body.schemas, [GROUP, ENTRA_GROUP]);
      const add = await scim.patch(
        `${path}?excludedAttributes=members`,
        patchBody({ op: 'add', value: { [ENTRA_GROUP]: { other: 1 } } }),
      );
      assert.deepEqual(add.body[ENTRA_GROUP], { mailNickname: 'two', other: 1 });
    });
  });

  describe('keys that are not understood → 400, nothing stored', () => {
    it('an unknown attribute inside a known container', async () => {
      const user = await newUser('unknown-in-container');
      await assertRefused(
        `/Users/${user.id}`,
        patchBody({ op: 'replace', value: { [ENTERPRISE]: { departmnt: 'X' } } }),
        'invalidPath',
        user.meta.version,
      );
    });

    it('an extension the resource does not declare, and an unknown schema prefix', async () => {
      const user = await newUser('undeclared');
      for (const value of [
        { 'urn:example:unknown:1.0:User': { x: 1 } },
        { 'urn:example:unknown:1.0:User:x': 1 },
        { [`${ENTERPRISE}:nope`]: 'x' },
        { favouriteColour: 'red' },
      ])
        await assertRefused(
          `/Users/${user.id}`,
          patchBody({ op: 'replace', value }),
          'invalidPath',
          user.meta.version,
        );
      const group = await scim.post('/Groups', { schemas: [GROUP], displayName: 'Undeclared' });
      await assertRefused(
        `/Groups/${group.body.id}`,
        patchBody({ op: 'replace', value: { [ENTRA_GROUP]: { mailNickname: 'x' } } }),
        'invalidPath',
        group.body.meta.version,
      );
    });

    it('a sub-attribute the schema lacks, when nothing else changes', async () => {
      const user = await newUser('sub-key');
      await assertRefused(
        `/Users/${user.id}`,
        patchBody({ op: 'replace', path: 'name', value: { givnName: 'Typo' } }),
        'invalidPath',
        user.meta.version,
      );
      await assertRefused(
        `/Users/${user.id}`,
        patchBody({ op: 'replace', path: 'emails[type eq "work"]', value: { kind: 'home' } }),
        'invalidPath',
        user.meta.version,
      );
    });

    it('a PATCH that repeats what is stored is still a 200', async () => {
      const user = await newUser('repeat', { title: 'Same' });
      const res = await scim.patch(
        `/Users/${user.id}`,
        patchBody({ op: 'replace', path: 'title', value: 'Same' }),
      );
      assert.equal(res.status, 200);
      assert.equal(res.body.meta.version, user.meta.version);
    });
  });

  describe('remove active', () => {
    it('leaves the account inactive (false), its sessions ended, and never re-activates it', async () => {
      const user = await newUser('leaver');
      const id = user.id as AccountId;
      const path = `/Users/${id}`;
      // A browser session the product's OpenID Provider indexed for the account.
      const store = app.container.storage.ephemeral;
      await store.put(recordKey('Session', 'sess-1'), JSON.stringify({ accountId: id }), 600);
      await store.put(accountIndexKey(id, 'Session', 'sess-1'), '', 600);

      const removed = await scim.patch(path, patchBody({ op: 'remove', path: 'active' }));
      assert.equal(removed.status, 200);
      assert.equal(removed.body.active, false);
      assert.equal((await app.container.storage.accounts.get(tenantId, id))?.active, false);
      assert.equal(await store.get(recordKey('Session', 'sess-1')), undefined, 'session ended');

      // Deactivated first, then removed: still false, and the removal changes nothing.
      await scim.patch(path, patchBody({ op: 'replace', path: 'active', value: false }));
      const again = await scim.patch(path, patchBody({ op: 'remove', path: 'active' }));
      assert.equal(again.body.active, false);
      const nulled = await scim.patch(path, patchBody({ op: 'replace', value: { active: null } }));
      assert.equal(nulled.body.active, false);
      assert.equal((await app.container.storage.accounts.get(tenantId, id))?.active, false);
      const events = await app.container.storage.audit.list(tenantId, null, 1000);
      assert.equal(events.filter((e) => e.target?.id === id && e.type === 'account.reactivated').length, 0);
      assert.equal(events.filter((e) => e.target?.id === id && e.type === 'account.deactivated').length, 1);
    });
  });

  describe('attributes / excludedAttributes on PATCH → 200 with the projected resource', () => {
    it('Users', async () => {
      const user = await newUser('projected');
      const res = await scim.patch(
        `/Users/${user.id}?attributes=title`,
        patchBody({ op: 'replace', path: 'title', value: 'Lead' }),
      );
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.body).sort(), ['id', 'schemas', 'title']);
      const excluded = await scim.patch(
        `/Users/${user.id}?excludedAttributes=emails,name`,
        patchBody({ op: 'replace', path: 'title', value: 'Head' }),
      );
      assert.equal(excluded.body.title, 'Head');
      assert.equal(excluded.body.emails, undefined);
      assert.equal(excluded.body.userName, 'projected@patch.example');
    });

    it('Groups: 200 instead of 204, members only when asked for', async () => {
      const member = await newUser('member');
      const group = await scim.post('/Groups', { schemas: [GROUP], displayName: 'Projected' });
      const path = `/Groups/${group.body.id}`;
      const plain = await scim.patch(
        path,
        patchBody({ op: 'add', path: 'members', value: [{ value: member.id }] }),
      );
      assert.equal(plain.status, 204);
      const withMembers = await scim.patch(
        `${path}?attributes=members,displayName`,
        patchBody({ op: 'replace', path: 'displayName', value: 'Projected 2' }),
      );
      assert.equal(withMembers.status, 200);
      assert.equal(withMembers.body.displayName, 'Projected 2');
      assert.deepEqual(
        withMembers.body.members.map((m: { value: string }) => m.value),
        [member.id],
      );
      assert.match(withMembers.headers.etag ?? '', /^W\/"\d+"$/);
      const without = await scim.patch(
        `${path}?excludedAttributes=members`,
        patchBody({ op: 'remove', path: `members[value eq "${member.id}"]` }),
      );
      assert.equal(without.status, 200);
      assert.equal(without.body.members, undefined);
      assert.equal(without.body.displayName, 'Projected 2');
    });
  });
});
