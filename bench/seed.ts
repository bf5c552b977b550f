import { SYSTEM } from '../src/audit/events.ts';
import { createAuditRecorder } from '../src/audit/record.ts';
import { newId } from '../src/platform/ids.ts';
import type { Account, AccountId, Storage, TeamId, TenantId, TokenId } from '../src/storage/ports.ts';
import { createTenantService } from '../src/tenants/service.ts';
import { mintToken } from '../src/tenants/tokens.ts';

const BATCH = 2000;

export interface SeededTenant {
  readonly slug: string;
  readonly tenantId: TenantId;
  readonly token: string;
  readonly accountIds: AccountId[];
}

function account(tenantId: TenantId, slug: string, i: number, at: string): Account {
  const userName = `user${i}@${slug}.example`;
  return {
    tenantId,
    id: newId() as AccountId,
    userName,
    externalId: `ext-${i}`,
    active: true,
    displayName: `User ${i}`,
    email: userName,
    attributes: {
      name: { givenName: 'User', familyName: String(i) },
      emails: [{ value: userName, type: 'work', primary: true }],
    },
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

/** A tenant with a SCIM token and `users` accounts, written through the storage port in batched transactions. */
export async function seedTenant(storage: Storage, slug: string, users: number): Promise<SeededTenant> {
  const tenant = await createTenantService(storage, createAuditRecorder(storage)).create(SYSTEM, {
    slug,
    name: slug,
  });
  const { token, hash } = mintToken('scim');
  const at = new Date().toISOString();
  await storage.tokens.insert({
    id: newId() as TokenId,
    tenantId: tenant.id,
    kind: 'scim',
    hash,
    label: 'bench',
    createdAt: at,
    lastUsedAt: null,
  });
  const accountIds: AccountId[] = [];
  for (let start = 0; start < users; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, users - start) }, (_, k) =>
      account(tenant.id, slug, start + k, at),
    );
    await storage.transaction(async (tx) => {
      for (const a of batch) await tx.accounts.insert(a);
    });
    accountIds.push(...batch.map((a) => a.id));
  }
  return { slug, tenantId: tenant.id, token, accountIds };
}

/** A team holding the first `members` accounts of the tenant. */
export async function seedTeam(
  storage: Storage,
  tenant: SeededTenant,
  name: string,
  members: number,
): Promise<TeamId> {
  const id = newId() as TeamId;
  const at = new Date().toISOString();
  await storage.transaction(async (tx) => {
    await tx.teams.insert({
      tenantId: tenant.tenantId,
      id,
      displayName: name,
      externalId: null,
      attributes: {},
      createdAt: at,
      updatedAt: at,
      version: 1,
    });
    for (let start = 0; start < members; start += BATCH)
      await tx.memberships.add(
        tenant.tenantId,
        id,
        tenant.accountIds.slice(start, Math.min(members, start + BATCH)),
      );
  });
  return id;
}
