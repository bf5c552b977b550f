import assert from 'node:assert/strict';
import type { Account, AccountId, Team, TeamId, TenantId } from '../../src/storage/ports.ts';
import { rememberJson } from '../../src/storage/stored-json.ts';
import { scimUserJson } from '../../src/scim/user-json.ts';
import { toScimUser } from '../../src/scim/user-resource.ts';
import { ENTERPRISE, GROUP, USER, scimClient, startTestApp, userBody } from './helpers.ts';

const BASE = 'http://127.0.0.1:3000/scim/v2/t';
const tenantId = 't' as TenantId;

function account(overrides: Partial<Account>, attributesText: string | null): Account {
  const attributes = attributesText === null ? {} : JSON.parse(attributesText);
  if (attributesText !== null) rememberJson(attributes, attributesText);
  return {
    tenantId,
    id: 'a-1' as AccountId,
    userName: 'ü"ser\\@x',
    externalId: null,
    active: true,
    displayName: null,
    email: null,
    attributes,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-02T00:00:00.000Z',
    version: 3,
    ...overrides,
  };
}

const team = (id: string, displayName: string): Team => ({
  tenantId,
  id: id as TeamId,
  displayName,
  externalId: null,
  attributes: {},
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
});

describe('SCIM: a User written straight to JSON', () => {
  const cases: [string, Account, Team[]][] = [
    ['bare, no stored text', account({}, null), []],
    ['empty attributes', account({ active: false }, '{}'), []],
    [
      'every record field, attributes, extensions, groups',
      account(
        { externalId: 'e-"1"', displayName: 'D\u2028N' },
        JSON.stringify({
          name: { givenName: 'G' },
          emails: [{ value: 'x@y', primary: true }],
          [ENTERPRISE]: { department: 'R&D' },
          'urn:example:ext': { a: [1, null] },
        }),
      ),
      [team('t-1', 'Ops "A"'), team('t-2', 'Dev')],
    ],
    [
      'a declared extension without attributes (general path)',
      account({}, JSON.stringify({ title: 'T', 'http://example.com/ext/1.0/User': {} })),
      [team('t-1', 'Ops')],
    ],
  ];
  for (const [name, a, groups] of cases)
    it(`gives the same text as JSON.stringify(toScimUser(…)): ${name}`, () => {
      assert.equal(scimUserJson(a, groups, BASE), JSON.stringify(toScimUser(a, groups, BASE)));
    });

  it('a full page over HTTP is the same JSON as the general (projected) path', async () => {
    const app = await startTestApp();
    try {
      const scim = await scimClient(app, 'user-json');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push(
          (
            await scim.post('/Users', {
              ...userBody(`u${i}@json.example`, { [ENTERPRISE]: { department: `D${i}` } }),
              schemas: [USER, ENTERPRISE, 'urn:example:declared'],
            })
          ).body.id,
        );
      await scim.post('/Groups', {
        schemas: [GROUP],
        displayName: 'G',
        members: ids.slice(0, 3).map((value) => ({ value })),
      });
      const fast = await scim.get('/Users?startIndex=2&count=3');
      const general = await scim.get('/Users?startIndex=2&count=3&excludedAttributes=nothingAtAll');
      assert.equal(fast.status, 200);
      assert.match(fast.headers['content-type'] ?? '', /^application\/scim\+json/);
      assert.deepEqual(fast.body, general.body);
      assert.equal(fast.body.itemsPerPage, 3);
      assert.equal(fast.body.Resources[0].groups[0].display, 'G');
    } finally {
      await app.close();
    }
  });
});
