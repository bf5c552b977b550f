/**
 * The MongoDB adapter (mongoose 9): the production store, sharded by `tenantId`.
 *
 * - One `mongoose.createConnection()` per storage (no global mongoose singleton), models bound to it.
 * - Writes acknowledge with write concern `majority` and reads use read concern `majority`, so an
 *   acknowledged write survives a failover and no read sees data that could be rolled back.
 * - `transaction(fn)` is a MongoDB multi-document transaction (snapshot reads, majority commit);
 *   the `tx` stores pass its session to every operation. Transactions need a replica set (or a
 *   sharded cluster), which start-up checks. On a transient error (a write conflict, a failover)
 *   the driver runs `fn` again, so `fn` must not have effects outside the `tx` stores.
 * - Only a test server that lacks transactions (or TTL indexes) is opened with
 *   `trustgateWithout=transactions` (`,ttlIndexes`) in the URI (server-options.ts): units of work
 *   are then plain writes, and start-up warns loudly.
 * - Concurrent transactions run concurrently (snapshot isolation; conflicting writes make one of
 *   them retry), unlike SQLite's single writer.
 * - Query building is pure (filter.ts, sort.ts, documents.ts) so that the mingo cross-check runs
 *   exactly the queries this adapter sends.
 */
import mongoose from 'mongoose';
import type { ClientSession, Connection } from 'mongoose';
import type { Storage, Stores } from '../ports.ts';
import { StorageError, StorageUnavailable } from '../ports.ts';
import { guardUnavailable } from '../unavailable.ts';
import { unreachable } from './errors.ts';
import { createAccountStore } from './accounts.ts';
import { createAuditStore } from './audit.ts';
import { createClientStore } from './clients.ts';
import { createEphemeralStore } from './ephemeral.ts';
import { createMembershipStore } from './memberships.ts';
import type { Models } from './schemas.ts';
import { createModels, prepare } from './schemas.ts';
import { createTeamStore } from './teams.ts';
import { createTenantStore } from './tenants.ts';
import { createTokenStore } from './tokens.ts';
import { serverOptions, weakenedWarning } from './server-options.ts';
import { migrateEventStream } from './migrate-events.ts';
import { createScimLogStore } from './scim-log.ts';
import { createWebhookStore } from './webhooks.ts';
import { createSetupLinkStore } from './setup-links.ts';

export interface MongoStorageOptions {
  /** Overrides the database named in the URI (tests use a fresh one per run). */
  readonly dbName?: string;
  /** How long to wait for a reachable server at start-up and per operation. */
  readonly serverSelectionTimeoutMS?: number;
}

const TRANSACTION_OPTIONS = { readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } } as const;

function createStores(models: Models, session: ClientSession | null, transactions: boolean): Stores {
  const scope = { models, session, transactions };
  return {
    tenants: createTenantStore(scope),
    tokens: createTokenStore(scope),
    accounts: createAccountStore(scope),
    teams: createTeamStore(scope),
    memberships: createMembershipStore(scope),
    clients: createClientStore(scope),
    audit: createAuditStore(scope),
    webhooks: createWebhookStore(scope),
    setupLinks: createSetupLinkStore(scope),
  };
}

/**
 * Why a server cannot serve Trustgate, from its `hello` reply, or null when it can: transactions
 * need a replica set member (`setName`) or a mongos (`msg: 'isdbgrid'`), and writes a primary.
 */
export function serverProblem(hello: Readonly<Record<string, unknown>>, transactions = true): string | null {
  const replicaSet = typeof hello['setName'] === 'string';
  const mongos = hello['msg'] === 'isdbgrid';
  if (transactions && !replicaSet && !mongos) {
    return (
      'MongoDB is a standalone server, but Trustgate needs a replica set (or a sharded cluster) for transactions: ' +
      'start one with docker/compose.yaml, or run mongod with --replSet and rs.initiate()'
    );
  }
  if (hello['isWritablePrimary'] !== true) {
    return 'MongoDB: not connected to a writable primary (check the replica set name and hosts in MONGODB_URI)';
  }
  return null;
}

/** Fails start-up on a standalone server, where every `transaction()` would fail later. */
async function requireReplicaSet(connection: Connection, transactions: boolean): Promise<void> {
  const db = connection.db;
  if (!db) throw new StorageError('MongoDB connection has no database');
  const problem = serverProblem(await db.admin().command({ hello: 1 }), transactions);
  if (problem !== null) throw new StorageError(problem);
}

/** Connects, checks for a replica set, creates collections and indexes, and returns the stores. */
export async function createMongoStorage(uri: string, options: MongoStorageOptions = {}): Promise<Storage> {
  const server = serverOptions(uri);
  const transactions = !server.without.has('transactions');
  const warning = weakenedWarning(server.without);
  if (warning !== null) process.emitWarning(warning, { code: 'TRUSTGATE_MONGO_WEAKENED' });
  const connection = mongoose.createConnection(server.uri, {
    autoIndex: false,
    autoCreate: false,
    // Fail fast when disconnected instead of queueing operations (readiness stays honest).
    bufferCommands: false,
    writeConcern: { w: 'majority' },
    readConcern: { level: 'majority' },
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000,
    ...(options.dbName ? { dbName: options.dbName } : {}),
  });
  try {
    await connection.asPromise();
    await requireReplicaSet(connection, transactions);
    const models = createModels(connection);
    await migrateEventStream(models);
    await prepare(models, { ttlIndexes: !server.without.has('ttlIndexes') });
    return storageOn(connection, models, transactions);
  } catch (err) {
    await connection.close().catch(() => undefined);
    throw err;
  }
}

function storageOn(connection: Connection, models: Models, transactions: boolean): Storage {
  return guardUnavailable(storeOn(connection, models, transactions), unreachable);
}

function storeOn(connection: Connection, models: Models, transactions: boolean): Storage {
  return {
    driver: 'mongo',
    ...createStores(models, null, transactions),
    ephemeral: createEphemeralStore(models),
    scimLog: createScimLogStore(models),
    transaction: transactions
      ? (fn) =>
          connection.transaction((session) => fn(createStores(models, session, true)), TRANSACTION_OPTIONS)
      : (fn) => fn(createStores(models, null, false)),
    ping: async () => {
      // Checked first: the driver would otherwise reconnect a closed client to answer.
      const db = connection.db;
      if (connection.readyState !== mongoose.ConnectionStates.connected || !db) {
        throw new StorageUnavailable('MongoDB connection is not open');
      }
      await db.admin().ping();
    },
    close: async () => {
      await connection.close();
    },
  };
}
