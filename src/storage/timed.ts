import { performance } from 'node:perf_hooks';
import type { Storage } from './ports.ts';

export type StoreKind = 'read' | 'write';
export type ObserveStore = (kind: StoreKind, seconds: number) => void;

/** Store methods that only read; every other method writes (`consume` too: it deletes). */
const READS = new Set([
  'get',
  'getBySlug',
  'findByDomain',
  'findByHash',
  'list',
  'getByUserName',
  'getByEmail',
  'existing',
  'findBySubject',
  'getByDisplayName',
  'members',
  'count',
  'whichAreMembers',
  'teamsOf',
  'head',
  'findDelivery',
  'deliveries',
  'keys',
]);

function timeMethods<T extends object>(target: T, observe: ObserveStore): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(target)) {
    if (typeof value !== 'function') {
      out[name] = value;
      continue;
    }
    const method = value as (...args: unknown[]) => Promise<unknown>;
    const kind: StoreKind = READS.has(name) ? 'read' : 'write';
    out[name] = (...args: unknown[]) => {
      const started = performance.now();
      const done = () => observe(kind, (performance.now() - started) / 1000);
      const result = method.apply(target, args);
      result.then(done, done);
      return result;
    };
  }
  return out as T;
}

/**
 * The storage with the time spent in it observed at the port (docs/operations.md, metrics): a
 * unit of work (`transaction`) counts as one write, whatever it does inside (its `tx` stores
 * are not timed one by one); a call outside a transaction counts as a read or a write by its
 * method. One clock read before and after, and no allocation but the closure, per call.
 */
export function timeStorage(storage: Storage, observe: ObserveStore): Storage {
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
    ephemeral,
    scimLog,
    setupLinks,
  } = storage;
  return {
    driver,
    tenants: timeMethods(tenants, observe),
    tokens: timeMethods(tokens, observe),
    accounts: timeMethods(accounts, observe),
    teams: timeMethods(teams, observe),
    memberships: timeMethods(memberships, observe),
    clients: timeMethods(clients, observe),
    audit: timeMethods(audit, observe),
    webhooks: timeMethods(webhooks, observe),
    ephemeral: timeMethods(ephemeral, observe),
    scimLog: timeMethods(scimLog, observe),
    setupLinks: timeMethods(setupLinks, observe),
    transaction: (fn) => {
      const started = performance.now();
      const done = () => observe('write', (performance.now() - started) / 1000);
      const result = storage.transaction(fn);
      result.then(done, done);
      return result;
    },
    ping: () => storage.ping(),
    close: () => storage.close(),
  };
}
