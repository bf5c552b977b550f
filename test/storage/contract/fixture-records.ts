/**
 * Plain fixture records: two tenants with accounts and teams whose attributes exercise every
 * filter rule (mixed case, Unicode, missing and null attributes, empty strings and arrays, numbers
 * stored as numbers and as strings, booleans, the enterprise extension). Ids are fixed UUIDv7-shaped
 * strings, so the records can be loaded into any engine (or mingo) without a store.
 */
import type {
  Account,
  AccountId,
  JsonObject,
  Team,
  TeamId,
  Tenant,
  TenantId,
} from '../../../src/storage/ports.ts';

export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** A custom extension with numeric and boolean attributes. */
export const CUSTOM = 'urn:example:params:scim:schemas:extension:trustgate:2.0:User';

export const TENANT_A_ID = '01880000-0000-7000-8000-00000000000a' as TenantId;
export const TENANT_B_ID = '01880000-0000-7000-8000-00000000000b' as TenantId;

export const ACCOUNT_KEYS = ['alice', 'bob', 'carol', 'dave', 'eve', 'frank', 'grace'] as const;
export type AccountKey = (typeof ACCOUNT_KEYS)[number];
export const TEAM_KEYS = ['engineering', 'sales', 'empty', 'ops'] as const;
export type TeamKey = (typeof TEAM_KEYS)[number];

const tenantDigit = (tenantId: TenantId) => (tenantId === TENANT_A_ID ? 'a' : 'b');
const hex12 = (n: number) => n.toString(16).padStart(12, '0');

/** Account ids sort in fixture order within a tenant, like UUIDv7 ids in creation order. */
export function accountId(tenantId: TenantId, key: string): AccountId {
  const index = (ACCOUNT_KEYS as readonly string[]).indexOf(key);
  const n = index >= 0 ? index + 1 : 0x100 + key.length;
  return `01890000-0000-7${tenantDigit(tenantId)}00-8000-${hex12(n)}` as AccountId;
}

export function teamId(tenantId: TenantId, key: TeamKey): TeamId {
  return `01890000-0001-7${tenantDigit(tenantId)}00-8000-${hex12(TEAM_KEYS.indexOf(key) + 1)}` as TeamId;
}

export function fixtureTenants(): readonly [Tenant, Tenant] {
  const base = { status: 'active', settings: {}, connections: {}, version: 1 } as const;
  const at = '2024-01-01T00:00:00.000Z';
  return [
    {
      ...base,
      id: TENANT_A_ID,
      slug: 'acme',
      name: 'Acme',
      domains: ['example.com'],
      createdAt: at,
      updatedAt: at,
    },
    {
      ...base,
      id: TENANT_B_ID,
      slug: 'globex',
      name: 'Globex',
      domains: ['globex.test'],
      createdAt: at,
      updatedAt: at,
    },
  ];
}

interface AccountSeed {
  readonly userName: string;
  readonly externalId?: string;
  readonly active: boolean;
  readonly displayName?: string;
  readonly email?: string;
  readonly attributes: JsonObject;
}

function account(tenantId: TenantId, key: string, day: number, seed: AccountSeed): Account {
  const created = `2024-01-${String(day).padStart(2, '0')}T00:00:00.000Z`;
  return {
    tenantId,
    id: accountId(tenantId, key),
    userName: seed.userName,
    externalId: seed.externalId ?? null,
    active: seed.active,
    displayName: seed.displayName ?? null,
    email: seed.email ?? null,
    attributes: seed.attributes,
    createdAt: created,
    updatedAt: `2024-02-${String(29 - day).padStart(2, '0')}T00:00:00.000Z`,
    version: 1,
  };
}

function tenantAAccounts(t: TenantId): Account[] {
  const alice = accountId(t, 'alice');
  return [
    account(t, 'alice', 1, {
      userName: 'Alice@Example.com',
      externalId: 'ext-alice',
      active: true,
      displayName: 'Alice Liddell',
      email: 'alice@example.com',
      attributes: {
        name: { givenName: 'Alice', familyName: 'Liddell' },
        title: 'Engineer',
        emails: [
          { value: 'alice@example.com', type: 'work', primary: true },
          { value: 'alice.home@mail.test', type: 'home' },
        ],
        [ENTERPRISE]: {
          employeeNumber: '1001',
          department: 'R&D',
          manager: { value: accountId(t, 'bob'), displayName: 'Bob' },
        },
        [CUSTOM]: { level: 5 },
      },
    }),
    account(t, 'bob', 2, {
      userName: 'bob',
      externalId: 'ext-bob',
      active: true,
      displayName: 'Bob Builder',
      email: 'Bob@Example.COM',
      attributes: {
        name: {},
        emails: [{ value: 'Bob@Example.COM', type: 'work', primary: true }],
        [ENTERPRISE]: { employeeNumber: '1002' },
        [CUSTOM]: { level: 10 },
      },
    }),
    account(t, 'carol', 3, {
      userName: 'CAROL',
      active: false,
      displayName: 'Carol Ärger',
      attributes: {
        title: '',
        emails: [],
        [ENTERPRISE]: { employeeNumber: '0999', manager: { value: alice } },
        [CUSTOM]: { level: 7.5 },
      },
    }),
    account(t, 'dave', 4, {
      userName: 'dave_100%',
      externalId: 'EXT-DAVE',
      active: true,
      email: 'dave@other.test',
      attributes: {
        nickName: 'true',
        emails: [
          { value: 'dave@other.test', type: 'work', primary: true },
          { value: 'dave@example.com', type: 'other' },
        ],
        [ENTERPRISE]: { manager: { value: alice } },
        [CUSTOM]: { level: '10' },
      },
    }),
    account(t, 'eve', 5, {
      userName: 'ÉVE',
      externalId: 'ext-eve',
      active: false,
      displayName: 'Eve',
      email: 'eve@example.com',
      attributes: {
        name: { givenName: 'Eve' },
        title: null,
        emails: [{ value: 'eve@example.com', primary: true }],
        [CUSTOM]: { level: 0, remote: true },
      },
    }),
    account(t, 'frank', 6, { userName: 'frank', active: true, displayName: 'frank', attributes: {} }),
    account(t, 'grace', 7, {
      userName: 'grace.hopper',
      active: true,
      displayName: 'Grace Hopper',
      email: 'GRACE@EXAMPLE.COM',
      attributes: {
        emails: [{ value: 'GRACE@EXAMPLE.COM', type: 'Work', primary: true }],
        tags: ['admin', 'ops'],
        [CUSTOM]: { level: -3, remote: false },
      },
    }),
  ];
}

/** Tenant B reuses userNames and attribute values of tenant A: a filter leaking across tenants shows. */
function tenantBAccounts(t: TenantId): Account[] {
  return [
    account(t, 'alice', 1, {
      userName: 'alice@example.com',
      externalId: 'ext-alice',
      active: true,
      displayName: 'Alice B',
      email: 'alice@example.com',
      attributes: {
        emails: [{ value: 'alice@example.com', type: 'work', primary: true }],
        [CUSTOM]: { level: 10 },
      },
    }),
    account(t, 'bob', 2, {
      userName: 'bob',
      active: false,
      displayName: 'Bob B',
      attributes: { tags: ['ops'] },
    }),
    account(t, 'mallory', 3, { userName: 'mallory', active: true, attributes: { title: 'Engineer' } }),
  ];
}

/** The accounts of fixture tenant A or B (in id order). */
export function fixtureAccounts(tenantId: TenantId): readonly Account[] {
  if (tenantId === TENANT_A_ID) return tenantAAccounts(tenantId);
  if (tenantId === TENANT_B_ID) return tenantBAccounts(tenantId);
  throw new Error('fixtureAccounts takes TENANT_A_ID or TENANT_B_ID');
}

function team(
  tenantId: TenantId,
  key: TeamKey,
  displayName: string,
  externalId: string | null,
  attributes: JsonObject = {},
): Team {
  const at = `2024-03-0${TEAM_KEYS.indexOf(key) + 1}T00:00:00.000Z`;
  return {
    tenantId,
    id: teamId(tenantId, key),
    displayName,
    externalId,
    attributes,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

/** Teams of tenant A (engineering, sales, empty, ops) or B (engineering only), in id order. */
export function fixtureTeams(tenantId: TenantId): readonly Team[] {
  if (tenantId === TENANT_B_ID) return [team(tenantId, 'engineering', 'Engineering', null)];
  return [
    team(tenantId, 'engineering', 'Engineering', null),
    team(tenantId, 'sales', 'Sales', null, { description: 'Sells' }),
    team(tenantId, 'empty', 'Empty', null),
    team(tenantId, 'ops', 'ops', 'ext-ops'),
  ];
}

export interface FixtureMembership {
  readonly teamId: TeamId;
  readonly accountIds: readonly AccountId[];
}

/** Tenant A: engineering = alice, bob, dave; sales = carol. Tenant B: engineering = alice. */
export function fixtureMemberships(tenantId: TenantId): readonly FixtureMembership[] {
  const ids = (...keys: string[]) => keys.map((key) => accountId(tenantId, key));
  if (tenantId === TENANT_B_ID)
    return [{ teamId: teamId(tenantId, 'engineering'), accountIds: ids('alice') }];
  return [
    { teamId: teamId(tenantId, 'engineering'), accountIds: ids('alice', 'bob', 'dave') },
    { teamId: teamId(tenantId, 'sales'), accountIds: ids('carol') },
  ];
}
