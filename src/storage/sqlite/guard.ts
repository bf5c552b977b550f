import type { EphemeralStore, ScimLogStore, Stores } from '../ports.ts';
import type { GroupCommit } from './group-commit.ts';

type AsyncMethod = (...args: never[]) => Promise<unknown>;

/**
 * A copy of `store` whose `writes` run as units of work under the write lock (see GroupCommit), so
 * that a write from one request never lands inside another request's open transaction on the
 * shared connection, and resolves once committed. Reads stay direct.
 */
function lockWrites<S extends object>(store: S, writes: readonly (keyof S)[], group: GroupCommit): S {
  const guarded: S = { ...store };
  for (const name of writes) {
    const method = store[name] as AsyncMethod;
    const locked = (...args: never[]) => group.run(() => method(...args));
    guarded[name] = locked as S[keyof S];
  }
  return guarded;
}

/** The top-level stores of `Storage`: the same stores as `tx`, with every write behind the lock. */
export function lockedStores(stores: Stores, group: GroupCommit): Stores {
  return {
    tenants: lockWrites(stores.tenants, ['insert', 'update', 'remove'], group),
    tokens: lockWrites(stores.tokens, ['insert', 'remove', 'touch'], group),
    accounts: lockWrites(stores.accounts, ['insert', 'update', 'remove', 'link'], group),
    teams: lockWrites(stores.teams, ['insert', 'update', 'remove'], group),
    memberships: lockWrites(stores.memberships, ['add', 'remove', 'replace'], group),
    clients: lockWrites(stores.clients, ['insert', 'remove'], group),
    // The stream's reads too: they answer once what they saw is committed (audit.ts).
    audit: lockWrites(stores.audit, ['append', 'list', 'head', 'expire'], group),
    webhooks: lockWrites(stores.webhooks, ['insert', 'remove', 'claim', 'release', 'saveDelivery'], group),
    setupLinks: lockWrites(stores.setupLinks, ['insert', 'redeem', 'remove'], group),
  };
}

export function lockedScimLog(store: ScimLogStore, group: GroupCommit): ScimLogStore {
  return lockWrites(store, ['append', 'expire'], group);
}

export function lockedEphemeral(store: EphemeralStore, group: GroupCommit): EphemeralStore {
  return lockWrites(store, ['put', 'putIfAbsent', 'consume', 'delete', 'increment'], group);
}
