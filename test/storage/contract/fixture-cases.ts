/**
 * Filter and sort cases over fixture tenant A, each with the fixture keys it must select. Together
 * they pin down every rule documented on `Filter` in ports.ts.
 */
import type { AttrPath, CompareOp, Filter, ListQuery, Scalar } from '../../../src/storage/ports.ts';
import type { AccountKey, TeamKey } from './fixture-records.ts';
import { ACCOUNT_KEYS, CUSTOM, ENTERPRISE, TENANT_A_ID, TENANT_B_ID, accountId } from './fixture-records.ts';

export interface FilterCase {
  readonly name: string;
  readonly target: 'accounts' | 'teams';
  readonly filter: Filter;
  /** Fixture keys of tenant A that match, in id order. */
  readonly expected: readonly string[];
}

export interface SortCase {
  readonly name: string;
  readonly query: Pick<ListQuery, 'filter' | 'sort'>;
  /** Account keys of tenant A in the expected order. */
  readonly expected: readonly AccountKey[];
}

/** A comparison; `caseExact` defaults to false, as for most SCIM string attributes. */
export function cmp(attr: AttrPath | string, op: CompareOp, value: Scalar, caseExact = false): Filter {
  return { kind: 'compare', op, attr: typeof attr === 'string' ? [attr] : attr, value, caseExact };
}
const present = (...attr: string[]): Filter => ({ kind: 'present', attr });
const elem = (attr: string, filter: Filter): Filter => ({ kind: 'elem', attr: [attr], filter });
const not = (filter: Filter): Filter => ({ kind: 'not', filter });
const and = (...filters: Filter[]): Filter => ({ kind: 'and', filters });
const or = (...filters: Filter[]): Filter => ({ kind: 'or', filters });
const ALL: Filter = { kind: 'all' };

const every = ACCOUNT_KEYS;
const except = (...keys: AccountKey[]) => every.filter((key) => !keys.includes(key));
const alice = accountId(TENANT_A_ID, 'alice');
const level = [CUSTOM, 'level'];
const remote = [CUSTOM, 'remote'];

type Case = readonly [name: string, filter: Filter, expected: readonly string[]];

const ACCOUNT_CASES: readonly Case[] = [
  ['all', ALL, every],
  ['userName eq, case-insensitive', cmp('userName', 'eq', 'alice@example.com'), ['alice']],
  ['userName eq, case-exact miss', cmp('userName', 'eq', 'alice@example.com', true), []],
  ['userName eq, case-exact hit', cmp('userName', 'eq', 'Alice@Example.com', true), ['alice']],
  ['userName eq, Unicode case fold', cmp('userName', 'eq', 'éve'), ['eve']],
  ['userName sw with _ literal', cmp('userName', 'sw', 'dave_1'), ['dave']],
  ['userName co % literal', cmp('userName', 'co', '%'), ['dave']],
  ['userName co _ literal', cmp('userName', 'co', '_'), ['dave']],
  ['userName sw _ is no wildcard', cmp('userName', 'sw', '_'), []],
  ['userName ew', cmp('userName', 'ew', '0%'), ['dave']],
  ['userName co, case-exact', cmp('userName', 'co', 'A', true), ['alice', 'carol']],
  ['userName gt, case-insensitive', cmp('userName', 'gt', 'd'), ['dave', 'eve', 'frank', 'grace']],
  ['userName eq a number: type mismatch', cmp('userName', 'eq', 5), []],
  ['userName ne a number: not eq', cmp('userName', 'ne', 5), every],
  ['externalId eq, case-exact miss', cmp('externalId', 'eq', 'ext-dave', true), []],
  ['externalId eq, case-insensitive', cmp('externalId', 'eq', 'ext-dave'), ['dave']],
  ['externalId eq null: absent', cmp('externalId', 'eq', null, true), ['carol', 'frank', 'grace']],
  ['externalId ne null: present', cmp('externalId', 'ne', null, true), ['alice', 'bob', 'dave', 'eve']],
  ['externalId ne includes absent', cmp('externalId', 'ne', 'ext-alice', true), except('alice')],
  ['externalId present', present('externalId'), ['alice', 'bob', 'dave', 'eve']],
  ['active eq true', cmp('active', 'eq', true), ['alice', 'bob', 'dave', 'frank', 'grace']],
  ['active eq false', cmp('active', 'eq', false), ['carol', 'eve']],
  ['active eq "true": type-strict', cmp('active', 'eq', 'true'), []],
  ['active ne "true": type-strict', cmp('active', 'ne', 'true'), every],
  ['active gt false: never on booleans', cmp('active', 'gt', false), []],
  ['displayName present (null is not)', present('displayName'), except('dave')],
  ['displayName eq, Unicode case fold', cmp('displayName', 'eq', 'carol ärger'), ['carol']],
  ['displayName sw, case-exact miss', cmp('displayName', 'sw', 'ca', true), []],
  ['displayName sw, case-insensitive', cmp('displayName', 'sw', 'ca'), ['carol']],
  ['displayName co "": any string', cmp('displayName', 'co', ''), except('dave')],
  ['displayName co % literal', cmp('displayName', 'co', '%'), []],
  ['title present ("" and null are not)', present('title'), ['alice']],
  ['title eq null: absent or null ("" is a value)', cmp('title', 'eq', null), except('alice', 'carol')],
  ['title eq ""', cmp('title', 'eq', ''), ['carol']],
  ['title sw "": any string', cmp('title', 'sw', ''), ['alice', 'carol']],
  ['title co, case-insensitive', cmp('title', 'co', 'eng'), ['alice']],
  ['name present ({} is not)', present('name'), ['alice', 'eve']],
  ['name.familyName eq, case-insensitive', cmp(['name', 'familyName'], 'eq', 'liddell'), ['alice']],
  ['name.familyName eq, case-exact miss', cmp(['name', 'familyName'], 'eq', 'liddell', true), []],
  ['name.familyName ne includes absent', cmp(['name', 'familyName'], 'ne', 'Liddell', true), except('alice')],
  ['name.givenName present', present('name', 'givenName'), ['alice', 'eve']],
  ['emails present ([] is not)', present('emails'), ['alice', 'bob', 'dave', 'eve', 'grace']],
  [
    'emails[type eq work], case-exact',
    elem('emails', cmp('type', 'eq', 'work', true)),
    ['alice', 'bob', 'dave'],
  ],
  [
    'emails[type eq work], case-insensitive',
    elem('emails', cmp('type', 'eq', 'work')),
    ['alice', 'bob', 'dave', 'grace'],
  ],
  [
    'emails[value co], case-insensitive',
    elem('emails', cmp('value', 'co', 'example.com')),
    ['alice', 'bob', 'dave', 'eve', 'grace'],
  ],
  [
    'emails[value co], case-exact',
    elem('emails', cmp('value', 'co', 'example.com', true)),
    ['alice', 'dave', 'eve'],
  ],
  [
    'emails[type and value] match one element',
    elem('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'ew', '@example.com'))),
    ['alice', 'bob', 'grace'],
  ],
  [
    'emails[primary eq true]',
    elem('emails', cmp('primary', 'eq', true)),
    ['alice', 'bob', 'dave', 'eve', 'grace'],
  ],
  ['emails[not type present]', elem('emails', not(present('type'))), ['eve']],
  ['not emails[type eq home]', not(elem('emails', cmp('type', 'eq', 'home'))), except('alice')],
  ['tags[value eq ops]: simple values', elem('tags', cmp('value', 'eq', 'ops', true)), ['grace']],
  [
    'enterprise manager.value eq',
    cmp([ENTERPRISE, 'manager', 'value'], 'eq', alice, true),
    ['carol', 'dave'],
  ],
  [
    'enterprise employeeNumber gt (strings)',
    cmp([ENTERPRISE, 'employeeNumber'], 'gt', '1000', true),
    ['alice', 'bob'],
  ],
  ['enterprise employeeNumber present', present(ENTERPRISE, 'employeeNumber'), ['alice', 'bob', 'carol']],
  ['enterprise department eq, case-insensitive', cmp([ENTERPRISE, 'department'], 'eq', 'r&d'), ['alice']],
  ['level gt 5: numeric', cmp(level, 'gt', 5), ['bob', 'carol']],
  ['level ge 5', cmp(level, 'ge', 5), ['alice', 'bob', 'carol']],
  ['level eq 10: not the string "10"', cmp(level, 'eq', 10), ['bob']],
  ['level eq "10": not the number 10', cmp(level, 'eq', '10'), ['dave']],
  ['level lt 1', cmp(level, 'lt', 1), ['eve', 'grace']],
  ['level gt "1": strings only', cmp(level, 'gt', '1'), ['dave']],
  ['level present (0 is)', present(...level), except('frank')],
  ['remote eq true', cmp(remote, 'eq', true), ['eve']],
  ['remote eq false', cmp(remote, 'eq', false), ['grace']],
  ['remote present (false is)', present(...remote), ['eve', 'grace']],
  ['remote ne true', cmp(remote, 'ne', true), except('eve')],
  ['nickName eq boolean true: type-strict', cmp('nickName', 'eq', true), []],
  ['nickName eq "true"', cmp('nickName', 'eq', 'true'), ['dave']],
  ['not active', not(cmp('active', 'eq', true)), ['carol', 'eve']],
  ['or', or(cmp('userName', 'eq', 'BOB'), cmp('displayName', 'co', 'hopper')), ['bob', 'grace']],
  ['and', and(cmp('active', 'eq', false), cmp(level, 'gt', 0)), ['carol']],
  [
    'meta.created ge',
    cmp(['meta', 'created'], 'ge', '2024-01-04T00:00:00.000Z', true),
    ['dave', 'eve', 'frank', 'grace'],
  ],
  [
    'meta.lastModified lt',
    cmp(['meta', 'lastModified'], 'lt', '2024-02-25T00:00:00.000Z', true),
    ['eve', 'frank', 'grace'],
  ],
  ['id eq', cmp('id', 'eq', alice, true), ['alice']],
  ['id eq of another tenant', cmp('id', 'eq', accountId(TENANT_B_ID, 'alice'), true), []],
];

const TEAM_CASES: readonly (readonly [string, Filter, readonly TeamKey[]])[] = [
  ['member', { kind: 'member', accountId: alice }, ['engineering']],
  ['member carol', { kind: 'member', accountId: accountId(TENANT_A_ID, 'carol') }, ['sales']],
  ['member of no team', { kind: 'member', accountId: accountId(TENANT_A_ID, 'frank') }, []],
  ['member from another tenant', { kind: 'member', accountId: accountId(TENANT_B_ID, 'alice') }, []],
  ['hasMembers', { kind: 'hasMembers' }, ['engineering', 'sales']],
  ['not hasMembers', not({ kind: 'hasMembers' }), ['empty', 'ops']],
  ['displayName eq, case-insensitive', cmp('displayName', 'eq', 'engineering'), ['engineering']],
  ['displayName eq, case-exact miss', cmp('displayName', 'eq', 'engineering', true), []],
  ['displayName sw, case-exact', cmp('displayName', 'sw', 'E', true), ['engineering', 'empty']],
  ['externalId present', present('externalId'), ['ops']],
  ['description present (attributes)', present('description'), ['sales']],
  [
    'member or displayName',
    or({ kind: 'member', accountId: accountId(TENANT_A_ID, 'bob') }, cmp('displayName', 'eq', 'OPS')),
    ['engineering', 'ops'],
  ],
];

export const ACCOUNT_FILTERS: readonly FilterCase[] = ACCOUNT_CASES.map(([name, filter, expected]) => ({
  name,
  target: 'accounts',
  filter,
  expected,
}));
export const TEAM_FILTERS: readonly FilterCase[] = TEAM_CASES.map(([name, filter, expected]) => ({
  name,
  target: 'teams',
  filter,
  expected,
}));
/** Every filter case (accounts and teams) over tenant A. */
export const FILTER_CASES: readonly FilterCase[] = [...ACCOUNT_FILTERS, ...TEAM_FILTERS];

const by = (attr: AttrPath, descending: boolean, caseExact: boolean): ListQuery['sort'] => ({
  attr,
  descending,
  caseExact,
});

/**
 * Sort rules: absent values last ascending and first descending (RFC 7644 §3.4.2.3), ties by id
 * ascending, case folded when `caseExact` is false, false before true.
 */
export const SORT_CASES: readonly SortCase[] = [
  {
    name: 'userName ascending, case-insensitive',
    query: { filter: ALL, sort: by(['userName'], false, false) },
    expected: ['alice', 'bob', 'carol', 'dave', 'frank', 'grace', 'eve'],
  },
  {
    name: 'userName descending, case-insensitive',
    query: { filter: ALL, sort: by(['userName'], true, false) },
    expected: ['eve', 'grace', 'frank', 'dave', 'carol', 'bob', 'alice'],
  },
  {
    name: 'userName ascending, case-exact',
    query: { filter: ALL, sort: by(['userName'], false, true) },
    expected: ['alice', 'carol', 'bob', 'dave', 'frank', 'grace', 'eve'],
  },
  {
    name: 'displayName ascending: null last',
    query: { filter: ALL, sort: by(['displayName'], false, false) },
    expected: ['alice', 'bob', 'carol', 'eve', 'frank', 'grace', 'dave'],
  },
  {
    name: 'employeeNumber ascending: absent last, ties by id',
    query: { filter: ALL, sort: by([ENTERPRISE, 'employeeNumber'], false, true) },
    expected: ['carol', 'alice', 'bob', 'dave', 'eve', 'frank', 'grace'],
  },
  {
    name: 'employeeNumber descending: absent first, ties by id',
    query: { filter: ALL, sort: by([ENTERPRISE, 'employeeNumber'], true, true) },
    expected: ['dave', 'eve', 'frank', 'grace', 'bob', 'alice', 'carol'],
  },
  {
    name: 'numeric attribute, filtered to numbers',
    query: { filter: cmp(level, 'gt', -100), sort: by(level, false, true) },
    expected: ['grace', 'eve', 'alice', 'carol', 'bob'],
  },
  {
    name: 'meta.lastModified ascending',
    query: { filter: ALL, sort: by(['meta', 'lastModified'], false, true) },
    expected: ['grace', 'frank', 'eve', 'dave', 'carol', 'bob', 'alice'],
  },
  {
    name: 'active ascending: false first, ties by id',
    query: { filter: ALL, sort: by(['active'], false, true) },
    expected: ['carol', 'eve', 'alice', 'bob', 'dave', 'frank', 'grace'],
  },
];
