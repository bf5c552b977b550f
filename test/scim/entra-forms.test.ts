import assert from 'node:assert/strict';
import { translateFilter } from '../../src/scim/filter.ts';
import { USER_RESOURCE } from '../../src/scim/schema.ts';
import { ERROR, GROUP, USER, patchBody, scimClient, startTestApp, userBody } from './helpers.ts';
import type { Scim, TestApp } from './helpers.ts';

const ENTRA_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

const ids = (res: { body: { Resources: { id: string }[] } }) => res.body.Resources.map((r) => r.id).sort();

// The forms Entra ID (and Microsoft's reference implementation) send that RFC 7644 does not spell.
describe('SCIM: Entra ID forms outside the RFC grammar', () => {
  let app: TestApp;
  let scim: Scim;
  let ann: string;
  let bob: string;
  before(async () => {
    app = await startTestApp();
    scim = await scimClient(app, 'entra-forms');
    ann = (
      await scim.post(
        '/Users',
        userBody('ann@forms.example', {
          emails: [
            { value: 'ann@work.example', type: 'work', primary: true },
            { value: 'ann@home.example', type: 'home' },
          ],
        }),
      )
    ).body.id;
    // Bob's home address is Ann's work address: only the value path's own element may match.
    bob = (
      await scim.post(
        '/Users',
        userBody('bob@forms.example', {
          emails: [
            { value: 'bob@work.example', type: 'work', primary: true },
            { value: 'ann@work.example', type: 'home' },
          ],
        }),
      )
    ).body.id;
  });
  after(() => app.close());

  describe('filter emails[type eq "work"].value eq "…"', () => {
    it('becomes the value filter it means (the same tree as the RFC form)', () => {
      assert.deepEqual(
        translateFilter(USER_RESOURCE, 'emails[type eq "work"].value eq "a@b.c"'),
        translateFilter(USER_RESOURCE, 'emails[type eq "work" and value eq "a@b.c"]'),
      );
      // An `or` inside the brackets stays inside: (type eq work or type eq home) and value eq …
      assert.deepEqual(
        translateFilter(USER_RESOURCE, 'emails[type eq "work" or type eq "home"].value eq "a@b.c"'),
        translateFilter(USER_RESOURCE, 'emails[(type eq "work" or type eq "home") and value eq "a@b.c"]'),
      );
    });

    it('finds the user whose work email it is, not the one who has it as another type', async () => {
      const res = await scim.get(
        `/Users?filter=${encodeURIComponent('emails[type eq "work"].value eq "ANN@work.example"')}`,
      );
      assert.equal(res.status, 200);
      assert.deepEqual(ids(res), [ann]);
      const home = await scim.get(
        `/Users?filter=${encodeURIComponent('emails[type eq "home"].value eq "ann@work.example"')}`,
      );
      assert.deepEqual(ids(home), [bob]);
    });

    it('combines with other conditions, unquoted values and pr', async () => {
      const both = await scim.get(
        `/Users?filter=${encodeURIComponent('emails[type eq work].value eq ann@work.example and active eq true')}`,
      );
      assert.deepEqual(ids(both), [ann]);
      const present = await scim.get(
        `/Users?filter=${encodeURIComponent('emails[type eq "home"].value pr')}`,
      );
      assert.deepEqual(ids(present), [ann, bob].sort());
      const negated = await scim.get(
        `/Users?filter=${encodeURIComponent('not (emails[type eq "work"].value eq "ann@work.example")')}`,
      );
      assert.deepEqual(ids(negated), [bob]);
    });

    it('a sub-attribute the schema lacks, or no comparison after it, is 400 invalidFilter', async () => {
      for (const filter of ['emails[type eq "work"].nope eq "x"', 'emails[type eq "work"].value']) {
        const res = await scim.get(`/Users?filter=${encodeURIComponent(filter)}`);
        assert.equal(res.status, 400, filter);
        assert.equal(res.body.scimType, 'invalidFilter', filter);
      }
    });
  });

  describe('attributes / excludedAttributes with a value filter', () => {
    it('returns the attribute with the matching values (GET by id and lists)', async () => {
      const one = await scim.get(`/Users/${ann}?attributes=${encodeURIComponent('emails[type eq "work"]')}`);
      assert.equal(one.status, 200);
      assert.deepEqual(one.body.emails, [{ value: 'ann@work.example', type: 'work', primary: true }]);
      assert.equal(one.body.id, ann);
      assert.equal(one.body.userName, undefined);
      const list = await scim.get(
        `/Users?filter=${encodeURIComponent('userName eq "bob@forms.example"')}&attributes=${encodeURIComponent('userName,emails[type eq "home"].value')}`,
      );
      assert.deepEqual(list.body.Resources[0].emails, [{ value: 'ann@work.example' }]);
      assert.equal(list.body.Resources[0].userName, 'bob@forms.example');
    });

    it('a comma inside the filter does not split the list; the attribute named plainly wins', async () => {
      const res = await scim.get(
        `/Users/${ann}?attributes=${encodeURIComponent('emails[value eq "a,b" or type eq "home"],displayName')}`,
      );
      assert.deepEqual(res.body.emails, [{ value: 'ann@home.example', type: 'home' }]);
      const whole = await scim.get(
        `/Users/${ann}?attributes=${encodeURIComponent('emails[type eq "work"],emails')}`,
      );
      assert.equal(whole.body.emails.length, 2);
    });

    it('no matching value: the attribute is unassigned; excludedAttributes leaves the matches out', async () => {
      const none = await scim.get(
        `/Users/${ann}?attributes=${encodeURIComponent('emails[type eq "other"]')}`,
      );
      assert.equal(none.status, 200);
      assert.equal(none.body.emails, undefined);
      const excluded = await scim.get(
        `/Users/${ann}?excludedAttributes=${encodeURIComponent('emails[type eq "work"]')}`,
      );
      assert.deepEqual(excluded.body.emails, [{ value: 'ann@home.example', type: 'home' }]);
      assert.equal(excluded.body.userName, 'ann@forms.example');
    });

    it('Groups: members[value eq "…"]', async () => {
      const group = await scim.post('/Groups', {
        schemas: [GROUP],
        displayName: 'Projection',
        members: [{ value: ann }, { value: bob }],
      });
      const res = await scim.get(
        `/Groups/${group.body.id}?attributes=${encodeURIComponent(`members[value eq "${bob}"]`)}`,
      );
      assert.deepEqual(
        res.body.members.map((m: { value: string }) => m.value),
        [bob],
      );
    });

    it('a malformed value filter is 400 invalidFilter, not a silent drop', async () => {
      const res = await scim.get(`/Users/${ann}?attributes=${encodeURIComponent('emails[type eq]')}`);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.schemas, [ERROR]);
      assert.equal(res.body.scimType, 'invalidFilter');
    });
  });

  describe('unknown extension schemas on Groups', () => {
    it('are kept in schemas on the 201 and on later GETs, PUTs keep what they declare', async () => {
      const created = await scim.post('/Groups', {
        schemas: [GROUP, ENTRA_GROUP],
        externalId: 'e-1',
        displayName: 'Entra Group',
        members: [],
      });
      assert.equal(created.status, 201);
      assert.deepEqual(created.body.schemas, [GROUP, ENTRA_GROUP]);
      assert.equal(ENTRA_GROUP in created.body, false);
      const id = created.body.id;
      assert.deepEqual((await scim.get(`/Groups/${id}`)).body.schemas, [GROUP, ENTRA_GROUP]);
      const listed = await scim.get(`/Groups?filter=${encodeURIComponent('displayName eq "Entra Group"')}`);
      assert.deepEqual(listed.body.Resources[0].schemas, [GROUP, ENTRA_GROUP]);
      // A PATCH of another attribute keeps the declaration.
      const patched = await scim.patch(
        `/Groups/${id}?attributes=schemas`,
        patchBody({ op: 'replace', path: 'externalId', value: 'e-2' }),
      );
      assert.deepEqual(patched.body.schemas, [GROUP, ENTRA_GROUP]);
      const replaced = await scim.put(`/Groups/${id}`, { schemas: [GROUP], displayName: 'Entra Group' });
      assert.deepEqual(replaced.body.schemas, [GROUP]);
    });

    it('with attributes of their own, on Groups and Users alike', async () => {
      const group = await scim.post('/Groups', {
        schemas: [GROUP, ENTRA_GROUP],
        displayName: 'With data',
        [ENTRA_GROUP]: { mailNickname: 'data' },
      });
      assert.deepEqual(group.body[ENTRA_GROUP], { mailNickname: 'data' });
      assert.deepEqual((await scim.get(`/Groups/${group.body.id}`)).body[ENTRA_GROUP], {
        mailNickname: 'data',
      });
      const user = await scim.post('/Users', {
        ...userBody('ext@forms.example'),
        schemas: [USER, 'urn:example:ext'],
      });
      assert.deepEqual((await scim.get(`/Users/${user.body.id}`)).body.schemas, [USER, 'urn:example:ext']);
    });
  });
});
