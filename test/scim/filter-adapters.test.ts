/**
 * SCIM filter text, translated by the SCIM layer, run on both adapters: SQLite directly and the
 * MongoDB query builder in mingo, over the same fixture records. Both must select exactly the
 * expected accounts (and so each other's).
 */
import assert from 'node:assert/strict';
import type { Filter, Storage } from '../../src/storage/ports.ts';
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts';
import { accountToDocument, teamToDocument } from '../../src/storage/mongo/documents.ts';
import { translateFilter } from '../../src/scim/filter.ts';
import { GROUP_RESOURCE, USER_RESOURCE } from '../../src/scim/schema.ts';
import {
  TENANT_A_ID,
  accountId,
  fixtureAccounts,
  fixtureMemberships,
  fixtureTeams,
  seedFixtures,
  teamId,
} from '../storage/contract/fixtures.ts';
import { mingoList } from '../storage/mingo.ts';
import type { Doc, MingoDb, Target } from '../storage/mingo.ts';

const tenant = TENANT_A_ID;

const db: MingoDb = {
  accounts: fixtureAccounts(tenant).map((a) => accountToDocument(a) as Doc),
  teams: fixtureTeams(tenant).map((t) => teamToDocument(t) as Doc),
  memberships: fixtureMemberships(tenant).flatMap((m) =>
    m.accountIds.map((id) => ({ tenantId: tenant, teamId: m.teamId, accountId: id })),
  ),
};

const mingoIds = (target: Target, filter: Filter): string[] =>
  mingoList(db, target, tenant, { filter, offset: 0, limit: 1000 }).ids;

// SCIM filter text → the fixture accounts it must select (fixture-records.ts).
const USER_CASES: [string, string[]][] = [
  ['userName eq "ALICE@example.com"', ['alice']],
  ['userName sw "dave_"', ['dave']],
  ['USERNAME Eq "BOB"', ['bob']],
  // RFC 7643 §4.1.2: emails.type is not case-exact, so grace's "Work" counts.
  ['emails[type eq "work" and value co "EXAMPLE.COM"]', ['alice', 'bob', 'grace']],
  // Entra ID's form: a value path, a sub-attribute and a comparison, read as one value filter.
  ['emails[type eq "work"].value eq "BOB@example.com"', ['bob']],
  ['emails[type eq "work"].value co "EXAMPLE.COM"', ['alice', 'bob', 'grace']],
  // dave has dave@example.com, but as his "other" address.
  ['emails[type eq "work"].value eq "dave@example.com"', []],
  ['emails[type eq "other"].value eq "dave@example.com"', ['dave']],
  ['emails[type eq "home" or type eq "other"].value pr and not (userName eq "dave_100%")', ['alice']],
  ['emails.value co "example.com"', ['alice', 'bob', 'dave', 'eve', 'grace']],
  ['name.familyName eq "LIDDELL"', ['alice']],
  ['active eq false', ['carol', 'eve']],
  ['not (active eq true) and userName pr', ['carol', 'eve']],
  ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value pr', ['alice', 'carol', 'dave']],
  ['meta.created lt "2024-01-03T00:00:00Z"', ['alice', 'bob']],
  ['title pr or nickName eq "true"', ['alice', 'dave']],
];

describe('SCIM filters on both adapters (SQLite, MongoDB via mingo)', () => {
  let sqlite: Storage;
  before(async () => {
    sqlite = await createSqliteStorage(':memory:');
    await seedFixtures(sqlite);
  });
  after(async () => sqlite.close());

  for (const [text, keys] of USER_CASES) {
    it(`Users: ${text}`, async () => {
      const filter = translateFilter(USER_RESOURCE, text);
      const expected = keys.map((k) => accountId(tenant, k)).sort();
      const fromSqlite = (await sqlite.accounts.list(tenant, { filter, offset: 0, limit: 1000 })).items
        .map((a) => a.id)
        .sort();
      assert.deepEqual(fromSqlite, expected, 'SQLite');
      assert.deepEqual(mingoIds('accounts', filter).sort(), expected, 'MongoDB query in mingo');
    });
  }

  it('Groups: members[value eq …] and members pr', async () => {
    const alice = accountId(tenant, 'alice');
    for (const text of [`members[value eq "${alice}"]`, `members.value eq "${alice}"`, 'members pr']) {
      const filter = translateFilter(GROUP_RESOURCE, text);
      const fromSqlite = (await sqlite.teams.list(tenant, { filter, offset: 0, limit: 1000 })).items
        .map((t) => t.id)
        .sort();
      assert.ok(fromSqlite.length > 0, text);
      assert.deepEqual(mingoIds('teams', filter).sort(), fromSqlite, text);
    }
    const engineering = translateFilter(GROUP_RESOURCE, 'displayName eq "ENGINEERING"');
    assert.deepEqual(
      (await sqlite.teams.list(tenant, { filter: engineering, offset: 0, limit: 10 })).items.map((t) => t.id),
      [teamId(tenant, 'engineering')],
    );
    assert.deepEqual(mingoIds('teams', engineering), [teamId(tenant, 'engineering')]);
  });

  // POST /.search at the root: attributes a type lacks have no value there (RFC 7644 §3.4.2).
  const CROSS_TYPE: [string, 'none' | 'all' | ('engineering' | 'ops')[]][] = [
    ['userName pr', 'none'],
    ['userName sw "a" or displayName pr', 'all'],
    ['not (userName eq "x")', 'all'],
    ['userName ne null', 'none'],
    ['userName eq null and displayName eq "ENGINEERING"', ['engineering']],
    ['emails[type eq "work"].value eq "alice@example.com" or displayName eq "engineering"', ['engineering']],
  ];
  for (const [text, expected] of CROSS_TYPE)
    it(`Groups, across types: ${text}`, async () => {
      const lacking = new Set<string>();
      const filter = translateFilter(GROUP_RESOURCE, text, lacking);
      assert.ok(lacking.size > 0, 'names the attributes Groups lack');
      const all = fixtureTeams(tenant).map((t) => t.id);
      const want =
        expected === 'none' ? [] : expected === 'all' ? all : expected.map((k) => teamId(tenant, k));
      const fromSqlite = (await sqlite.teams.list(tenant, { filter, offset: 0, limit: 1000 })).items.map(
        (t) => t.id,
      );
      assert.deepEqual(fromSqlite.sort(), [...want].sort(), 'SQLite');
      assert.deepEqual(mingoIds('teams', filter).sort(), [...want].sort(), 'MongoDB query in mingo');
    });

  it('Users, across types: members lacking, userName known', async () => {
    const lacking = new Set<string>();
    const filter = translateFilter(USER_RESOURCE, 'members pr or userName eq "bob"', lacking);
    assert.deepEqual([...lacking], ['members']);
    const fromSqlite = (await sqlite.accounts.list(tenant, { filter, offset: 0, limit: 1000 })).items.map(
      (a) => a.id,
    );
    assert.deepEqual(fromSqlite, [accountId(tenant, 'bob')]);
    assert.deepEqual(mingoIds('accounts', filter), [accountId(tenant, 'bob')]);
  });
});
