/**
 * The SCIM protocol core without HTTP: routes found by `matchRoute`, called with plain input
 * (`{query, body, ifMatch}`), answering `{status, body, etag}`; errors shaped by `scimErrorView`
 * as the HTTP edge does. The directory services are the real ones over the fake store.
 */
import assert from 'node:assert/strict';
import type { AuditContext } from '../../src/audit/events.ts';
import { createAuditRecorder } from '../../src/audit/record.ts';
import { createAccountService } from '../../src/directory/accounts.ts';
import { createTeamService } from '../../src/directory/teams.ts';
import type { MemberChange, TeamService } from '../../src/directory/teams.ts';
import type { ScimInput, ScimScope, ScimServices } from '../../src/scim/core.ts';
import { matchRoute } from '../../src/scim/dispatch.ts';
import { scimErrorView } from '../../src/scim/errors.ts';
import type { AccountId, JsonObject, Tenant } from '../../src/storage/ports.ts';
import { makeTenant } from '../storage/contract/helpers.ts';
import { createFakeStorage } from '../support/fake-storage.ts';
import type { FakeStorage } from '../support/fake-storage.ts';
import { GROUP, PATCH_OP, USER, patchBody, userBody } from './helpers.ts';

const BASE = 'https://gw.test/scim/v2/acme';
const CONTEXT: AuditContext = { requestId: 'req-1', actor: { type: 'scim_token', id: 'tok-1' } };

interface Answer {
  readonly status: number;
  readonly body: JsonObject | undefined;
  readonly etag: string | undefined;
}

/** One `teams.change` call as the SCIM core made it. */
interface ChangeCall {
  readonly draft: unknown;
  readonly changed: readonly string[];
  readonly members: readonly MemberChange[];
}

describe('SCIM core (plain input, fake store)', () => {
  let storage: FakeStorage;
  let tenant: Tenant;
  let svc: ScimServices;
  let changes: ChangeCall[];

  beforeEach(async () => {
    storage = createFakeStorage();
    tenant = makeTenant({ slug: 'acme' });
    await storage.tenants.insert(tenant);
    const audit = createAuditRecorder(storage);
    const teams = createTeamService(audit);
    changes = [];
    const spied: TeamService = {
      ...teams,
      change(scope, current, draft, changed, members) {
        changes.push({ draft, changed, members });
        return teams.change(scope, current, draft, changed, members);
      },
    };
    svc = {
      storage,
      accounts: createAccountService(audit, { revokeAccount: async () => undefined }),
      teams: spied,
    };
  });

  /** Calls the route for `method path` as the HTTP edge would, errors rendered as SCIM errors. */
  async function scim(method: string, path: string, input: Partial<ScimInput> = {}): Promise<Answer> {
    const scope: ScimScope = { tenant, audit: CONTEXT, baseUrl: BASE };
    try {
      const { route, params } = matchRoute(method, path);
      const result = await route.handle({
        svc,
        scope,
        params,
        input: { query: {}, body: undefined, ...input },
        maxPayloadSize: 1_048_576,
      });
      return { status: result.status, body: result.body, etag: result.etag };
    } catch (err) {
      const view = scimErrorView(err);
      return { status: Number(view.status), body: view as unknown as JsonObject, etag: undefined };
    }
  }

  /** The id of the resource `answer` created. */
  function createdId(answer: Answer): string {
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    const id = answer.body?.id;
    assert.ok(typeof id === 'string');
    return id;
  }
  const createUser = async (body: unknown) => createdId(await scim('POST', '/Users', { body }));

  const events = async () => storage.audit.list(tenant.id, null, 100);

  describe('Users: GET and PATCH', () => {
    let id: string;
    beforeEach(async () => {
      id = await createUser(userBody('alice@acme.com', { displayName: 'Alice' }));
    });

    it('GET of an unknown id is a 404 in the SCIM error shape', async () => {
      const answer = await scim('GET', '/Users/no-such-user');
      assert.equal(answer.status, 404);
      assert.equal(answer.body?.status, '404');
      assert.deepEqual(answer.body?.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
      assert.equal(answer.body?.scimType, undefined);
    });

    it('GET answers the user with its ETag', async () => {
      const answer = await scim('GET', `/Users/${id}`);
      assert.equal(answer.status, 200);
      assert.equal(answer.etag, 'W/"1"');
      assert.equal(answer.body?.userName, 'alice@acme.com');
      assert.equal((answer.body?.meta as JsonObject).location, `${BASE}/Users/${id}`);
    });

    it('replace of a simple attribute: stored, version and ETag move, account.updated names it', async () => {
      const answer = await scim('PATCH', `/Users/${id}`, {
        body: patchBody({ op: 'replace', path: 'displayName', value: 'Alice E.' }),
      });
      assert.equal(answer.status, 200);
      assert.equal(answer.body?.displayName, 'Alice E.');
      assert.equal(answer.etag, 'W/"2"');
      const stored = await storage.accounts.get(tenant.id, id as AccountId);
      assert.equal(stored?.displayName, 'Alice E.');
      assert.equal(stored?.version, 2);
      const event = (await events()).at(-1);
      assert.deepEqual([event?.type, event?.data], ['account.updated', { attributes: ['displayName'] }]);
    });

    it('replace of a sub-attribute keeps its siblings', async () => {
      await scim('PATCH', `/Users/${id}`, {
        body: patchBody({ op: 'replace', path: 'name.givenName', value: 'Alicia' }),
      });
      const stored = await storage.accounts.get(tenant.id, id as AccountId);
      assert.deepEqual(stored?.attributes.name, { givenName: 'Alicia', familyName: 'alice@acme.com' });
    });

    it('add to a multi-valued attribute appends, the primary email unchanged', async () => {
      const answer = await scim('PATCH', `/Users/${id}`, {
        body: patchBody({ op: 'add', path: 'emails', value: [{ value: 'alice@home.test', type: 'home' }] }),
      });
      assert.equal(answer.status, 200);
      assert.deepEqual(
        (answer.body?.emails as JsonObject[]).map((e) => e.value),
        ['alice@acme.com', 'alice@home.test'],
      );
      assert.equal((await storage.accounts.get(tenant.id, id as AccountId))?.email, 'alice@acme.com');
      assert.deepEqual((await events()).at(-1)?.data, { attributes: ['emails'] });
    });

    it('a PATCH that changes nothing stores nothing (same version, no event)', async () => {
      const before = (await events()).length;
      const answer = await scim('PATCH', `/Users/${id}`, {
        body: patchBody({ op: 'replace', path: 'displayName', value: 'Alice' }),
      });
      assert.equal(answer.status, 200);
      assert.equal(answer.etag, 'W/"1"');
      assert.equal((await events()).length, before);
    });

    it('If-Match: a stale ETag is a 412 and changes nothing; the current one applies', async () => {
      const body = patchBody({ op: 'replace', path: 'displayName', value: 'Changed' });
      const stale = await scim('PATCH', `/Users/${id}`, { body, ifMatch: 'W/"7"' });
      assert.equal(stale.status, 412);
      assert.equal((await storage.accounts.get(tenant.id, id as AccountId))?.displayName, 'Alice');
      const current = await scim('PATCH', `/Users/${id}`, { body, ifMatch: 'W/"1"' });
      assert.equal(current.status, 200);
      assert.equal(current.etag, 'W/"2"');
    });

    const refusals: [string, unknown, string][] = [
      ['an unknown op', patchBody({ op: 'move', path: 'displayName', value: 'x' }), 'invalidSyntax'],
      ['a body without the PatchOp schema', { schemas: [USER], Operations: [] }, 'invalidSyntax'],
      ['no operations', patchBody(), 'invalidSyntax'],
      ['remove without a path', patchBody({ op: 'remove' }), 'noTarget'],
      ['add without a value', patchBody({ op: 'add', path: 'displayName' }), 'invalidValue'],
      ['an unknown attribute', patchBody({ op: 'replace', path: 'shoeSize', value: 44 }), 'invalidPath'],
      ['a read-only attribute', patchBody({ op: 'replace', path: 'id', value: 'other' }), 'mutability'],
      [
        'a value filter on a single-valued attribute',
        patchBody({ op: 'remove', path: 'userName[value eq "x"]' }),
        'invalidPath',
      ],
      [
        'a list for a single-valued attribute',
        patchBody({ op: 'replace', path: 'displayName', value: ['a', 'b'] }),
        'invalidValue',
      ],
      [
        'a string for a complex attribute',
        patchBody({ op: 'replace', path: 'name', value: 'Alice' }),
        'invalidValue',
      ],
    ];
    for (const [what, body, scimType] of refusals)
      it(`refuses ${what}: 400 ${scimType}, nothing stored`, async () => {
        const before = (await events()).length;
        const answer = await scim('PATCH', `/Users/${id}`, { body });
        assert.equal(answer.status, 400, JSON.stringify(answer.body));
        assert.equal(answer.body?.scimType, scimType, JSON.stringify(answer.body));
        assert.equal((await storage.accounts.get(tenant.id, id as AccountId))?.version, 1);
        assert.equal((await events()).length, before);
      });

    it('PATCH of an unknown id is a 404', async () => {
      const answer = await scim('PATCH', '/Users/nobody', {
        body: patchBody({ op: 'replace', path: 'displayName', value: 'x' }),
      });
      assert.equal(answer.status, 404);
    });
  });

  describe('Users: list paging', () => {
    let ids: string[];
    beforeEach(async () => {
      ids = [];
      for (let i = 1; i <= 5; i += 1) ids.push(await createUser(userBody(`user${i}@acme.com`)));
    });

    const list = async (query: Record<string, string>) => {
      const answer = await scim('GET', '/Users', { query });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const body = answer.body!;
      assert.deepEqual(body.schemas, ['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
      return {
        total: body.totalResults,
        startIndex: body.startIndex,
        itemsPerPage: body.itemsPerPage,
        ids: (body.Resources as JsonObject[]).map((r) => r.id),
      };
    };

    it('pages by startIndex (1-based) and count, with the total of all matches', async () => {
      assert.deepEqual(await list({ startIndex: '2', count: '2' }), {
        total: 5,
        startIndex: 2,
        itemsPerPage: 2,
        ids: ids.slice(1, 3),
      });
      assert.deepEqual(await list({ startIndex: '5', count: '2' }), {
        total: 5,
        startIndex: 5,
        itemsPerPage: 1,
        ids: ids.slice(4),
      });
    });

    it('without parameters: everything from 1', async () => {
      assert.deepEqual(await list({}), { total: 5, startIndex: 1, itemsPerPage: 5, ids });
    });

    it('count=0 answers the total only; a startIndex past the end an empty page (RFC 7644 §3.4.2.4)', async () => {
      assert.deepEqual(await list({ count: '0' }), { total: 5, startIndex: 1, itemsPerPage: 0, ids: [] });
      assert.deepEqual(await list({ startIndex: '9' }), {
        total: 5,
        startIndex: 9,
        itemsPerPage: 0,
        ids: [],
      });
    });

    it('startIndex below 1 is read as 1 and a negative count as 0 (RFC 7644 §3.4.2.4)', async () => {
      assert.deepEqual((await list({ startIndex: '0', count: '1' })).ids, ids.slice(0, 1));
      assert.equal((await list({ count: '-3' })).itemsPerPage, 0);
    });

    it('a userName eq filter: the total counts the matches', async () => {
      assert.deepEqual(await list({ filter: 'userName eq "USER3@acme.com"' }), {
        total: 1,
        startIndex: 1,
        itemsPerPage: 1,
        ids: [ids[2]],
      });
    });

    it('refuses a startIndex that is not an integer: 400 invalidValue', async () => {
      const answer = await scim('GET', '/Users', { query: { startIndex: 'two' } });
      assert.equal(answer.status, 400);
      assert.equal(answer.body?.scimType, 'invalidValue');
    });
  });

  describe('Groups: PATCH of members', () => {
    let group: string;
    let people: string[];
    beforeEach(async () => {
      people = [];
      for (const name of ['ann', 'ben', 'cat']) people.push(await createUser(userBody(`${name}@acme.com`)));
      const answer = await scim('POST', '/Groups', {
        body: { schemas: [GROUP], displayName: 'Eng', members: [{ value: people[0] }] },
      });
      group = createdId(answer);
    });

    const members = async () =>
      (await storage.memberships.members(tenant.id, group as never)).map((m) => m.accountId);
    const patch = (...ops: unknown[]) => scim('PATCH', `/Groups/${group}`, { body: patchBody(...ops) });

    it('GET of an unknown group is a 404', async () => {
      assert.equal((await scim('GET', '/Groups/none')).status, 404);
    });

    it('add to members: one add step, no attribute change, 204 with the new ETag', async () => {
      const answer = await patch({
        op: 'add',
        path: 'members',
        value: [{ value: people[1] }, { value: people[2] }],
      });
      assert.deepEqual([answer.status, answer.body, answer.etag], [204, undefined, 'W/"2"']);
      assert.deepEqual(changes, [
        { draft: null, changed: [], members: [{ op: 'add', accountIds: [people[1], people[2]] }] },
      ]);
      assert.deepEqual(await members(), people);
    });

    it('remove by a value filter, then add (as Okta sends them): the steps in request order', async () => {
      const answer = await patch(
        { op: 'remove', path: `members[value eq "${people[0]}"]` },
        { op: 'add', path: 'members', value: [{ value: people[1] }] },
      );
      assert.equal(answer.status, 204);
      assert.deepEqual(changes[0]?.members, [
        { op: 'remove', accountIds: [people[0]] },
        { op: 'add', accountIds: [people[1]] },
      ]);
      assert.deepEqual(await members(), [people[1]]);
    });

    it('remove with a value list (as Entra sends it), and a filter naming several with or', async () => {
      await patch({ op: 'add', path: 'members', value: people.map((value) => ({ value })) });
      await patch({ op: 'remove', path: 'members', value: [{ value: people[0] }] });
      await patch({ op: 'remove', path: `members[value eq "${people[1]}" or value eq "${people[2]}"]` });
      assert.deepEqual(
        changes.slice(1).map((c) => c.members),
        [[{ op: 'remove', accountIds: [people[0]] }], [{ op: 'remove', accountIds: [people[1], people[2]] }]],
      );
      assert.deepEqual(await members(), []);
    });

    it('remove of members without a value empties the group (a replace with no ids)', async () => {
      await patch({ op: 'remove', path: 'members' });
      assert.deepEqual(changes[0]?.members, [{ op: 'replace', accountIds: [] }]);
      assert.deepEqual(await members(), []);
    });

    it('a displayName change and a member add in one PATCH: one call with both', async () => {
      await patch(
        { op: 'replace', path: 'displayName', value: 'Engineering' },
        { op: 'add', path: 'members', value: [{ value: people[2] }] },
      );
      assert.equal(changes.length, 1);
      assert.deepEqual(changes[0]?.changed, ['displayName']);
      assert.equal((changes[0]?.draft as { displayName?: string } | null)?.displayName, 'Engineering');
      assert.deepEqual(changes[0]?.members, [{ op: 'add', accountIds: [people[2]] }]);
    });

    it('an unknown member id: 400 invalidValue and nothing written', async () => {
      const answer = await patch({
        op: 'add',
        path: 'members',
        value: [{ value: people[1] }, { value: 'ghost' }],
      });
      assert.equal(answer.status, 400);
      assert.equal(answer.body?.scimType, 'invalidValue');
      assert.deepEqual(await members(), [people[0]]);
      assert.equal((await storage.teams.get(tenant.id, group as never))?.version, 1);
    });

    it('add to a member filter path is refused before any change: 400 invalidPath', async () => {
      const answer = await patch({
        op: 'add',
        path: `members[value eq "${people[1]}"]`,
        value: [{ value: people[1] }],
      });
      assert.equal(answer.status, 400);
      assert.equal(answer.body?.scimType, 'invalidPath');
      assert.deepEqual(changes, []);
    });

    it('a member without a string value: 400 invalidValue, no change', async () => {
      const answer = await patch({ op: 'add', path: 'members', value: [{ display: 'no id' }] });
      assert.deepEqual([answer.status, answer.body?.scimType], [400, 'invalidValue']);
      assert.deepEqual(changes, []);
    });

    it('If-Match on a group: a stale ETag is a 412 and teams.change is not called', async () => {
      const answer = await scim('PATCH', `/Groups/${group}`, {
        body: {
          schemas: [PATCH_OP],
          Operations: [{ op: 'add', path: 'members', value: [{ value: people[1] }] }],
        },
        ifMatch: 'W/"9"',
      });
      assert.equal(answer.status, 412);
      assert.deepEqual(changes, []);
    });
  });
});
