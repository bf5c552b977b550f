import type { Storage, StorageUnavailable } from './ports.ts';

type Classify = (err: unknown) => StorageUnavailable | undefined;

/** `target` with every method's rejection passed through `classify`. */
function guardMethods<T extends object>(target: T, classify: Classify): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(target)) {
    out[name] =
      typeof value === 'function'
        ? async (...args: unknown[]) => {
            try {
              return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            } catch (err) {
              throw classify(err) ?? err;
            }
          }
        : value;
  }
  return out as T;
}

/**
 * Wraps a storage so that every failure `classify` recognises as "the store cannot be reached"
 * reaches the surfaces as `StorageUnavailable` (503 with `Retry-After`), whichever store, read or
 * write, raised it (docs/operations.md, store outage). A cross-cutting concern of the port, kept
 * out of each store.
 */
export function guardUnavailable(storage: Storage, classify: Classify): Storage {
  const {
    driver,
    tenants,
    tokens,
    accounts,
    teams,
    memberships,
    clients,
    audit,
    webhooks,
    setupLinks,
    ephemeral,
    scimLog,
  } = storage;
  return {
    driver,
    tenants: guardMethods(tenants, classify),
    tokens: guardMethods(tokens, classify),
    accounts: guardMethods(accounts, classify),
    teams: guardMethods(teams, classify),
    memberships: guardMethods(memberships, classify),
    clients: guardMethods(clients, classify),
    audit: guardMethods(audit, classify),
    webhooks: guardMethods(webhooks, classify),
    setupLinks: guardMethods(setupLinks, classify),
    ephemeral: guardMethods(ephemeral, classify),
    scimLog: guardMethods(scimLog, classify),
    transaction: (fn) =>
      storage.transaction(fn).catch((err: unknown) => {
        throw classify(err) ?? err;
      }),
    ping: () =>
      storage.ping().catch((err: unknown) => {
        throw classify(err) ?? err;
      }),
    close: () => storage.close(),
  };
}
