/**
 * An in-memory fake of the storage port (src/storage/ports.ts) for unit tests of the protocol
 * cores. It keeps the rules the port writes down: tenant scoping, case-insensitive uniqueness
 * (`UniquenessConflict`), optimistic versions (`VersionConflict`, `NotFoundInStore`), memberships
 * only of this tenant's accounts, ephemeral entries with a TTL handed out once, and units of work
 * that land whole or not at all (an undo log, so a rollback is observable). The parts of the
 * contract suite it runs are in fake-storage.test.ts.
 *
 * List filters: only `all` and `eq` on the record's own fields (`userName`, `externalId`,
 * `displayName`, `id`, `active`) — what the unit tests need. Filter and sort semantics are proven
 * by the contract suite against the real adapters (test/storage/contract/filters.ts), not here.
 */
import { newId } from '../../src/platform/ids.ts';
import type {
  Account,
  AccountId,
  AccountStore,
  ApiToken,
  AuditEvent,
  AuditStore,
  ClientStore,
  EphemeralStore,
  Filter,
  ListQuery,
  Member,
  MembershipStore,
  OAuthClient,
  ScimLogStore,
  Storage,
  Stores,
  Team,
  TeamId,
  TeamStore,
  Tenant,
  TenantId,
  TenantStore,
  TokenStore,
  WebhookStore,
  SetupLinkStore,
} from '../../src/storage/ports.ts';
import {
  NotFoundInStore,
  StorageError,
  UniquenessConflict,
  VersionConflict,
} from '../../src/storage/ports.ts';

const notInFake = (name: string) => new Error(`not in the fake: ${name}`);
const copy = <T>(value: T): T => structuredClone(value);
const lower = (s: string) => s.toLowerCase();
const key = (...parts: readonly string[]) => parts.join('\u0000');

interface State {
  readonly tenants: Map<string, Tenant>;
  readonly tokens: Map<string, ApiToken>;
  readonly accounts: Map<string, Account>;
  /** tenant·lowercase userName → account id (the unique index) */
  readonly userNames: Map<string, AccountId>;
  readonly teams: Map<string, Team>;
  /** tenant·team·account → true */
  readonly memberships: Map<string, true>;
  /** tenant·subject → account id */
  readonly links: Map<string, AccountId>;
  readonly clients: Map<string, OAuthClient>;
  readonly audit: Map<string, AuditEvent>;
  /** scope (tenant id, '' for the operator) → last seq */
  readonly sequences: Map<string, number>;
}

/** Undo steps of the unit of work in progress; null outside one (writes are then final). */
type Journal = (() => void)[] | null;

function write<K, V>(journal: Journal, map: Map<K, V>, k: K, value: V | undefined): void {
  if (journal) {
    const had = map.has(k);
    const before = map.get(k);
    journal.push(() => (had ? map.set(k, before as V) : map.delete(k)));
  }
  if (value === undefined) map.delete(k);
  else map.set(k, value);
}

function page<T extends { readonly id: string }>(
  all: readonly T[],
  query: ListQuery,
  keep: (r: T) => boolean,
) {
  if (query.sort) throw notInFake(`sort by ${query.sort.attr.join('.')}`);
  const items = all.filter(keep).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { items: items.slice(query.offset, query.offset + query.limit).map(copy), total: items.length };
}

const OWN_FIELDS = new Set(['userName', 'externalId', 'displayName', 'id', 'active']);

/** `all`, or `eq` on one of the record's own fields (see the file comment). */
function matcher(filter: Filter): (record: object) => boolean {
  if (filter.kind === 'all') return () => true;
  if (filter.kind === 'compare' && filter.op === 'eq' && filter.attr.length === 1) {
    const [field = ''] = filter.attr;
    if (!OWN_FIELDS.has(field)) throw notInFake(`filter on ${field}`);
    const fold = (v: unknown) => (typeof v === 'string' && !filter.caseExact ? lower(v) : v);
    return (record) => {
      const value = (record as Record<string, unknown>)[field] ?? null;
      return value !== null && fold(value) === fold(filter.value);
    };
  }
  throw notInFake(`filter ${filter.kind}${filter.kind === 'compare' ? ` ${filter.op}` : ''}`);
}

function tenantStore(state: State, journal: Journal): TenantStore {
  const { tenants } = state;
  const claimed = (t: Tenant) => {
    for (const other of tenants.values()) {
      if (other.id === t.id) continue;
      if (other.slug === t.slug) throw new UniquenessConflict('slug');
      if (other.domains.some((d) => t.domains.map(lower).includes(lower(d))))
        throw new UniquenessConflict('domains');
    }
  };
  return {
    async insert(tenant) {
      if (tenants.has(tenant.id)) throw new UniquenessConflict('id');
      claimed(tenant);
      write(journal, tenants, tenant.id, copy(tenant));
    },
    get: async (id) => copy(tenants.get(id)),
    getBySlug: async (slug) => copy([...tenants.values()].find((t) => t.slug === slug)),
    findByDomain: async (domain) =>
      copy([...tenants.values()].find((t) => t.domains.map(lower).includes(lower(domain)))),
    list: async () => [...tenants.values()].sort((a, b) => (a.slug < b.slug ? -1 : 1)).map(copy),
    async update(tenant, expectedVersion) {
      const stored = tenants.get(tenant.id);
      if (!stored) throw new NotFoundInStore('no such tenant');
      if (stored.version !== expectedVersion) throw new VersionConflict();
      claimed(tenant);
      const next = { ...copy(tenant), createdAt: stored.createdAt, version: expectedVersion + 1 };
      write(journal, tenants, tenant.id, next);
      return copy(next);
    },
    async remove(id) {
      if (!tenants.has(id)) return false;
      write(journal, tenants, id, undefined);
      const owned = (map: Map<string, { readonly tenantId: TenantId }>) => {
        for (const [k, r] of [...map]) if (r.tenantId === id) write(journal, map, k, undefined);
      };
      owned(state.tokens);
      owned(state.accounts);
      owned(state.teams);
      for (const map of [state.userNames, state.memberships, state.links] as Map<string, unknown>[])
        for (const k of [...map.keys()]) if (k.startsWith(key(id, ''))) write(journal, map, k, undefined);
      return true;
    },
  };
}

function tokenStore(state: State, journal: Journal): TokenStore {
  const { tokens } = state;
  return {
    async insert(token) {
      if (tokens.has(token.id)) throw new UniquenessConflict('id');
      if ([...tokens.values()].some((t) => t.hash === token.hash)) throw new UniquenessConflict('hash');
      if (!state.tenants.has(token.tenantId)) throw new NotFoundInStore('no such tenant');
      write(journal, tokens, token.id, copy(token));
    },
    findByHash: async (hash) => copy([...tokens.values()].find((t) => t.hash === hash)),
    list: async (tenantId, kind) =>
      [...tokens.values()]
        .filter((t) => t.tenantId === tenantId && (kind === undefined || t.kind === kind))
        .map(copy),
    async remove(tenantId, id) {
      if (tokens.get(id)?.tenantId !== tenantId) return false;
      write(journal, tokens, id, undefined);
      return true;
    },
    async touch(tenantId, id, at) {
      const token = tokens.get(id);
      if (token?.tenantId === tenantId) write(journal, tokens, id, { ...token, lastUsedAt: at });
    },
  };
}

function accountStore(state: State, journal: Journal): AccountStore {
  const { accounts, userNames, links, memberships } = state;
  const of = (tenantId: TenantId) => [...accounts.values()].filter((a) => a.tenantId === tenantId);
  const nameKey = (a: Pick<Account, 'tenantId' | 'userName'>) => key(a.tenantId, lower(a.userName));
  /** Claims `account.userName` (releasing `previous`'s), or fails with `UniquenessConflict`. */
  const claim = (account: Account, previous?: Account) => {
    const holder = userNames.get(nameKey(account));
    if (holder !== undefined && holder !== account.id) throw new UniquenessConflict('userName');
    if (previous) write(journal, userNames, nameKey(previous), undefined);
    write(journal, userNames, nameKey(account), account.id);
  };
  return {
    get: async (tenantId, id) => copy(accounts.get(key(tenantId, id))),
    getByUserName: async (tenantId, userName) => {
      const id = userNames.get(key(tenantId, lower(userName)));
      return id === undefined ? undefined : copy(accounts.get(key(tenantId, id)));
    },
    getByEmail: async (tenantId, email) =>
      of(tenantId)
        .filter((a) => a.email !== null && lower(a.email) === lower(email))
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map(copy),
    existing: async (tenantId, ids) =>
      new Set(ids.filter((id) => accounts.has(key(tenantId, id))) as AccountId[]),
    list: async (tenantId, query) => page(of(tenantId), query, matcher(query.filter)),
    async insert(account) {
      if (!state.tenants.has(account.tenantId)) throw new NotFoundInStore('no such tenant');
      if (accounts.has(key(account.tenantId, account.id))) throw new UniquenessConflict('id');
      claim(account);
      write(journal, accounts, key(account.tenantId, account.id), copy(account));
    },
    async update(account, expectedVersion) {
      const k = key(account.tenantId, account.id);
      const stored = accounts.get(k);
      if (!stored) throw new NotFoundInStore('no such record in accounts');
      if (stored.version !== expectedVersion) throw new VersionConflict();
      claim(account, stored);
      const next = { ...copy(account), createdAt: stored.createdAt, version: expectedVersion + 1 };
      write(journal, accounts, k, next);
      return copy(next);
    },
    async remove(tenantId, id) {
      const stored = accounts.get(key(tenantId, id));
      if (!stored) return false;
      write(journal, accounts, key(tenantId, id), undefined);
      write(journal, userNames, nameKey(stored), undefined);
      for (const [k, linked] of [...links]) if (linked === id) write(journal, links, k, undefined);
      for (const k of [...memberships.keys()])
        if (k.startsWith(key(tenantId, '')) && k.endsWith(key('', id)))
          write(journal, memberships, k, undefined);
      return true;
    },
    findBySubject: async (tenantId, subject) => {
      const id = links.get(key(tenantId, subject));
      return id === undefined ? undefined : copy(accounts.get(key(tenantId, id)));
    },
    async link(tenantId, subject, accountId) {
      if (!accounts.has(key(tenantId, accountId))) throw new NotFoundInStore('no such account');
      const linked = links.get(key(tenantId, subject));
      if (linked === accountId) return;
      if (linked !== undefined) throw new UniquenessConflict('subject');
      write(journal, links, key(tenantId, subject), accountId);
    },
  };
}

function teamStore(state: State, journal: Journal): TeamStore {
  const { teams, memberships } = state;
  const of = (tenantId: TenantId) => [...teams.values()].filter((t) => t.tenantId === tenantId);
  const unique = (team: Team) => {
    const taken = of(team.tenantId).some(
      (t) => t.id !== team.id && lower(t.displayName) === lower(team.displayName),
    );
    if (taken) throw new UniquenessConflict('displayName');
  };
  return {
    get: async (tenantId, id) => copy(teams.get(key(tenantId, id))),
    getByDisplayName: async (tenantId, displayName) =>
      copy(of(tenantId).find((t) => lower(t.displayName) === lower(displayName))),
    list: async (tenantId, query) => page(of(tenantId), query, matcher(query.filter)),
    async insert(team) {
      if (!state.tenants.has(team.tenantId)) throw new NotFoundInStore('no such tenant');
      if (teams.has(key(team.tenantId, team.id))) throw new UniquenessConflict('id');
      unique(team);
      write(journal, teams, key(team.tenantId, team.id), copy(team));
    },
    async update(team, expectedVersion) {
      const k = key(team.tenantId, team.id);
      const stored = teams.get(k);
      if (!stored) throw new NotFoundInStore('no such record in teams');
      if (stored.version !== expectedVersion) throw new VersionConflict();
      unique(team);
      const next = { ...copy(team), createdAt: stored.createdAt, version: expectedVersion + 1 };
      write(journal, teams, k, next);
      return copy(next);
    },
    async remove(tenantId, id) {
      if (!teams.has(key(tenantId, id))) return false;
      write(journal, teams, key(tenantId, id), undefined);
      for (const k of [...memberships.keys()])
        if (k.startsWith(key(tenantId, id, ''))) write(journal, memberships, k, undefined);
      return true;
    },
  };
}

function membershipStore(state: State, journal: Journal): MembershipStore {
  const { memberships, accounts, teams } = state;
  const memberIds = (tenantId: TenantId, teamId: TeamId) =>
    [...memberships.keys()]
      .filter((k) => k.startsWith(key(tenantId, teamId, '')))
      .map((k) => k.slice(key(tenantId, teamId, '').length) as AccountId)
      .sort();
  // As the adapters' foreign keys do: the team and every account must be this tenant's.
  const checkRefs = (tenantId: TenantId, teamId: TeamId, ids: readonly AccountId[]) => {
    if (ids.length === 0) return;
    if (!teams.has(key(tenantId, teamId))) throw new NotFoundInStore('no such team in this tenant');
    if (ids.some((id) => !accounts.has(key(tenantId, id))))
      throw new NotFoundInStore('a referenced record does not exist in this tenant');
  };
  const add = (tenantId: TenantId, teamId: TeamId, ids: readonly AccountId[]) => {
    checkRefs(tenantId, teamId, ids);
    let added = 0;
    for (const id of new Set(ids))
      if (!memberships.has(key(tenantId, teamId, id))) {
        write(journal, memberships, key(tenantId, teamId, id), true);
        added += 1;
      }
    return added;
  };
  const remove = (tenantId: TenantId, teamId: TeamId, ids: readonly AccountId[]) => {
    let removed = 0;
    for (const id of new Set(ids))
      if (memberships.has(key(tenantId, teamId, id))) {
        write(journal, memberships, key(tenantId, teamId, id), undefined);
        removed += 1;
      }
    return removed;
  };
  return {
    add: async (tenantId, teamId, ids) => add(tenantId, teamId, ids),
    remove: async (tenantId, teamId, ids) => remove(tenantId, teamId, ids),
    async replace(tenantId, teamId, ids) {
      checkRefs(tenantId, teamId, ids);
      const wanted = new Set<string>(ids);
      remove(
        tenantId,
        teamId,
        memberIds(tenantId, teamId).filter((id) => !wanted.has(id)),
      );
      add(tenantId, teamId, ids);
    },
    members: async (tenantId, teamId) =>
      memberIds(tenantId, teamId).map((accountId): Member => {
        const account = accounts.get(key(tenantId, accountId));
        return { accountId, display: account?.displayName ?? account?.userName ?? null };
      }),
    count: async (tenantId, teamId) => memberIds(tenantId, teamId).length,
    whichAreMembers: async (tenantId, teamId, ids) =>
      new Set(ids.filter((id) => memberships.has(key(tenantId, teamId, id)))),
    async teamsOf(tenantId, ids) {
      const result = new Map<AccountId, Team[]>(ids.map((id) => [id, []]));
      const sorted = [...teams.values()]
        .filter((t) => t.tenantId === tenantId)
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      for (const id of ids)
        for (const team of sorted)
          if (memberships.has(key(tenantId, team.id, id))) result.get(id)?.push(copy(team));
      return result;
    },
  };
}

function clientStore(state: State, journal: Journal): ClientStore {
  const { clients } = state;
  return {
    async insert(client) {
      if (clients.has(client.clientId)) throw new UniquenessConflict('clientId');
      write(journal, clients, client.clientId, copy(client));
    },
    get: async (clientId) => copy(clients.get(clientId)),
    list: async () => [...clients.values()].sort((a, b) => (a.clientId < b.clientId ? -1 : 1)).map(copy),
    async update(client) {
      const current = clients.get(client.clientId);
      if (!current) return false;
      write(journal, clients, client.clientId, copy({ ...client, createdAt: current.createdAt }));
      return true;
    },
    async remove(clientId) {
      if (!clients.has(clientId)) return false;
      write(journal, clients, clientId, undefined);
      return true;
    },
  };
}

function auditStore(state: State, journal: Journal): AuditStore {
  const { audit } = state;
  return {
    async append(input) {
      const scope = input.tenantId ?? '';
      const seq = (state.sequences.get(scope) ?? 0) + 1;
      write(journal, state.sequences, scope, seq);
      const event: AuditEvent = { ...copy(input), id: newId(), seq, at: new Date().toISOString() };
      write(journal, audit, event.id, event);
      return copy(event);
    },
    list: async (tenantId, after, limit, types) =>
      [...audit.values()]
        .filter((e) => e.tenantId === tenantId && e.seq > (after ?? 0) && (!types || types.includes(e.type)))
        .sort((a, b) => a.seq - b.seq)
        .slice(0, limit)
        .map(copy),
    head: async (tenantId) => state.sequences.get(tenantId ?? '') ?? 0,
    async expire(now, limit) {
      const gone = [...audit.values()].filter((e) => e.expiresAt < now).slice(0, limit);
      for (const e of gone) write(journal, audit, e.id, undefined);
      return gone.length;
    },
  };
}

const storesOver = (state: State, journal: Journal): Stores => ({
  tenants: tenantStore(state, journal),
  tokens: tokenStore(state, journal),
  accounts: accountStore(state, journal),
  teams: teamStore(state, journal),
  memberships: membershipStore(state, journal),
  clients: clientStore(state, journal),
  audit: auditStore(state, journal),
  webhooks: notInTheFake('webhooks') as WebhookStore,
  setupLinks: notInTheFake('setupLinks') as SetupLinkStore,
});

/** Stores the unit tests that use this fake never reach (the real adapters' contract covers them). */
function notInTheFake(name: string): object {
  return new Proxy(
    {},
    {
      get: (_target, method) => () =>
        Promise.reject(new Error(`${name}.${String(method)} is not in the fake`)),
    },
  );
}

/** A clock the test moves: ephemeral TTLs are judged by it. */
export interface FakeClock {
  now(): number;
  advance(seconds: number): void;
}

function fakeClock(): FakeClock {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (seconds) => void (offset += seconds * 1000) };
}

function ephemeralStore(clock: FakeClock): EphemeralStore {
  const entries = new Map<string, { value: string; expiresAt: number | null }>();
  const live = (k: string) => {
    const entry = entries.get(k);
    if (entry && entry.expiresAt !== null && entry.expiresAt <= clock.now()) entries.delete(k);
    return entries.get(k);
  };
  const expiry = (ttl: number | null) => (ttl === null ? null : clock.now() + ttl * 1000);
  return {
    async put(k, value, ttl) {
      entries.set(k, { value, expiresAt: expiry(ttl) });
    },
    async putIfAbsent(k, value, ttl) {
      if (live(k)) return false;
      entries.set(k, { value, expiresAt: expiry(ttl) });
      return true;
    },
    get: async (k) => live(k)?.value,
    async consume(k) {
      const value = live(k)?.value;
      entries.delete(k);
      return value;
    },
    async delete(k) {
      entries.delete(k);
    },
    keys: async (prefix) =>
      [...entries.keys()].filter((k) => k.startsWith(prefix) && live(k)).sort((a, b) => (a < b ? -1 : 1)),
    async increment(k, by, ttl) {
      if (!Number.isSafeInteger(by) || by < 0 || !(ttl > 0))
        throw new StorageError(`invalid increment ${by}/${ttl}`);
      const entry = live(k);
      const total = (entry ? Number(entry.value) : 0) + by;
      entries.set(k, { value: String(total), expiresAt: entry ? entry.expiresAt : expiry(ttl) });
      return total;
    },
  };
}

export interface FakeStorage extends Storage {
  readonly clock: FakeClock;
  /** True while a unit of work runs (between its start and its commit or rollback). */
  readonly inTransaction: boolean;
  /** Units of work committed and rolled back so far (a retried attempt counts as a rollback). */
  readonly commits: number;
  readonly rollbacks: number;
  /**
   * The next `n` attempts of units of work fail after `fn` resolved, as a transient write
   * conflict does on MongoDB: their writes are undone and `fn` runs again (ports.ts, transaction).
   */
  retryNext(n: number): void;
}

export function createFakeStorage(): FakeStorage {
  const state: State = {
    tenants: new Map(),
    tokens: new Map(),
    accounts: new Map(),
    userNames: new Map(),
    teams: new Map(),
    memberships: new Map(),
    links: new Map(),
    clients: new Map(),
    audit: new Map(),
    sequences: new Map(),
  };
  const clock = fakeClock();
  let inTransaction = false;
  let commits = 0;
  let rollbacks = 0;
  let retries = 0;
  // One unit at a time (as SQLite's one writer): an undo must not interleave with another unit.
  let queue: Promise<unknown> = Promise.resolve();

  const attempt = async <T>(
    fn: (tx: Stores) => Promise<T>,
  ): Promise<{ done: true; value: T } | { done: false }> => {
    const journal: (() => void)[] = [];
    const undo = () => {
      for (const step of journal.reverse()) step();
      rollbacks += 1;
    };
    let value: T;
    try {
      value = await fn(storesOver(state, journal));
    } catch (err) {
      undo();
      throw err;
    }
    if (retries > 0) {
      retries -= 1;
      undo();
      return { done: false };
    }
    commits += 1;
    return { done: true, value };
  };

  const run = async <T>(fn: (tx: Stores) => Promise<T>): Promise<T> => {
    inTransaction = true;
    try {
      for (;;) {
        const result = await attempt(fn);
        if (result.done) return result.value;
      }
    } finally {
      inTransaction = false;
    }
  };

  return {
    driver: 'sqlite',
    ...storesOver(state, null),
    ephemeral: ephemeralStore(clock),
    scimLog: notInTheFake('scimLog') as ScimLogStore,
    clock,
    get inTransaction() {
      return inTransaction;
    },
    get commits() {
      return commits;
    },
    get rollbacks() {
      return rollbacks;
    },
    retryNext(n) {
      retries += n;
    },
    transaction<T>(fn: (tx: Stores) => Promise<T>): Promise<T> {
      const result = queue.then(() => run(fn));
      queue = result.catch(() => undefined);
      return result;
    },
    ping: async () => undefined,
    close: async () => undefined,
  };
}
