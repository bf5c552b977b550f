/**
 * The storage contract against MongoDB, when `MONGODB_URI` points at a replica set (docker/compose.yaml
 * starts one) or at FerretDB (`.ci/ferretdb`, in CI). Every `open()` gets a database of its own,
 * dropped when that store closes. Without a server the suite shows as pending;
 * test/storage/mongo-query.test.ts still checks every query.
 *
 * Contract tests a server cannot pass are skipped there, each named with its reason (GAPS): those
 * needing a feature the URI says the server lacks (`trustgateWithout=…`,
 * src/storage/mongo/server-options.ts), and FerretDB's known gaps once `buildInfo` shows FerretDB.
 * The figures are printed: docs/decisions/0040-ferretdb-in-ci.md.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import type { Storage } from '../../src/storage/ports.ts';
import { StorageError, UniquenessConflict } from '../../src/storage/ports.ts';
import { translateWriteError } from '../../src/storage/mongo/errors.ts';
import { createMongoStorage, serverProblem } from '../../src/storage/mongo/index.ts';
import type { OptionalFeature } from '../../src/storage/mongo/server-options.ts';
import { serverOptions, weakenedWarning } from '../../src/storage/mongo/server-options.ts';
import { storageContract } from './contract/index.ts';

const uri = process.env['MONGODB_URI'];

/** What the suite knows of the server it runs on. */
interface Server {
  /** Features the URI says it lacks (`trustgateWithout`). */
  readonly without: ReadonlySet<OptionalFeature>;
  /** FerretDB answers `buildInfo` with its own version. */
  readonly ferretdb: boolean;
}

/** A contract test some servers cannot pass, and why. */
interface Gap {
  readonly test: string;
  readonly applies: (server: Server) => boolean;
  readonly reason: string;
}

const noTransactions = (server: Server) => server.without.has('transactions');
const ferretdb = (server: Server) => server.ferretdb;

/** Why FerretDB 1.24 (PostgreSQL backend) fails a contract test, one reason per gap. */
const REASON = {
  rollback: 'no multi-document transactions: a unit of work that fails cannot roll back',
  bulkUpsert:
    'FerretDB 1.24 stops answering every client once an unordered bulk of about 100 upserts matches existing documents',
  duplicateKey:
    'FerretDB 1.24 duplicate-key errors name no index (insert) or are internal errors, not 11000 (findAndModify)',
  lookahead:
    'FerretDB 1.24 runs $regex on Go RE2, which has no lookahead (the exact end anchor (?![\\s\\S]))',
  elemMatchPath:
    'FerretDB 1.24 $elemMatch on a dotted path into a subdocument (attributes.emails, attributes.tags) matches nothing',
  elemMatchOperators: 'FerretDB 1.24 $elemMatch does not implement $and / $nor inside',
  atomicity:
    'FerretDB 1.24 conditional single-document writes are not atomic: concurrent findOneAndDelete or conditional updateOne calls can all match the document',
  expressions: 'FerretDB 1.24 aggregation has no $cond / $eq expressions (typed sort keys in $addFields)',
} as const;

const gap = (applies: (server: Server) => boolean, reason: string, tests: readonly string[]): Gap[] =>
  tests.map((test) => ({ test, applies, reason }));

/** What servers used in CI cannot do that the contract asks for: docs/decisions/0040-ferretdb-in-ci.md. */
const GAPS: readonly Gap[] = [
  ...gap(noTransactions, REASON.rollback, [
    'rolls back every write, the audit event included, when fn throws',
    'rolls back when a write inside fails, and the store stays usable',
    'lands each of several concurrent transactions whole',
    'keeps a concurrent write outside a transaction that rolls back',
    // The event counter follows commit order through write conflicts between transactions.
    'numbers concurrent units of work in commit order, rolled-back ones leaving no trace',
  ]),
  ...gap(ferretdb, REASON.bulkUpsert, [
    'adds and removes 1,000 members at once, idempotently',
    'replaces the member set exactly',
  ]),
  ...gap(ferretdb, REASON.duplicateKey, [
    'refuses a taken slug or a domain claimed by another tenant, storing nothing',
    'refuses an update onto a taken slug or domain and keeps the record',
    'keeps userName unique per tenant, case-insensitively',
    'an update given the previous record keeps every index right, changed or not',
    'keeps displayName unique per tenant, case-insensitively',
    // Concurrent first increments race to upsert one `_id`: the loser must see 11000 to retry.
    'increment never loses a concurrent step and hands each caller its own total',
  ]),
  ...gap(ferretdb, REASON.atomicity, [
    'hands a value out once, even to concurrent consumers',
    'leases a due, free endpoint to one owner at a time, until the lease expires',
    'lets exactly one of many racing redemptions win, each in its own unit of work',
  ]),
  ...gap(ferretdb, REASON.lookahead, ['accounts: userName ew']),
  ...gap(ferretdb, REASON.elemMatchPath, [
    'accounts: emails[type eq work], case-exact',
    'accounts: emails[type eq work], case-insensitive',
    'accounts: emails[value co], case-insensitive',
    'accounts: emails[value co], case-exact',
    'accounts: emails[primary eq true]',
    'accounts: not emails[type eq home]',
    'accounts: tags[value eq ops]: simple values',
    'applies filters inside the tenant only',
  ]),
  ...gap(ferretdb, REASON.elemMatchOperators, [
    'accounts: emails[type and value] match one element',
    'accounts: emails[not type present]',
  ]),
  ...gap(ferretdb, REASON.expressions, [
    'sort: displayName ascending: null last',
    'sort: employeeNumber ascending: absent last, ties by id',
    'sort: employeeNumber descending: absent first, ties by id',
    'sort: numeric attribute, filtered to numbers',
  ]),
];

/**
 * Runs `define` (which declares tests with the global `it`) with `it` swapped for one that skips
 * each test named in `gaps` when its gap applies to the server (known only once connected), and
 * records why. Every gap must name a test that exists, so that the list cannot go stale.
 */
function withGaps(
  gaps: readonly Gap[],
  server: () => Server,
  define: () => void,
): { readonly skipped: string[] } {
  const skipped: string[] = [];
  const original = globalThis.it;
  const byTitle = new Map(gaps.map((gap) => [gap.test, gap]));
  const gapped = ((title: string, fn: Mocha.AsyncFunc) => {
    const gap = byTitle.get(title);
    if (!gap) return original(title, fn);
    byTitle.delete(title);
    return original(title, function (this: Mocha.Context) {
      if (gap.applies(server())) {
        skipped.push(`${title}: ${gap.reason}`);
        this.skip();
      }
      return fn.call(this);
    });
  }) as Mocha.TestFunction;
  globalThis.it = Object.assign(gapped, original);
  try {
    define();
  } finally {
    globalThis.it = original;
  }
  if (byTitle.size > 0) throw new Error(`gaps naming no test: ${[...byTitle.keys()].join('; ')}`);
  return { skipped };
}

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

  it('reads trustgateWithout off the URI, passes every other parameter on, and refuses unknown features', () => {
    const plain = serverOptions('mongodb://a:1,b:2/tg?replicaSet=rs0&w=majority');
    assert.equal(plain.uri, 'mongodb://a:1,b:2/tg?replicaSet=rs0&w=majority');
    assert.deepEqual([...plain.without], []);
    const weakened = serverOptions('mongodb://h/tg?trustgateWithout=transactions,ttlIndexes&appName=x');
    assert.equal(weakened.uri, 'mongodb://h/tg?appName=x');
    assert.deepEqual([...weakened.without], ['transactions', 'ttlIndexes']);
    assert.equal(serverOptions('mongodb://h/tg?trustgateWithout=transactions').uri, 'mongodb://h/tg');
    assert.throws(() => serverOptions('mongodb://h/tg?trustgateWithout=replication'), StorageError);
    assert.equal(weakenedWarning(plain.without), null);
    assert.match(weakenedWarning(weakened.without) ?? '', /NOT atomic.*never in production/);
  });

  it('accepts a standalone server only when the URI says it has no transactions', () => {
    assert.notEqual(serverProblem({ isWritablePrimary: true }, true), null);
    assert.equal(serverProblem({ isWritablePrimary: true }, false), null);
    assert.match(serverProblem({ isWritablePrimary: false }, false) ?? '', /writable primary/);
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
  let server: Server | undefined;

  before(async () => {
    admin = await mongoose.createConnection(serverOptions(uri).uri).asPromise();
    const info = await admin.db?.admin().command({ buildInfo: 1 });
    server = { without: serverOptions(uri).without, ferretdb: typeof info?.['ferretdbVersion'] === 'string' };
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

  const { skipped } = withGaps(
    GAPS,
    () => {
      if (!server) throw new Error('no server yet');
      return server;
    },
    () => storageContract(fresh),
  );

  after(function () {
    // The figures of this server: what ran and passed, and what could not run here.
    const tests = this.test?.parent?.suites.flatMap(function all(suite: Mocha.Suite): Mocha.Test[] {
      return [...suite.tests, ...suite.suites.flatMap(all)];
    });
    const passed = (tests ?? []).filter((test) => test.state === 'passed').length;
    console.log(
      `\n  MongoDB contract on this server: ${passed} tests passed; ${skipped.length} cannot run here:`,
    );
    for (const line of skipped) console.log(`    - ${line}`);
  });

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
