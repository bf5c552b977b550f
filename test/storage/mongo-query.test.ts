/**
 * No MongoDB server runs on our build machines, so every query the MongoDB adapter builds is
 * executed here with mingo (MongoDB's query language in JS) over the documents the adapter would
 * store, and must select exactly what the SQLite adapter selects for the same records and query.
 */
import assert from 'node:assert/strict';
import type {
  Account,
  AccountId,
  Filter,
  JsonObject,
  ListQuery,
  Storage,
  TenantId,
} from '../../src/storage/ports.ts';
import { StorageError } from '../../src/storage/ports.ts';
import { accountToDocument, teamToDocument } from '../../src/storage/mongo/documents.ts';
import { substringPattern, toMongoQuery } from '../../src/storage/mongo/filter.ts';
import { decodeObject, encodeObject } from '../../src/storage/mongo/keys.ts';
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts';
import {
  FILTER_CASES,
  SORT_CASES,
  TENANT_A_ID,
  TENANT_B_ID,
  cmp,
  expectedIds,
  fixtureAccounts,
  fixtureMemberships,
  fixtureTeams,
  seedFixtures,
} from './contract/fixtures.ts';
import { makeTenant } from './contract/helpers.ts';
import { mingoList as runInMingo } from './mingo.ts';
import type { Doc, Target } from './mingo.ts';

// ---------------------------------------------------------------------------------------------
// Edge records beyond the shared fixtures: values where MongoDB's array rules, regex syntax or
// Unicode case mapping could make the two engines disagree. Expected keys document the port's rules.

const EDGE_TENANT = '01880000-0000-7000-8000-00000000000e' as TenantId;
const EDGE_KEYS = ['arr', 'obj', 'turk', 'mixed'] as const;
type EdgeKey = (typeof EDGE_KEYS)[number];
const edgeId = (key: EdgeKey) =>
  `01890000-0000-7e00-8000-${String(EDGE_KEYS.indexOf(key) + 1).padStart(12, '0')}` as AccountId;

function edge(key: EdgeKey, userName: string, attributes: JsonObject): Account {
  const at = `2024-05-0${EDGE_KEYS.indexOf(key) + 1}T00:00:00.000Z`;
  const base = {
    externalId: null,
    active: true,
    displayName: null,
    email: null,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  return { ...base, tenantId: EDGE_TENANT, id: edgeId(key), userName, attributes };
}

const EDGE_ACCOUNTS: readonly Account[] = [
  edge('arr', '\u212Aelvin', {
    title: ['Engineer'],
    name: [{ familyName: 'Array' }],
    tags: [['nested']],
    nick: 'Line\n',
    '0': 'zero',
    $ref: 'ref-1',
    note: 'a.b*c',
    rank: [5],
  }),
  edge('obj', 'straße', {
    title: { value: 'Engineer' },
    name: { familyName: 'Obj' },
    tags: ['Ops', 'dev'],
    emails: { value: 'x@y' },
    nick: 'Line',
    note: 'axb',
    rank: 2,
  }),
  edge('turk', 'İstanbul', {
    title: 'Engineer',
    tags: [],
    emails: [{}],
    nick: 'LINE',
    note: '(a)',
    rank: '3',
  }),
  edge('mixed', 'mixed', { tags: ['ops', 5, true, null, { value: 'OPS' }], title: 'ENGINEER', rank: true }),
];

const elem = (attr: string, filter: Filter): Filter => ({ kind: 'elem', attr: [attr], filter });
const present = (...attr: string[]): Filter => ({ kind: 'present', attr });
const familyName = ['name', 'familyName'];

const EDGE_CASES: readonly {
  readonly name: string;
  readonly filter: Filter;
  readonly expected: readonly EdgeKey[];
}[] = [
  {
    name: 'an array or object never equals a scalar',
    filter: cmp('title', 'eq', 'engineer'),
    expected: ['turk', 'mixed'],
  },
  {
    name: 'a non-empty array or object is present',
    filter: present('title'),
    expected: ['arr', 'obj', 'turk', 'mixed'],
  },
  { name: 'an array is a value, not null', filter: cmp('title', 'eq', null), expected: [] },
  { name: 'no match inside an array ancestor', filter: cmp(familyName, 'eq', 'array'), expected: [] },
  {
    name: 'below an array ancestor is absent',
    filter: cmp(familyName, 'eq', null),
    expected: ['arr', 'turk', 'mixed'],
  },
  { name: 'below an array ancestor is not present', filter: present(...familyName), expected: ['obj'] },
  {
    name: 'ne includes values below an array ancestor',
    filter: cmp(familyName, 'ne', 'obj'),
    expected: ['arr', 'turk', 'mixed'],
  },
  { name: 'range on a singular path holding an array', filter: cmp('rank', 'gt', 1), expected: ['obj'] },
  { name: 'range on strings only', filter: cmp('rank', 'ge', '1'), expected: ['turk'] },
  {
    name: 'simple values, case-insensitive',
    filter: elem('tags', cmp('value', 'eq', 'ops')),
    expected: ['obj', 'mixed'],
  },
  { name: 'simple values: numbers', filter: elem('tags', cmp('value', 'eq', 5)), expected: ['mixed'] },
  { name: 'simple values: booleans', filter: elem('tags', cmp('value', 'eq', true)), expected: ['mixed'] },
  { name: 'simple values: null', filter: elem('tags', cmp('value', 'eq', null)), expected: ['mixed'] },
  {
    name: 'simple values: a nested array is a present value',
    filter: elem('tags', present('value')),
    expected: ['arr', 'obj', 'mixed'],
  },
  {
    name: 'elem of an always-true filter: a non-empty array',
    filter: elem('tags', { kind: 'all' }),
    expected: ['arr', 'obj', 'mixed'],
  },
  {
    name: 'elem over an empty object element',
    filter: elem('emails', { kind: 'not', filter: present('value') }),
    expected: ['turk'],
  },
  {
    name: 'elem on an object (not an array) is false',
    filter: elem('emails', present('value')),
    expected: [],
  },
  {
    name: 'a key of digits is a key, not an array position',
    filter: cmp('0', 'eq', 'zero'),
    expected: ['arr'],
  },
  {
    name: 'a $-prefixed key is a key, not an operator',
    filter: cmp('$ref', 'eq', 'REF-1'),
    expected: ['arr'],
  },
  {
    name: 'ew: a trailing newline is a character',
    filter: cmp('nick', 'ew', 'line'),
    expected: ['obj', 'turk'],
  },
  { name: 'regex syntax is literal: .', filter: cmp('note', 'co', '.'), expected: ['arr'] },
  { name: 'regex syntax is literal: *', filter: cmp('note', 'co', 'b*'), expected: ['arr'] },
  { name: 'regex syntax is literal: (', filter: cmp('note', 'sw', '('), expected: ['turk'] },
  { name: 'Unicode lowercase: the Kelvin sign', filter: cmp('userName', 'eq', 'kelvin'), expected: ['arr'] },
  { name: 'Unicode lowercase, not case folding: ß', filter: cmp('userName', 'eq', 'STRASSE'), expected: [] },
  {
    name: 'Unicode lowercase: İ becomes i + dot',
    filter: cmp('userName', 'sw', 'i\u0307s'),
    expected: ['turk'],
  },
  { name: 'strings order by code point', filter: cmp('userName', 'gt', 's'), expected: ['obj'] },
  {
    name: 'id, case-insensitive ($toLower at query time)',
    filter: cmp('id', 'eq', edgeId('obj').toUpperCase()),
    expected: ['obj'],
  },
  {
    name: 'meta.created sw, case-insensitive',
    filter: cmp(['meta', 'created'], 'sw', '2024-05-02t'),
    expected: ['obj'],
  },
  {
    name: 'meta.lastModified gt, case-insensitive',
    filter: cmp(['meta', 'lastModified'], 'gt', '2024-05-03T'),
    expected: ['turk', 'mixed'],
  },
  {
    name: 'empty and is true',
    filter: { kind: 'and', filters: [] },
    expected: ['arr', 'obj', 'turk', 'mixed'],
  },
  { name: 'empty or is false', filter: { kind: 'or', filters: [] }, expected: [] },
  {
    name: 'not of a comparison on an absent value is true',
    filter: { kind: 'not', filter: cmp(familyName, 'eq', 'obj') },
    expected: ['arr', 'turk', 'mixed'],
  },
];

const EDGE_SORTS: readonly (readonly [string, ListQuery['sort']])[] = [
  [
    'userName, case-insensitive (Unicode lowercase)',
    { attr: ['userName'], descending: false, caseExact: false },
  ],
  ['nick descending, case-insensitive', { attr: ['nick'], descending: true, caseExact: false }],
  [
    'name.familyName: below an array ancestor sorts as absent',
    { attr: familyName, descending: false, caseExact: true },
  ],
  [
    'id descending, case-insensitive ($toLower at query time)',
    { attr: ['id'], descending: true, caseExact: false },
  ],
];

// ---------------------------------------------------------------------------------------------

const TENANTS = [TENANT_A_ID, TENANT_B_ID];

/** The three collections a list touches, loaded exactly as the adapter writes them. */
const db = {
  accounts: [...TENANTS.flatMap((t) => fixtureAccounts(t)), ...EDGE_ACCOUNTS].map(
    (a) => accountToDocument(a) as Doc,
  ),
  teams: TENANTS.flatMap((t) => fixtureTeams(t)).map((t) => teamToDocument(t) as Doc),
  memberships: TENANTS.flatMap((tenantId) =>
    fixtureMemberships(tenantId).flatMap((m) =>
      m.accountIds.map((accountId) => ({ tenantId, teamId: m.teamId, accountId })),
    ),
  ),
};

/** The adapter's list in mingo, holding every built query to the tenant and to encoded keys. */
function mingoList(target: Target, tenantId: TenantId, query: ListQuery): { ids: string[]; total: number } {
  const { ids, total, match } = runInMingo(db, target, tenantId, query);
  assert.equal(match.tenantId, tenantId, 'every query constrains tenantId at top level');
  assertNoUserText(match);
  return { ids, total };
}

async function sqliteList(sqlite: Storage, target: Target, tenantId: TenantId, query: ListQuery) {
  const page =
    target === 'accounts'
      ? await sqlite.accounts.list(tenantId, query)
      : await sqlite.teams.list(tenantId, query);
  return { ids: page.items.map((item) => item.id), total: page.total };
}

/** Operators the builders may emit; every other key must be a path of encoded segments. */
const OPERATORS = new Set(
  '$and $or $nor $not $eq $ne $gt $gte $lt $lte $in $nin $type $regex $elemMatch $expr $toLower $regexMatch $literal'.split(
    ' ',
  ),
);
const ENCODED_PATH = /^[A-Za-z0-9_:%-]+(\.[A-Za-z0-9_:%-]+)*$/;

/** Never a key from user text: operators are known, field paths are encoded (keys.ts). */
function assertNoUserText(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(assertNoUserText);
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$literal') continue;
    assert.ok(key.startsWith('$') ? OPERATORS.has(key) : ENCODED_PATH.test(key), `unexpected key ${key}`);
    if (key !== '$regex' && key !== 'regex') assertNoUserText(value);
  }
}

describe('MongoDB queries, run in mingo, select what SQLite selects', () => {
  let sqlite: Storage;
  before(async () => {
    sqlite = await createSqliteStorage(':memory:');
    await seedFixtures(sqlite);
    await sqlite.tenants.insert(makeTenant({ id: EDGE_TENANT, slug: 'edge' }));
    for (const account of EDGE_ACCOUNTS) await sqlite.accounts.insert(account);
  });
  after(async () => {
    await sqlite.close();
  });

  const check = async (target: Target, tenantId: TenantId, query: ListQuery) => {
    const mongo = mingoList(target, tenantId, query);
    assert.deepEqual(mongo, await sqliteList(sqlite, target, tenantId, query));
    return mongo;
  };

  describe('fixture filter cases', () => {
    for (const c of FILTER_CASES) {
      it(`${c.target}: ${c.name}`, async () => {
        const query = { filter: c.filter, offset: 0, limit: 100 };
        const mongo = await check(c.target, TENANT_A_ID, query);
        assert.deepEqual(mongo.ids, expectedIds(c.target, c.expected));
        await check(c.target, TENANT_B_ID, query);
        assert.equal(mingoList(c.target, 'no-such-tenant' as TenantId, query).total, 0);
      });
    }
  });

  describe('edge-case filters (arrays at singular paths, escaping, Unicode)', () => {
    for (const c of EDGE_CASES) {
      it(c.name, async () => {
        const mongo = await check('accounts', EDGE_TENANT, { filter: c.filter, offset: 0, limit: 100 });
        assert.deepEqual(mongo.ids, c.expected.map(edgeId));
      });
    }
  });

  describe('sort, offset and limit', () => {
    /** Every window of sizes 1 to 3 over the full order, plus limit 0 and past the end. */
    async function checkWindows(
      target: Target,
      tenantId: TenantId,
      base: Omit<ListQuery, 'offset' | 'limit'>,
    ) {
      const full = await check(target, tenantId, { ...base, offset: 0, limit: 100 });
      for (const limit of [0, 1, 2, 3]) {
        for (let offset = 0; offset <= full.total + 1; offset += 1) {
          const page = await check(target, tenantId, { ...base, offset, limit });
          assert.deepEqual(page.ids, full.ids.slice(offset, offset + limit));
        }
      }
      return full;
    }

    for (const c of SORT_CASES) {
      it(`accounts: ${c.name}`, async () => {
        const full = await checkWindows('accounts', TENANT_A_ID, c.query);
        assert.deepEqual(full.ids, expectedIds('accounts', c.expected));
      });
    }

    const byTeam = (attr: string[], descending: boolean, caseExact: boolean): ListQuery['sort'] => ({
      attr,
      descending,
      caseExact,
    });
    for (const [name, sort] of [
      ['displayName ascending, case-insensitive', byTeam(['displayName'], false, false)],
      ['displayName descending, case-exact', byTeam(['displayName'], true, true)],
      ['externalId ascending: absent last', byTeam(['externalId'], false, true)],
      ['description descending: absent first', byTeam(['description'], true, false)],
    ] as const) {
      it(`teams: ${name}`, async () => {
        await checkWindows('teams', TENANT_A_ID, { filter: { kind: 'all' }, sort });
      });
    }

    for (const [name, sort] of EDGE_SORTS) {
      it(`edge accounts: ${name}`, async () => {
        await checkWindows('accounts', EDGE_TENANT, { filter: { kind: 'all' }, sort });
      });
    }
  });

  describe('the builder', () => {
    it('refuses attribute paths it cannot address safely, as SQLite does', () => {
      for (const attr of [['a"b'], ['name', 'x\\y'], ['a b'], [], ['a', ''], ['$where(1)']]) {
        assert.throws(
          () => toMongoQuery(TENANT_A_ID, { kind: 'present', attr }, 'account'),
          StorageError,
          JSON.stringify(attr),
        );
      }
    });

    it('refuses membership filters on accounts, inside elem, or unresolved', () => {
      const member: Filter = { kind: 'member', accountId: 'x' };
      assert.throws(() => toMongoQuery(TENANT_A_ID, member, 'account'), StorageError);
      assert.throws(
        () => toMongoQuery(TENANT_A_ID, { kind: 'elem', attr: ['x'], filter: member }, 'team'),
        StorageError,
      );
      assert.throws(() => toMongoQuery(TENANT_A_ID, { kind: 'hasMembers' }, 'team'), StorageError);
    });

    it('keeps user strings out of keys and field references', () => {
      for (const value of ['$userName', '$where', '.*', '^a$', '\\', '\0', 'a.b', '{"$gt": ""}']) {
        for (const filter of [
          cmp('userName', 'co', value),
          cmp(['meta', 'created'], 'eq', value),
          cmp('title', 'ew', value),
        ]) {
          assert.equal(mingoList('accounts', TENANT_A_ID, { filter, offset: 0, limit: 10 }).total, 0, value);
        }
      }
    });

    it('anchors ew at the true end: PCRE `$` (MongoDB) also matches before a final newline', () => {
      assert.equal(substringPattern('ew', 'a.b'), 'a\\.b(?![\\s\\S])');
      assert.equal(substringPattern('sw', '^x'), '^\\^x');
      assert.equal(substringPattern('co', '\0'), '\\x00', 'NUL cannot travel in a BSON regex');
    });

    it('stores any JSON object and reads it back unchanged', () => {
      const weird = {
        '': 1,
        '%': '%25',
        '.': { $ref: 'x' },
        '0': [0, '1', null, [true], {}],
        'a.b': { '12': 'c%2Ed' },
        'x%l': 'k',
        '%w': 1,
        '\0': 'nul',
      };
      assert.deepEqual(decodeObject(encodeObject(weird), 'test'), weird);
      assert.deepEqual(decodeObject(encodeObject(weird, false), 'test'), weird);
    });
  });
});
