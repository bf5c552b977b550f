import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Filter, Storage } from '../../src/storage/ports.ts';
import { StorageError } from '../../src/storage/ports.ts';
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts';
import type { Sql } from '../../src/storage/sqlite/connection.ts';
import { openDatabase } from '../../src/storage/sqlite/connection.ts';
import type { Migration } from '../../src/storage/sqlite/migrations.ts';
import { MIGRATIONS, migrate, schemaVersion } from '../../src/storage/sqlite/migrations.ts';
import { storageOver } from '../../src/storage/sqlite/storage.ts';
import { storageContract } from './contract/index.ts';
import { accountIndexKey, accountIndexPrefix, revokeAccountRecords } from '../../src/provider/records.ts';
import { TENANT_A_ID, accountId, seedFixtures, teamId } from './contract/fixtures.ts';
import { makeAccount, makeTenant } from './contract/helpers.ts';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'trustgate-sqlite-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});
let files = 0;
const freshFile = () => join(dir, `db-${++files}.sqlite`);

describe('sqlite storage (:memory:)', () => {
  storageContract(() => createSqliteStorage(':memory:'));
});

describe('sqlite storage (file)', () => {
  storageContract(() => createSqliteStorage(freshFile()));
});

describe('sqlite storage specifics', () => {
  it('keeps committed data across close and reopen', async () => {
    const file = freshFile();
    const first = await createSqliteStorage(file);
    const fixtures = await seedFixtures(first);
    await first.ephemeral.put('key', 'value', null);
    await first.close();

    const second = await createSqliteStorage(file);
    assert.deepEqual(await second.tenants.get(TENANT_A_ID), fixtures.tenantA);
    assert.deepEqual(
      (await second.accounts.list(TENANT_A_ID, { filter: { kind: 'all' }, offset: 0, limit: 100 })).items,
      fixtures.accountsA,
    );
    assert.equal(await second.memberships.count(TENANT_A_ID, teamId(TENANT_A_ID, 'engineering')), 3);
    assert.equal(await second.ephemeral.get('key'), 'value');
    await second.close();
  });

  it('opens with WAL, synchronous=NORMAL, foreign keys and a busy timeout', () => {
    const sql = openDatabase(freshFile());
    const pragma = (name: string) => Object.values(sql.db.prepare(`PRAGMA ${name}`).get() ?? {})[0];
    assert.equal(pragma('journal_mode'), 'wal');
    assert.equal(pragma('synchronous'), 1);
    assert.equal(pragma('foreign_keys'), 1);
    assert.equal(pragma('busy_timeout'), 5000);
    sql.db.close();
  });

  it('runs concurrent transactions one after the other on its one connection', async () => {
    const storage = await createSqliteStorage(':memory:');
    try {
      const tenant = makeTenant();
      await storage.tenants.insert(tenant);
      const log: string[] = [];
      const unit = (name: string) =>
        storage.transaction(async (tx) => {
          log.push(`${name} begin`);
          await tx.accounts.insert(makeAccount(tenant.id));
          await new Promise((resolve) => setTimeout(resolve, 10));
          await tx.accounts.insert(makeAccount(tenant.id));
          log.push(`${name} end`);
        });
      await Promise.all([unit('one'), unit('two'), unit('three')]);
      assert.deepEqual(log, ['one begin', 'one end', 'two begin', 'two end', 'three begin', 'three end']);
    } finally {
      await storage.close();
    }
  });

  it('refuses nested transactions and top-level writes inside a transaction instead of deadlocking', async () => {
    const storage = await createSqliteStorage(':memory:');
    const tenant = makeTenant();
    await storage.tenants.insert(tenant);
    await assert.rejects(
      storage.transaction(async () => storage.transaction(async () => 1)),
      StorageError,
    );
    await assert.rejects(
      storage.transaction(async () => storage.accounts.insert(makeAccount(tenant.id))),
      StorageError,
    );
    const read = await storage.transaction(async () => storage.tenants.get(tenant.id)); // reads are fine
    assert.equal(read?.id, tenant.id);
    await storage.accounts.insert(makeAccount(tenant.id)); // and the lock was released
    await storage.close();
  });
});

describe('sqlite migrations', () => {
  const create = (version: number, table: string): Migration => ({
    version,
    name: table,
    sql: `CREATE TABLE ${table} (x INTEGER)`,
  });
  const tables = (db: DatabaseSync) =>
    db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => r.name);

  it('brings a new database to the latest version and records it in user_version', () => {
    const db = new DatabaseSync(':memory:');
    assert.equal(migrate(db), MIGRATIONS.length);
    assert.equal(schemaVersion(db), MIGRATIONS.length);
    assert.equal(migrate(db), MIGRATIONS.length, 'a second run applies nothing');
  });

  it('applies only pending migrations, in order, each atomically', () => {
    const db = new DatabaseSync(':memory:');
    assert.equal(migrate(db, [create(1, 'a')]), 1);
    assert.equal(
      migrate(db, [create(1, 'a'), create(2, 'b')]),
      2,
      'migration 1 is not re-run (it would fail)',
    );
    const broken: Migration = {
      version: 3,
      name: 'broken',
      sql: 'CREATE TABLE c (x INTEGER); INSERT INTO missing VALUES (1);',
    };
    assert.throws(() => migrate(db, [create(1, 'a'), create(2, 'b'), broken]), StorageError);
    assert.equal(schemaVersion(db), 2);
    assert.deepEqual(tables(db), ['a', 'b'], 'the failed migration left nothing behind');
  });

  it('refuses a database from a newer build and a badly numbered list', async () => {
    const file = freshFile();
    const db = new DatabaseSync(file);
    db.exec('PRAGMA user_version = 99');
    db.close();
    await assert.rejects(createSqliteStorage(file), /newer/);
    assert.throws(() => migrate(new DatabaseSync(':memory:'), [create(2, 'x')]), StorageError);
  });
});

describe('sqlite migration 2: the audit table becomes the event stream', () => {
  it('numbers old events per tenant in id order, renames their types and gives them an expiry', async () => {
    const file = freshFile();
    const db = new DatabaseSync(file);
    migrate(db, MIGRATIONS.slice(0, 1));
    const insert = db.prepare(
      `INSERT INTO audit_events (id, tenant_id, type, actor_type, actor_id, target_type, target_id, data, request_id, at)
       VALUES (?, ?, ?, 'system', NULL, NULL, NULL, '{}', NULL, ?)`,
    );
    insert.run(
      '01900000-0000-7000-8000-000000000002',
      'tenant-a',
      'sso.login_succeeded',
      '2026-11-02T00:00:00.000Z',
    );
    insert.run(
      '01900000-0000-7000-8000-000000000001',
      'tenant-a',
      'account.provisioned',
      '2026-11-01T00:00:00.000Z',
    );
    insert.run(
      '01900000-0000-7000-8000-000000000003',
      'tenant-b',
      'team.members_added',
      '2026-11-03T00:00:00.000Z',
    );
    insert.run('01900000-0000-7000-8000-000000000004', null, 'client.created', '2026-11-04T00:00:00.000Z');
    db.close();

    const storage = await createSqliteStorage(file);
    try {
      const a = await storage.audit.list('tenant-a' as never, null, 10);
      assert.deepEqual(
        a.map((e) => [e.seq, e.type, e.expiresAt]),
        [
          [1, 'account.created', '2026-12-01T00:00:00.000Z'],
          [2, 'session.started', '2026-12-02T00:00:00.000Z'],
        ],
      );
      assert.deepEqual(
        (await storage.audit.list('tenant-b' as never, null, 10)).map((e) => [e.seq, e.type]),
        [[1, 'team.member_added']],
      );
      assert.deepEqual(
        (await storage.audit.list(null, null, 10)).map((e) => e.seq),
        [1],
      );
      assert.equal(await storage.audit.head('tenant-a' as never), 2);
      const next = await storage.audit.append({
        tenantId: 'tenant-a' as never,
        type: 'account.updated',
        actor: { type: 'system', id: null },
        target: null,
        data: {},
        requestId: null,
        expiresAt: '2999-01-01T00:00:00.000Z',
      });
      assert.equal(next.seq, 3, 'numbering continues after the migrated events');
    } finally {
      await storage.close();
    }
  });
});

describe('sqlite migration 4: the SCIM request log keeps the error of a refused request', () => {
  it('upgrades a version 3 database in place: its entries read with a null error, new ones keep theirs', async () => {
    const file = freshFile();
    const db = new DatabaseSync(file);
    migrate(db, MIGRATIONS.slice(0, 3));
    db.prepare(
      `INSERT INTO scim_log (tenant_id, id, at, method, path, status, duration_ms, token_id, request_id, body, expires_at)
       VALUES ('tenant-a', '01900000-0000-7000-8000-000000000001', '2026-11-01T00:00:00.000Z', 'POST',
       '/scim/v2/a/Users', 409, 2.5, NULL, 'req-1', '{"userName":"x"}', '2999-01-01T00:00:00.000Z')`,
    ).run();
    db.close();

    const storage = await createSqliteStorage(file);
    try {
      const tenant = 'tenant-a' as never;
      const [old] = await storage.scimLog.list(tenant, null, 10);
      assert.ok(old);
      assert.equal(old.status, 409);
      assert.equal(old.body, '{"userName":"x"}');
      assert.equal(old.error, null, 'an entry written before migration 4 has no error');
      const refused = {
        ...old,
        id: '01900000-0000-7000-8000-000000000002',
        error: { scimType: 'uniqueness', detail: 'userName "x" is taken' },
      };
      await storage.scimLog.append([refused]);
      assert.deepEqual(await storage.scimLog.list(tenant, null, 10), [refused, old]);
    } finally {
      await storage.close();
    }
    const reopened = new DatabaseSync(file);
    assert.equal(schemaVersion(reopened), MIGRATIONS.length);
    reopened.close();
  });
});

describe('sqlite query plans', () => {
  let sql: Sql;
  let storage: Storage;
  before(async () => {
    sql = openDatabase(':memory:');
    migrate(sql.db);
    storage = storageOver(sql);
    await seedFixtures(storage);
  });
  after(async () => {
    await storage.close();
  });

  /** The query plans of the statements `op` ran (EXPLAIN QUERY PLAN of the very same SQL). */
  async function plans(op: () => Promise<unknown>): Promise<string[]> {
    sql.trace = [];
    await op();
    const traced = sql.trace;
    sql.trace = null;
    return traced.map((text) =>
      sql.db
        .prepare(`EXPLAIN QUERY PLAN ${text}`)
        .all()
        .map((row) => String(row.detail))
        .join(' | '),
    );
  }

  const expectIndex = async (op: () => Promise<unknown>, index: RegExp) => {
    const found = await plans(op);
    assert.ok(found.length > 0);
    for (const plan of found) {
      assert.match(plan, index);
      assert.doesNotMatch(plan, /\bSCAN (r|accounts|teams|memberships|m)\b/, plan);
    }
  };
  const A = TENANT_A_ID;
  const eq = (attr: string, value: string, caseExact = false): Filter => ({
    kind: 'compare',
    op: 'eq',
    attr: [attr],
    value,
    caseExact,
  });
  const list = (filter: Filter) => ({ filter, offset: 0, limit: 10 });

  it('userName lookups and filters use the lowercase index', async () => {
    await expectIndex(() => storage.accounts.getByUserName(A, 'BOB'), /accounts_by_user_name/);
    await expectIndex(() => storage.accounts.list(A, list(eq('userName', 'bob'))), /accounts_by_user_name/);
    await expectIndex(
      () => storage.accounts.list(A, list(eq('userName', 'bob', true))),
      /accounts_by_user_name/,
    );
  });

  it('externalId, email and displayName lookups use their indexes', async () => {
    await expectIndex(
      () => storage.accounts.list(A, list(eq('externalId', 'ext-bob', true))),
      /accounts_by_external_id/,
    );
    await expectIndex(() => storage.accounts.getByEmail(A, 'bob@example.com'), /accounts_by_email/);
    await expectIndex(() => storage.teams.getByDisplayName(A, 'engineering'), /teams_by_display_name/);
    await expectIndex(
      () => storage.teams.list(A, list(eq('displayName', 'Engineering'))),
      /teams_by_display_name/,
    );
  });

  it('membership lookups use the index in each direction', async () => {
    const team = teamId(A, 'engineering');
    const alice = accountId(A, 'alice');
    await expectIndex(
      () => storage.memberships.members(A, team),
      /memberships USING PRIMARY KEY|m USING PRIMARY KEY/,
    );
    await expectIndex(
      () => storage.memberships.count(A, team),
      /PRIMARY KEY \(tenant_id=\? AND team_id=\?\)/,
    );
    await expectIndex(
      () => storage.memberships.whichAreMembers(A, team, [alice]),
      /\(tenant_id=\? AND (team_id=\? AND account_id|account_id=\? AND team_id)=\?\)/,
    );
    // Pairs from the account index, then the distinct teams by primary key.
    for (const ids of [[alice], [alice, accountId(A, 'bob')]])
      await expectIndex(
        () => storage.memberships.teamsOf(A, ids),
        /memberships_by_account|teams USING INDEX sqlite_autoindex_teams_1 \(tenant_id=\? AND id=\?\)/,
      );
    await expectIndex(() => storage.teams.list(A, list({ kind: 'member', accountId: alice })), /PRIMARY KEY/);
  });

  it('sign-in links, tokens, domains and audit pages use their keys', async () => {
    await expectIndex(
      () => storage.accounts.findBySubject(A, 'idp|x'),
      /account_links USING PRIMARY KEY|l USING PRIMARY KEY/,
    );
    await expectIndex(() => storage.tokens.findByHash('h'), /sqlite_autoindex_api_tokens_2/);
    await expectIndex(() => storage.tenants.findByDomain('example.com'), /tenant_domains USING PRIMARY KEY/);
    await expectIndex(() => storage.audit.list(A, null, 10), /audit_events_by_tenant/);
    await expectIndex(() => storage.audit.list(A, 5, 10, ['account.created']), /audit_events_by_tenant/);
  });

  it('writes LIMIT as a literal (a bound LIMIT makes SQLite re-plan the statement on every run)', async () => {
    sql.trace = [];
    await storage.accounts.list(A, list(eq('userName', 'bob')));
    await storage.accounts.list(A, { filter: { kind: 'all' }, offset: 1, limit: 2 });
    await storage.teams.list(A, list(eq('displayName', 'Engineering')));
    await storage.audit.list(A, null, 10);
    const traced = sql.trace;
    sql.trace = null;
    const limited = traced.filter((text) => /\bLIMIT\b/.test(text));
    assert.equal(limited.length, 4);
    for (const text of limited) assert.match(text, /\bLIMIT \d+ OFFSET \?$|\bLIMIT \d+$/, text);
  });

  it('revoking an account with nothing to revoke is one primary-key probe of the ephemeral store', async () => {
    // Other accounts' grants and sessions around it: none of them is read.
    for (const other of ['0001', '0002', '0003'])
      for (const model of ['Grant', 'Session'])
        await storage.ephemeral.put(accountIndexKey(`acc-${other}`, model, `id-${other}`), '', 600);
    sql.trace = [];
    assert.equal(await revokeAccountRecords(storage.ephemeral, 'acc-0002x'), 0);
    const traced = sql.trace;
    sql.trace = null;
    assert.equal(traced.length, 1, traced.join('\n'));
    const plan = sql.db
      .prepare(`EXPLAIN QUERY PLAN ${traced[0] ?? ''}`)
      .all()
      .map((row) => String(row.detail))
      .join(' | ');
    assert.match(plan, /^SEARCH ephemeral USING PRIMARY KEY \(key>\? AND key<\?\)$/);
    // The neighbours are still there, and a live one is found and ended.
    assert.equal(await revokeAccountRecords(storage.ephemeral, 'acc-0002'), 2);
    assert.deepEqual(await storage.ephemeral.keys(accountIndexPrefix('acc-0002')), []);
    assert.equal((await storage.ephemeral.keys(accountIndexPrefix('acc-0001'))).length, 2);
  });

  it('pages in id or userName order straight from an index, without sorting', async () => {
    for (const sort of [undefined, { attr: ['userName'], descending: false, caseExact: false }] as const) {
      const found = await plans(() =>
        storage.accounts.list(A, {
          filter: { kind: 'all' },
          offset: 0,
          limit: 10,
          ...(sort ? { sort } : {}),
        }),
      );
      const select = found.at(-1) ?? '';
      assert.doesNotMatch(select, /TEMP B-TREE/, select);
    }
  });
});
