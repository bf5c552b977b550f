import assert from 'node:assert/strict';
import { StorageUnavailable, UniquenessConflict } from '../../src/storage/ports.ts';
import type { Storage } from '../../src/storage/ports.ts';
import { guardUnavailable } from '../../src/storage/unavailable.ts';
import { unreachable } from '../../src/storage/mongo/errors.ts';
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts';

/** A driver error as the MongoDB driver names them (`err.name`), without a server. */
function driverError(name: string): Error {
  const err = new Error(`${name}: connection refused`);
  err.name = name;
  return err;
}

describe('store unavailability (MongoDB driver errors)', () => {
  it('classifies unreachable-server errors, directly or as a cause, and nothing else', () => {
    for (const name of [
      'MongoServerSelectionError',
      'MongoNetworkError',
      'MongoNotConnectedError',
      'PoolClearedError',
    ])
      assert.ok(unreachable(driverError(name)) instanceof StorageUnavailable, name);
    assert.ok(unreachable(new Error('wrapped', { cause: driverError('MongoNetworkTimeoutError') })));
    assert.equal(unreachable(driverError('MongoServerError')), undefined);
    assert.equal(unreachable(new UniquenessConflict('userName')), undefined);
    assert.equal(unreachable('not an error'), undefined);
  });

  it('turns a store failure into a 503 on every store and the transaction, leaving other errors alone', async () => {
    const real = await createSqliteStorage(':memory:');
    let fail: Error | null = null;
    const failing: Storage = {
      ...real,
      accounts: {
        ...real.accounts,
        get: async (...args) => {
          if (fail) throw fail;
          return real.accounts.get(...args);
        },
      },
      transaction: async (fn) => {
        if (fail) throw fail;
        return real.transaction(fn);
      },
    };
    const storage = guardUnavailable(failing, unreachable);
    try {
      fail = driverError('MongoServerSelectionError');
      await assert.rejects(storage.accounts.get('t' as never, 'a' as never), (err: unknown) => {
        assert.ok(err instanceof StorageUnavailable);
        assert.equal(err.status, 503);
        return true;
      });
      await assert.rejects(
        storage.transaction(async () => 1),
        StorageUnavailable,
      );
      fail = new UniquenessConflict('userName');
      await assert.rejects(
        storage.transaction(async () => 1),
        UniquenessConflict,
      );
      fail = null;
      assert.equal(await storage.transaction(async () => 7), 7);
      assert.equal(await storage.accounts.get('t' as never, 'a' as never), undefined);
    } finally {
      await real.close();
    }
  });
});
