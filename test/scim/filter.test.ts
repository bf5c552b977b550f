import assert from 'node:assert/strict';
import { parse } from 'scim2-parse-filter';
import { parseFilter, translateFilter, translateSort } from '../../src/scim/filter.ts';
import { quoteBareValues } from '../../src/scim/filter-lexer.ts';
import { ScimError } from '../../src/scim/errors.ts';
import { GROUP_RESOURCE, USER_RESOURCE } from '../../src/scim/schema.ts';
import { ENTERPRISE, scimClient, startTestApp, userBody } from './helpers.ts';
import type { Scim, TestApp } from './helpers.ts';

const cmp = (op: string, attr: string[], value: unknown, caseExact: boolean) => ({
  kind: 'compare',
  op,
  attr,
  value,
  caseExact,
});

describe('SCIM filter → port Filter', () => {
  const cases: [string, unknown][] = [
    ['userName eq "A@B.C"', cmp('eq', ['userName'], 'A@B.C', false)],
    ['USERNAME Eq "x"', cmp('eq', ['userName'], 'x', false)],
    ['externalId eq jyoung', cmp('eq', ['externalId'], 'jyoung', true)],
    ['externalId eq 12345', cmp('eq', ['externalId'], '12345', true)],
    ['id eq "abc"', cmp('eq', ['id'], 'abc', true)],
    ['active eq "True"', cmp('eq', ['active'], true, true)],
    ['name.familyName sw "J"', cmp('sw', ['name', 'familyName'], 'J', false)],
    [`${ENTERPRISE}:manager.value eq "m1"`, cmp('eq', [ENTERPRISE, 'manager', 'value'], 'm1', true)],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "u"', cmp('eq', ['userName'], 'u', false)],
    ['department eq "Sales"', cmp('eq', [ENTERPRISE, 'department'], 'Sales', false)],
    [
      'meta.lastModified gt "2011-05-13T04:42:34Z"',
      cmp('gt', ['meta', 'lastModified'], '2011-05-13T04:42:34.000Z', true),
    ],
    ['title pr', { kind: 'present', attr: ['title'] }],
    ['emails co "@x.com"', { kind: 'elem', attr: ['emails'], filter: cmp('co', ['value'], '@x.com', false) }],
    ['emails.type eq "work"', { kind: 'elem', attr: ['emails'], filter: cmp('eq', ['type'], 'work', false) }],
    [
      'emails[type eq "work" and value co "@x"]',
      {
        kind: 'elem',
        attr: ['emails'],
        filter: {
          kind: 'and',
          filters: [cmp('eq', ['type'], 'work', false), cmp('co', ['value'], '@x', false)],
        },
      },
    ],
    [
      'not (active eq false) or title ne null',
      {
        kind: 'or',
        filters: [
          { kind: 'not', filter: cmp('eq', ['active'], false, true) },
          cmp('ne', ['title'], null, false),
        ],
      },
    ],
  ];
  for (const [text, expected] of cases)
    it(`User: ${text}`, () => assert.deepEqual(translateFilter(USER_RESOURCE, text), expected));

  it('Group: members forms', () => {
    assert.deepEqual(translateFilter(GROUP_RESOURCE, 'members[value eq "a1"]'), {
      kind: 'member',
      accountId: 'a1',
    });
    assert.deepEqual(translateFilter(GROUP_RESOURCE, 'members.value eq "a1"'), {
      kind: 'member',
      accountId: 'a1',
    });
    assert.deepEqual(translateFilter(GROUP_RESOURCE, 'members pr'), { kind: 'hasMembers' });
    assert.deepEqual(translateFilter(GROUP_RESOURCE, 'displayName eq "Eng" and not (members pr)'), {
      kind: 'and',
      filters: [cmp('eq', ['displayName'], 'Eng', false), { kind: 'not', filter: { kind: 'hasMembers' } }],
    });
  });

  it('refuses what it cannot translate with invalidFilter', () => {
    for (const text of [
      'groups.value eq "x"',
      'name eq "x"',
      'active co "t"',
      'members.display eq "x"',
      'meta.version eq "x"',
      'userName eq',
    ])
      assert.throws(
        () =>
          translateFilter(
            USER_RESOURCE.resourceType === 'User' && text.startsWith('members')
              ? GROUP_RESOURCE
              : USER_RESOURCE,
            text,
          ),
        { scimType: 'invalidFilter' },
      );
  });

  it('quotes bare values only in value position', () => {
    assert.equal(
      quoteBareValues('externalId eq jyoung and active eq true'),
      'externalId eq "jyoung" and active eq true',
    );
    assert.equal(quoteBareValues('userName eq "a b" or title eq 5'), 'userName eq "a b" or title eq 5');
  });

  it('reads one-comparison filters directly into the tree the parser gives', () => {
    const direct = [
      'userName eq "user5000@big.example"',
      '  externalId EQ "00u1ab2CD3ef"  ',
      'displayName eq "Sales & Marketing (EMEA)"',
      'userName eq "a\\"quoted\\"b"',
      'userName eq "back\\\\slash"',
      'userName eq "tab\\tand\\nnewline escapes"',
      'userName eq "ünïcødé@exämple.com"',
      'userName eq ""',
      `${ENTERPRISE}:employeeNumber gt "100"`,
      'name.familyName Co "and or not"',
      'meta.lastModified ge "2026-01-01T00:00:00Z"',
      'userName eq "x" ',
    ];
    for (const text of direct) assert.deepEqual(parseFilter(text), parse(quoteBareValues(text)), text);
    // Other shapes go through the parser: the same answer, errors included.
    const parsed = ['userName eq "a" or userName eq "b"', 'emails[type eq "work"]', 'title pr', 'a eq 1'];
    for (const text of parsed) assert.deepEqual(parseFilter(text), parse(quoteBareValues(text)), text);
    for (const bad of ['userName eq "unterminated', 'userName xx "a"', 'userName eq "a" "b"'])
      assert.throws(() => parseFilter(bad), { scimType: 'invalidFilter' }, bad);
  });

  it('sortBy resolves singular attributes only', () => {
    assert.deepEqual(translateSort(USER_RESOURCE, 'username', 'descending'), {
      attr: ['userName'],
      descending: true,
      caseExact: false,
    });
    assert.throws(() => translateSort(USER_RESOURCE, 'emails', undefined), { scimType: 'invalidValue' });
  });
});

describe('SCIM filters on SQLite over HTTP', () => {
  let app: TestApp;
  let scim: Scim;
  const ids: Record<string, string> = {};
  before(async () => {
    app = await startTestApp();
    scim = await scimClient(app, 'filters');
    const people: [string, Record<string, unknown>][] = [
      [
        'ann@x.com',
        {
          title: 'CTO',
          externalId: 'E1',
          name: { familyName: 'Jones' },
          emails: [
            { value: 'ann@x.com', type: 'work' },
            { value: 'ann@home.org', type: 'home' },
          ],
        },
      ],
      ['bob@y.com', { title: 'Dev', externalId: 'e1', active: false, name: { familyName: 'Jameson' } }],
      [
        'cat@x.com',
        {
          name: { familyName: 'Smith' },
          [ENTERPRISE]: { department: 'Sales' },
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
        },
      ],
    ];
    for (const [userName, extra] of people)
      ids[userName] = (await scim.post('/Users', { ...userBody(userName), ...extra })).body.id;
  });
  after(() => app.close());

  async function names(filter: string, extra = ''): Promise<string[]> {
    const res = await scim.get(`/Users?filter=${encodeURIComponent(filter)}${extra}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.Resources as { userName: string }[]).map((r) => r.userName);
  }

  it('evaluates case rules, value paths, sub-attributes, URNs, logic', async () => {
    assert.deepEqual(await names('userName eq "ANN@X.COM"'), ['ann@x.com']);
    assert.deepEqual(await names('externalId eq "E1"'), ['ann@x.com']);
    assert.deepEqual(await names('emails[type eq "home" and value ew "home.org"]'), ['ann@x.com']);
    assert.deepEqual(await names('emails[type eq "home" and value ew "x.com"]'), []);
    assert.deepEqual(await names('name.familyName sw "ja"'), ['bob@y.com']);
    assert.deepEqual(await names(`${ENTERPRISE}:department eq "sales"`), ['cat@x.com']);
    assert.deepEqual(await names('active eq false'), ['bob@y.com']);
    assert.deepEqual(await names('title pr and not (title eq "cto")'), ['bob@y.com']);
    assert.deepEqual(
      await names('userName ew "x.com" or title eq "Dev"', '&sortBy=userName&sortOrder=descending'),
      ['cat@x.com', 'bob@y.com', 'ann@x.com'],
    );
  });

  it('pages with startIndex/count, honest totals, count=0, attributes projection', async () => {
    const page = await scim.get('/Users?startIndex=2&count=1&attributes=userName');
    assert.deepEqual([page.body.totalResults, page.body.startIndex, page.body.itemsPerPage], [3, 2, 1]);
    assert.deepEqual(Object.keys(page.body.Resources[0]).sort(), ['id', 'schemas', 'userName']);
    const none = await scim.get('/Users?count=0');
    assert.deepEqual([none.body.totalResults, none.body.Resources.length], [3, 0]);
    const search = await scim.post('/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userName sw "b"',
      excludedAttributes: ['emails', 'name'],
    });
    assert.equal(search.body.totalResults, 1);
    assert.equal(search.body.Resources[0].emails, undefined);
    assert.equal(search.body.Resources[0].userName, 'bob@y.com');
  });

  it('reads out-of-range paging as the RFC says, never as a server error', async () => {
    const far = await scim.get('/Users?startIndex=99999999999999999999&count=5');
    assert.equal(far.status, 200);
    assert.deepEqual([far.body.totalResults, far.body.itemsPerPage, far.body.Resources.length], [3, 0, 0]);
    const low = await scim.get('/Users?startIndex=-4&count=-1');
    assert.deepEqual([low.status, low.body.startIndex, low.body.itemsPerPage], [200, 1, 0]);
    const big = await scim.get('/Users?count=1000000');
    assert.deepEqual([big.status, big.body.itemsPerPage], [200, 3]);
    const notNumber = await scim.get('/Users?startIndex=abc');
    assert.deepEqual([notNumber.status, notNumber.body.scimType], [400, 'invalidValue']);
  });
});

describe('SCIM filter: trees of the wrong shape', () => {
  it('refuses text the parser turns into a malformed tree as invalidFilter (found by fuzzing)', () => {
    for (const text of ['id eq 1e308and not (displayName eq "ALICE")', 'id eq 5and not (userName pr)'])
      assert.throws(
        () => parseFilter(text),
        (err: unknown) => err instanceof ScimError && err.status === 400 && err.scimType === 'invalidFilter',
        text,
      );
    assert.deepEqual(parseFilter('id eq 1e308 and not (displayName eq "ALICE")'), {
      op: 'and',
      filters: [
        { op: 'eq', attrPath: 'id', compValue: 1e308 },
        { op: 'not', filter: { op: 'eq', attrPath: 'displayName', compValue: 'ALICE' } },
      ],
    });
  });
});
