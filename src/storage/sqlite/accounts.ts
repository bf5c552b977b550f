import type { Account, AccountId, AccountStore, ListQuery, TenantId } from '../ports.ts';
import type { Param, Sql, Values } from './connection.ts';
import { translated } from './errors.ts';
import type { FilterTarget } from './filter-sql.ts';
import { listRecords } from './listing.ts';
import { int, jsonObject, lower, text, textOrNull } from './rows.ts';
import { afterMissedUpdate, idList } from './shared.ts';

/** Record fields with their own column; every other path goes into `attributes`. */
export const ACCOUNT_TARGET: FilterTarget = {
  hasMembers: false,
  columns: {
    id: { sql: 'r.id', type: 'string', nullable: false },
    userName: { sql: 'r.user_name', type: 'string', nullable: false, lowerSql: 'r.user_name_lower' },
    externalId: { sql: 'r.external_id', type: 'string', nullable: true },
    active: { sql: 'r.active', type: 'boolean', nullable: false },
    displayName: { sql: 'r.display_name', type: 'string', nullable: true },
    'meta/created': { sql: 'r.created_at', type: 'string', nullable: false },
    'meta/lastModified': { sql: 'r.updated_at', type: 'string', nullable: false },
  },
};

/**
 * What `toAccount` reads, in this order (rows are read as value arrays). Not the tenant: every
 * query names it, so it need not come back 100 times a page.
 */
const ACCOUNT_COLUMNS =
  'r.id, r.user_name, r.external_id, r.active, r.display_name, r.email, r.attributes, r.created_at, r.updated_at, r.version';

export function toAccount(tenantId: TenantId, row: Values): Account {
  return {
    tenantId,
    id: text(row, 0) as AccountId,
    userName: text(row, 1),
    externalId: textOrNull(row, 2),
    active: int(row, 3) === 1,
    displayName: textOrNull(row, 4),
    email: textOrNull(row, 5),
    attributes: jsonObject(row, 6),
    createdAt: text(row, 7),
    updatedAt: text(row, 8),
    version: int(row, 9),
  };
}

const INSERT = `INSERT INTO accounts (tenant_id, id, user_name, user_name_lower, external_id, active, display_name,
  email, email_lower, attributes, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** The values of the columns an account's client controls, in INSERT order. */
function ownColumns(a: Account): Param[] {
  return [
    a.userName,
    lower(a.userName),
    a.externalId,
    a.active ? 1 : 0,
    a.displayName,
    a.email,
    lower(a.email),
    JSON.stringify(a.attributes),
  ];
}

function insert(sql: Sql, a: Account): void {
  translated(() => sql.run(INSERT, a.tenantId, a.id, ...ownColumns(a), a.createdAt, a.updatedAt, a.version));
}

/** Indexed columns, each group written only when its field changed (an UPDATE rewrites the index entries of every column it sets). */
const INDEXED: readonly {
  readonly set: string;
  readonly changed: (a: Account, previous: Account) => boolean;
  readonly values: (a: Account) => Param[];
}[] = [
  {
    set: 'user_name = ?, user_name_lower = ?',
    changed: (a, p) => a.userName !== p.userName,
    values: (a) => [a.userName, lower(a.userName)],
  },
  {
    set: 'external_id = ?',
    changed: (a, p) => a.externalId !== p.externalId,
    values: (a) => [a.externalId],
  },
  {
    set: 'email = ?, email_lower = ?',
    changed: (a, p) => a.email !== p.email,
    values: (a) => [a.email, lower(a.email)],
  },
];

const RETURNED_COLUMNS = ACCOUNT_COLUMNS.replaceAll('r.', '');

/** The UPDATE for each set of indexed column groups written (bit i: INDEXED[i]), built once. */
const updateTexts = new Map<number, string>();
function updateText(mask: number): string {
  let text = updateTexts.get(mask);
  if (text === undefined) {
    const sets = INDEXED.filter((_, i) => mask & (1 << i)).map((column) => column.set);
    text = `UPDATE accounts SET ${[...sets, 'active = ?, display_name = ?, attributes = ?, updated_at = ?'].join(', ')},
    version = version + 1 WHERE tenant_id = ? AND id = ? AND version = ? RETURNING ${RETURNED_COLUMNS}`;
    updateTexts.set(mask, text);
  }
  return text;
}

function update(sql: Sql, a: Account, expectedVersion: number, previous?: Account): Account {
  const known = previous?.version === expectedVersion ? previous : undefined;
  let mask = 0;
  const params: Param[] = [];
  INDEXED.forEach((column, i) => {
    if (known && !column.changed(a, known)) return;
    mask |= 1 << i;
    params.push(...column.values(a));
  });
  params.push(a.active ? 1 : 0, a.displayName, JSON.stringify(a.attributes), a.updatedAt);
  const row = translated(() => sql.getValues(updateText(mask), ...params, a.tenantId, a.id, expectedVersion));
  if (row) return toAccount(a.tenantId, row);
  return afterMissedUpdate(sql, 'accounts', a.tenantId, a.id);
}

function remove(sql: Sql, tenantId: TenantId, id: AccountId): boolean {
  // Memberships and sign-in links go with it by ON DELETE CASCADE.
  return sql.run('DELETE FROM accounts WHERE tenant_id = ? AND id = ?', tenantId, id) > 0;
}

function link(sql: Sql, tenantId: TenantId, subject: string, accountId: AccountId): void {
  // Re-linking a subject to the account it already has is a no-op; to another account it conflicts.
  const existing = sql.get(
    'SELECT account_id FROM account_links WHERE tenant_id = ? AND subject = ?',
    tenantId,
    subject,
  );
  if (existing && existing.account_id === accountId) return;
  translated(() =>
    sql.run(
      'INSERT INTO account_links (tenant_id, subject, account_id) VALUES (?, ?, ?)',
      tenantId,
      subject,
      accountId,
    ),
  );
}

// Whole statements as constants: SQL built per call is a new string to hash in the statement cache.
const SELECT_ONE = `SELECT ${ACCOUNT_COLUMNS} FROM accounts AS r WHERE r.tenant_id = ? AND`;
const BY_ID = `${SELECT_ONE} r.id = ?`;
const BY_USER_NAME = `${SELECT_ONE} r.user_name_lower = ?`;
const BY_EMAIL = `${SELECT_ONE} r.email_lower = ? ORDER BY r.id`;
const BY_SUBJECT = `SELECT ${ACCOUNT_COLUMNS} FROM account_links AS l JOIN accounts AS r ON r.tenant_id = l.tenant_id AND r.id = l.account_id
  WHERE l.tenant_id = ? AND l.subject = ?`;

export function createAccountStore(sql: Sql): AccountStore {
  const one = (tenantId: TenantId, text: string, param: string) => {
    const row = sql.getValues(text, tenantId, param);
    return row ? toAccount(tenantId, row) : undefined;
  };
  return {
    get: async (tenantId, id) => one(tenantId, BY_ID, id),
    getByUserName: async (tenantId, userName) => one(tenantId, BY_USER_NAME, userName.toLowerCase()),
    getByEmail: async (tenantId, email) =>
      sql.allValues(BY_EMAIL, tenantId, email.toLowerCase()).map((row) => toAccount(tenantId, row)),
    existing: async (tenantId, ids) =>
      idList(
        sql,
        'SELECT id FROM accounts WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))',
        tenantId,
        ids,
      ),
    list: async (tenantId, query: ListQuery) =>
      listRecords(
        sql,
        {
          table: 'accounts',
          target: ACCOUNT_TARGET,
          fromValues: (row) => toAccount(tenantId, row),
          select: ACCOUNT_COLUMNS,
        },
        tenantId,
        query,
      ),
    insert: async (account) => insert(sql, account),
    update: async (account, expectedVersion, previous) => update(sql, account, expectedVersion, previous),
    remove: async (tenantId, id) => remove(sql, tenantId, id),
    findBySubject: async (tenantId, subject) => {
      const row = sql.getValues(BY_SUBJECT, tenantId, subject);
      return row ? toAccount(tenantId, row) : undefined;
    },
    link: async (tenantId, subject, accountId) => link(sql, tenantId, subject, accountId),
  };
}
