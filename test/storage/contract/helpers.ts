import { newId } from '../../../src/platform/ids.ts';
import type {
  Account,
  AccountId,
  Storage,
  Team,
  TeamId,
  Tenant,
  TenantId,
} from '../../../src/storage/ports.ts';

export type Open = () => Promise<Storage>;

/** A fresh store per test, closed afterwards; the returned getter reads the current one. */
export function useStorage(open: Open): () => Storage {
  let storage: Storage | undefined;
  beforeEach(async () => {
    storage = await open();
  });
  afterEach(async () => {
    await storage?.close();
    storage = undefined;
  });
  return () => {
    if (!storage) throw new Error('no storage outside a test');
    return storage;
  };
}

const now = () => new Date().toISOString();

export function makeTenant(overrides: Partial<Tenant> = {}): Tenant {
  const id = newId() as TenantId;
  const at = now();
  return {
    id,
    slug: `t-${id.slice(-12)}`,
    name: 'Tenant',
    domains: [],
    status: 'active',
    settings: { locale: 'en' },
    connections: {},
    createdAt: at,
    updatedAt: at,
    version: 1,
    ...overrides,
  };
}

export function makeAccount(tenantId: TenantId, overrides: Partial<Account> = {}): Account {
  const id = newId() as AccountId;
  const at = now();
  return {
    tenantId,
    id,
    userName: `user-${id}`,
    externalId: null,
    active: true,
    displayName: null,
    email: null,
    attributes: {},
    createdAt: at,
    updatedAt: at,
    version: 1,
    ...overrides,
  };
}

export function makeTeam(tenantId: TenantId, overrides: Partial<Team> = {}): Team {
  const id = newId() as TeamId;
  const at = now();
  return {
    tenantId,
    id,
    displayName: `team-${id}`,
    externalId: null,
    attributes: {},
    createdAt: at,
    updatedAt: at,
    version: 1,
    ...overrides,
  };
}

/** Two tenants already stored. */
export async function twoTenants(storage: Storage): Promise<[Tenant, Tenant]> {
  const a = makeTenant();
  const b = makeTenant();
  await storage.tenants.insert(a);
  await storage.tenants.insert(b);
  return [a, b];
}

/** Inserts `n` accounts into `tenantId` (ids ascending) and returns them in insertion order. */
export async function insertAccounts(
  storage: Storage,
  tenantId: TenantId,
  n: number,
  name = (i: number) => `user${i}`,
): Promise<Account[]> {
  return storage.transaction(async (tx) => {
    const accounts = Array.from({ length: n }, (_, i) => makeAccount(tenantId, { userName: name(i) }));
    for (const account of accounts) await tx.accounts.insert(account);
    return accounts;
  });
}

export const ids = (records: readonly { readonly id: string }[]): string[] =>
  records.map((record) => record.id);
