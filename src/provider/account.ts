import type { Account as OidcAccount, KoaContextWithOIDC } from 'oidc-provider';
import type { Account, AccountId, JsonObject, Storage, Tenant, TenantId } from '../storage/ports.ts';

/**
 * Which tenant an account belongs to and how it last signed in, written at each login. The
 * provider hands `findAccount` only the account id (the `sub`), and our account store is keyed
 * by tenant first.
 */
const signInKey = (accountId: string): string => `sso:account:${accountId}`;

export type IdpKind = 'saml' | 'oidc';

interface SignInRecord {
  readonly tenantId: TenantId;
  readonly idp: IdpKind;
}

export async function recordSignIn(storage: Storage, account: Account, idp: IdpKind): Promise<void> {
  const value: SignInRecord = { tenantId: account.tenantId, idp };
  await storage.ephemeral.put(signInKey(account.id), JSON.stringify(value), null);
}

export async function tenantOfAccount(
  storage: Storage,
  accountId: string,
): Promise<SignInRecord | undefined> {
  const raw = await storage.ephemeral.get(signInKey(accountId));
  if (raw === undefined) return undefined;
  const parsed = JSON.parse(raw) as Partial<SignInRecord>;
  if (typeof parsed.tenantId !== 'string' || (parsed.idp !== 'saml' && parsed.idp !== 'oidc'))
    return undefined;
  return { tenantId: parsed.tenantId, idp: parsed.idp };
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

function nameParts(attributes: JsonObject): { given?: string; family?: string } {
  const name = attributes.name;
  if (typeof name !== 'object' || name === null || Array.isArray(name)) return {};
  return { given: str(name.givenName), family: str(name.familyName) };
}

/** The claims of OIDC Core §5.1 plus ours (`tenant`, `groups`, `idp`). */
export async function accountClaims(storage: Storage, tenant: Tenant, account: Account, idp: IdpKind) {
  const teams = (await storage.memberships.teamsOf(tenant.id, [account.id])).get(account.id) ?? [];
  const { given, family } = nameParts(account.attributes);
  const email = account.email ?? undefined;
  const domain = email?.split('@').pop()?.toLowerCase();
  return {
    sub: account.id,
    tenant: tenant.slug,
    idp,
    email,
    // The tenant's IdP is authoritative only for the domains the tenant has claimed.
    email_verified: domain !== undefined && tenant.domains.includes(domain),
    name: account.displayName ?? ([given, family].filter(Boolean).join(' ') || undefined),
    given_name: given,
    family_name: family,
    groups: teams.map((t) => t.displayName),
  };
}

/**
 * `findAccount`: undefined for an unknown, inactive or deleted account, or a disabled tenant —
 * the provider then answers userinfo with 401 and refresh with `invalid_grant`.
 */
export function createFindAccount(storage: Storage) {
  return async (_ctx: KoaContextWithOIDC, sub: string): Promise<OidcAccount | undefined> => {
    const record = await tenantOfAccount(storage, sub);
    if (!record) return undefined;
    const tenant = await storage.tenants.get(record.tenantId);
    if (!tenant || tenant.status !== 'active') return undefined;
    const account = await storage.accounts.get(tenant.id, sub as AccountId);
    if (!account?.active) return undefined;
    const claims = await accountClaims(storage, tenant, account, record.idp);
    return { accountId: account.id, claims: () => claims };
  };
}
