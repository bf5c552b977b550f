import type { EphemeralStore, Stores } from '../ports.ts';
import type { WriteLock } from './lock.ts';

type AsyncMethod = (...args: never[]) => Promise<unknown>;

/**
 * A copy of `store` whose `writes` take the write lock, so that a write from one request never
 * lands inside another request's open transaction on the shared connection. Reads stay direct.
 */
function lockWrites<S extends object>(store: S, writes: readonly (keyof S)[], lock: WriteLock): S {
  const guarded: S = { ...store };
  for (const name of writes) {
    const method = store[name] as AsyncMethod;
    const locked = (...args: never[]) => lock.run(() => method(...args));
    guarded[name] = locked as S[keyof S];
  }
  return guarded;
}

/** The top-level stores of `Storage`: the same stores as `tx`, with every write behind the lock. */
export function lockedStores(stores: Stores, lock: WriteLock): Stores {
  return {
    tenants: lockWrites(stores.tenants, ['insert', 'update', 'remove'], lock),
    tokens: lockWrites(stores.tokens, ['insert', 'remove', 'touch'], lock),
    accounts: lockWrites(stores.accounts, ['insert', 'update', 'remove', 'link'], lock),
    teams: lockWrites(stores.teams, ['insert', 'update', 'remove'], lock),
    memberships: lockWrites(stores.memberships, ['add', 'remove', 'replace'], lock),
    clients: lockWrites(stores.clients, ['insert', 'remove'], lock),
    audit: lockWrites(stores.audit, ['append'], lock),
  };
}

export function lockedEphemeral(store: EphemeralStore, lock: WriteLock): EphemeralStore {
  return lockWrites(store, ['put', 'putIfAbsent', 'consume', 'delete'], lock);
}
