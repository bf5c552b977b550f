import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { StorageError } from '../../src/storage/ports.ts';
import type { Sql } from '../../src/storage/sqlite/connection.ts';
import { openDatabase } from '../../src/storage/sqlite/connection.ts';
import { GroupCommit } from '../../src/storage/sqlite/group-commit.ts';
import { WriteLock } from '../../src/storage/sqlite/lock.ts';
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts';
import { makeAccount, makeTenant } from './contract/helpers.ts';

/**
 * Group commit on a real database file, watched through a second connection, which (unlike the
 * writer's own) sees only what is committed.
 */
describe('sqlite group commit', () => {
  let dir = '';
  let sql: Sql;
  let observer: DatabaseSync;
  let group: GroupCommit;
  const committed = (id: string) =>
    observer.prepare('SELECT count(*) AS n FROM item WHERE id = ?').get(id)?.n === 1;
  const insert = (id: string, parent: string | null = null) =>
    sql.run('INSERT INTO item (id, parent) VALUES (?, ?)', id, parent);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'trustgate-group-'));
    const file = join(dir, 'db.sqlite');
    sql = openDatabase(file);
    sql.db.exec(`CREATE TABLE item (
      id TEXT PRIMARY KEY,
      parent TEXT REFERENCES item(id) DEFERRABLE INITIALLY DEFERRED)`);
    observer = new DatabaseSync(file);
    group = new GroupCommit(sql, new WriteLock());
  });
  afterEach(() => {
    observer.close();
    sql.db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes that arrive together share one COMMIT, and each resolves only once committed', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `item-${i}`);
    const seenAtResolution = await Promise.all(
      ids.map((id) => group.run(() => insert(id)).then(() => committed(id))),
    );
    assert.deepEqual(
      seenAtResolution,
      ids.map(() => true),
    );
    assert.deepEqual(group.stats, { commits: 1, units: 20 });
    // The next burst is its own batch.
    await Promise.all([group.run(() => insert('late-1')), group.run(() => insert('late-2'))]);
    assert.deepEqual(group.stats, { commits: 2, units: 22 });
  });

  it('a unit that fails is rolled back alone; the rest of its batch commits', async () => {
    const results = await Promise.allSettled([
      group.run(() => insert('a')),
      group.run(() => {
        insert('b');
        throw new Error('refused');
      }),
      group.run(() => insert('c')),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual([committed('a'), committed('b'), committed('c')], [true, false, true]);
  });

  it('a failed COMMIT fails every unit of the batch and keeps none of its writes', async () => {
    // The dangling parent passes its statement (the key is deferred) and fails the COMMIT.
    const results = await Promise.allSettled([
      group.run(() => insert('fine')),
      group.run(() => insert('orphan', 'no-such-parent')),
    ]);
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      assert.ok(result.reason instanceof StorageError, String(result.reason));
    }
    assert.deepEqual([committed('fine'), committed('orphan')], [false, false]);
    assert.equal(sql.db.isTransaction, false);
    await group.run(() => insert('after'));
    assert.equal(committed('after'), true);
  });

  it('a unit that awaits holds the batch open until it is done, then everything commits', async () => {
    const slow = group.run(
      async () => {
        insert('slow-1');
        await new Promise((resolve) => setTimeout(resolve, 30));
        insert('slow-2');
      },
      { transaction: true },
    );
    const quick = group.run(() => insert('quick'));
    await Promise.all([slow, quick]);
    assert.deepEqual([committed('slow-1'), committed('slow-2'), committed('quick')], [true, true, true]);
  });
});

describe('sqlite storage with group commit', () => {
  it('concurrent writes through the storage are all durable when they resolve, and survive close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustgate-group-'));
    const file = join(dir, 'db.sqlite');
    try {
      const storage = await createSqliteStorage(file);
      const tenant = makeTenant();
      await storage.tenants.insert(tenant);
      const accounts = Array.from({ length: 50 }, () => makeAccount(tenant.id));
      const observer = new DatabaseSync(file);
      const visible = (id: string) =>
        observer.prepare('SELECT count(*) AS n FROM accounts WHERE id = ?').get(id)?.n === 1;
      const seen = await Promise.all(
        accounts.map((a, i) =>
          (i % 2 === 0
            ? storage.accounts.insert(a)
            : storage.transaction(async (tx) => tx.accounts.insert(a))
          ).then(() => visible(a.id)),
        ),
      );
      observer.close();
      assert.equal(seen.filter(Boolean).length, 50);
      await storage.close();
      const reopened = await createSqliteStorage(file);
      const page = await reopened.accounts.list(tenant.id, {
        filter: { kind: 'all' },
        offset: 0,
        limit: 100,
      });
      assert.equal(page.total, 50);
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
