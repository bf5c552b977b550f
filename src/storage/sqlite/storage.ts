/**
 * The embedded storage adapter on `node:sqlite`: one connection, WAL, versioned migrations.
 *
 * Concurrency model: node:sqlite is synchronous, so every statement runs to completion on the one
 * connection; what can interleave are the awaits inside `transaction(fn)`. A write lock (a promise
 * chain) serialises transactions and the top-level stores' writes, so another request's write
 * never lands inside an open transaction. Reads do not wait for the lock; they see the
 * connection's current state, which includes the writes of a transaction still in progress.
 * Transactions must not be nested, and inside `fn` only the `tx` stores may write: the top-level
 * stores refuse with a `StorageError` (rather than wait forever for the lock `fn` holds).
 * Units of work that arrive together share one COMMIT (group-commit.ts); each resolves only
 * once its batch is committed.
 */
import type { Storage, Stores } from '../ports.ts';
import { createAccountStore } from './accounts.ts';
import { createAuditStore } from './audit.ts';
import { createClientStore } from './clients.ts';
import type { Sql } from './connection.ts';
import { checkpoint } from './connection.ts';
import { createEphemeralStore, sweepExpired } from './ephemeral.ts';
import { lockedEphemeral, lockedScimLog, lockedStores } from './guard.ts';
import { GroupCommit } from './group-commit.ts';
import { WriteLock } from './lock.ts';
import { createMembershipStore } from './memberships.ts';
import { sweepRetention } from './retention.ts';
import { createScimLogStore } from './scim-log.ts';
import { createSetupLinkStore } from './setup-links.ts';
import { createTeamStore } from './teams.ts';
import { createTenantStore } from './tenants.ts';
import { createTokenStore } from './tokens.ts';
import { createWebhookStore } from './webhooks.ts';

/** Expired ephemeral entries are invisible at once; this only reclaims their space. */
const SWEEP_INTERVAL_MS = 60_000;
const CHECKPOINT_INTERVAL_MS = 200;
/** The key `ping` writes (and lets expire) to prove the file takes writes. */
const READY_PROBE = 'system:ready-probe';

function createStores(sql: Sql): Stores {
  return {
    tenants: createTenantStore(sql),
    tokens: createTokenStore(sql),
    accounts: createAccountStore(sql),
    teams: createTeamStore(sql),
    memberships: createMembershipStore(sql),
    clients: createClientStore(sql),
    audit: createAuditStore(sql),
    webhooks: createWebhookStore(sql),
    setupLinks: createSetupLinkStore(sql),
  };
}

/** The `Storage` over an open, migrated connection (which it owns from now on: `close()` closes it). */
export function storageOver(sql: Sql): Storage {
  const lock = new WriteLock();
  const group = new GroupCommit(sql, lock);
  const tx = createStores(sql);
  const scimLog = createScimLogStore(sql);
  // A failed sweep is retried by the next tick; reads never depend on it. Retention (events, the
  // SCIM log) is enforced here, in bounded slices so that no sweep holds the lock for long.
  const sweeper = setInterval(() => {
    void group.run(() => sweepExpired(sql)).catch(() => undefined);
    void sweepRetention(tx.audit, scimLog, (fn) => group.run(fn)).catch(() => undefined);
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();
  // A fifth of a second of commits per checkpoint (wal_autocheckpoint is off, see connection.ts):
  // short enough that one checkpoint never stalls requests for long.
  const checkpointer = setInterval(
    () =>
      void lock
        .run(() => {
          group.commitNow();
          checkpoint(sql);
        })
        .catch(() => undefined),
    CHECKPOINT_INTERVAL_MS,
  );
  checkpointer.unref();
  const ephemeral = lockedEphemeral(createEphemeralStore(sql), group);
  return {
    driver: 'sqlite',
    ...lockedStores(tx, group),
    ephemeral,
    scimLog: lockedScimLog(scimLog, group),
    transaction: (fn) => group.run(() => fn(tx), { transaction: true }),
    // Ready means writable: a probe write through the queue, so an unwritable file, a full disk
    // or a database locked by another process fail `/readyz` (docs/operations.md).
    ping: () => ephemeral.put(READY_PROBE, new Date().toISOString(), 60),
    close: async () => {
      clearInterval(sweeper);
      clearInterval(checkpointer);
      // Let queued writes finish and commit first, so none runs against a closed database.
      await lock.run(() => group.commitNow());
      if (sql.db.isOpen) sql.db.close();
    },
  };
}
