/**
 * The storage contract against MongoDB, when `MONGODB_URI` points at a replica set (docker/compose.yaml
 * starts one). Every `open()` gets a database of its own, dropped when that store closes. Without
 * a server the suite shows as pending; test/storage/mongo-query.test.ts still checks every query.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import type { Storage } from '../../src/storage/ports.ts';
import { StorageError, UniquenessConflict } from '../../src/storage/ports.ts';
import { translateWriteError } from '../../src/storage/mongo/errors.ts';
import { createMongoStorage, serverProblem } from '../../src/storage/mongo/index.ts';
import { storageContract } from './contract/index.ts';

const uri = process.env['MONGODB_URI'];

describe('mongo storage: start-up checks (no server needed)', () => {
  it('refuses a standalone server, naming the replica set it needs', () => {
    assert.match(
      serverProblem({ isWritablePrimary: true }) ?? '',
      /standalone.*replica set.*docker\/compose\.yaml/,
    );
  });

  it('refuses a secondary and accepts a primary or a mongos', () => {
    assert.match(serverProblem({ setName: 'rs0', isWritablePrimary: false }) ?? '', /writable primary/);
    assert.equal(serverProblem({ setName: 'rs0', isWritablePrimary: true }), null);
    assert.equal(serverProblem({ msg: 'isdbgrid', isWritablePrimary: true }), null);
  });

  it('names the field of a duplicate key from keyPattern, the index name, or the store', () => {
    const duplicate = (message: string, extra: object = {}) =>
      Object.assign(new Error(`E11000 duplicate key error ${message}`), { code: 11000, ...extra });
    const field = (err: unknown) => (err instanceof UniquenessConflict ? err.field : undefined);
    assert.equal(
      field(translateWriteError(duplicate('', { keyPattern: { tenantId: 1, userNameLower: 1 } }))),
      'userName',
    );
    assert.equal(
      field(
        translateWriteError(
          duplicate('collection: db.tenants index: domains_1 dup key: { domains: "a.com" }'),
        ),
      ),
      'domains',
    );
    assert.equal(
      field(
        translateWriteError(duplicate('collection: db.teams index: tenantId_1_displayNameLower_1 dup key')),
      ),
      'displayName',
    );
    assert.equal(
      field(translateWriteError(duplicate('', { keyPattern: { _id: 1 } }), { id: 'clientId' })),
      'clientId',
    );
    assert.equal(
      field(translateWriteError(duplicate('collection: db.accounts'), { otherwise: 'userName' })),
      'userName',
    );
    const bulk = Object.assign(new Error('bulk'), {
      writeErrors: [{ code: 11000, keyPattern: { hash: 1 } }],
    });
    assert.equal(field(translateWriteError(bulk)), 'hash');
    const other = Object.assign(new Error('not primary'), { code: 10107 });
    assert.equal(translateWriteError(other), other);
  });

  it('fails start-up with an error when no server answers', async () => {
    await assert.rejects(
      createMongoStorage('mongodb://127.0.0.1:9/trustgate', { serverSelectionTimeoutMS: 200 }),
    );
  });
});

describe('mongo storage', () => {
  if (!uri) {
    it.skip(
      'skipped: MONGODB_URI not set — the MongoDB contract suite needs a MongoDB replica set (see docker/compose.yaml)',
    );
    return;
  }
  const run = `tg_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const open = new Set<string>();
  let admin: mongoose.Connection;
  let count = 0;

  before(async () => {
    admin = await mongoose.createConnection(uri).asPromise();
  });
  after(async () => {
    // Databases of stores a failed test never closed.
    for (const name of open) await admin.useDb(name).dropDatabase();
    await admin.close();
  });

  /** A store over a fresh database, dropped on close. */
  async function fresh(): Promise<Storage> {
    const dbName = `${run}_${++count}`;
    open.add(dbName);
    const storage = await createMongoStorage(uri ?? '', { dbName });
    const close = async () => {
      await storage.close();
      await admin.useDb(dbName).dropDatabase();
      open.delete(dbName);
    };
    return { ...storage, close };
  }

  storageContract(fresh);

  it('reports the server as reachable and fails once closed', async () => {
    const storage = await createMongoStorage(uri, { dbName: `${run}_ping` });
    await storage.ping();
    await storage.close();
    await assert.rejects(storage.ping());
    await admin.useDb(`${run}_ping`).dropDatabase();
  });

  it('refuses a filter path it cannot address with a StorageError, before reaching the server', async () => {
    const storage = await fresh();
    const filter = { kind: 'present', attr: ['a b'] } as const;
    await assert.rejects(storage.accounts.list('t' as never, { filter, offset: 0, limit: 1 }), StorageError);
    await storage.close();
  });
});
