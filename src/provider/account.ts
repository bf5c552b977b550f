import type { Account as OidcAccount, KoaContextWithOIDC } from 'oidc-provider';
import type {
  Account,
  AccountId,
  AccountStore,
  EphemeralStore,
  JsonObject,
  MembershipStore,
  Tenant,
  TenantId,
  TenantStore,
} from '../storage/ports.ts';

/**
 * Which tenant an account belongs to and how it last signed in, written at each login. The
 * provider hands `findAccount` only the account id (the `sub`), and our account store is keyed
 * by tenant first.
 */
const signInKey = (accountId: string): string => `sso:account:${accountId}`;

export type IdpKind = 'saml' | 'oidc';

export interface SignInRecord {
  readonly tenantId: TenantId;
  readonly idp: IdpKind;
}

export interface SignInRecords {
  /** Remembers the account's tenant and how it signed in (the provider asks by `sub` only). */
  record(account: Account, idp: IdpKind): Promise<void>;
  tenantOf(accountId: string): Promise<SignInRecord | undefined>;
}

export function createSignInRecords(ephemeral: EphemeralStore): SignInRecords {
  return {
    async record(account, idp) {
      const value: SignInRecord = { tenantId: account.tenantId, idp };
      await ephemeral.put(signInKey(account.id), JSON.stringify(value), null);
    },
    async tenantOf(accountId) {
      const raw = await ephemeral.get(signInKey(accountId));
      if (raw === undefined) return undefined;
      const parsed = JSON.parse(raw) as Partial<SignInRecord>;
      if (typeof parsed.tenantId !== 'string' || (parsed.idp !== 'saml' && parsed.idp !== 'oidc'))
        return undefined;
      return { tenantId: parsed.tenantId, idp: parsed.idp };
    },
  };
}

/** What the provider reads about accounts. */
export interface AccountReader {
  readonly tenants: Pick<TenantStore, 'get'>;
  readonly accounts: Pick<AccountStore, 'get'>;
  readonly memberships: Pick<MembershipStore, 'teamsOf'>;
  readonly signIns: SignInRecords;
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

function nameParts(attributes: JsonObject): { given?: string; family?: string } {
  const name = attributes.name;
  if (typeof name !== 'object' || name === null || Array.isArray(name)) return {};
  return { given: str(name.givenName), family: str(name.familyName) };
}

/** The claims of OIDC Core §5.1 plus ours (`tenant`, `groups`, `idp`). */
export async function accountClaims(
  memberships: Pick<MembershipStore, 'teamsOf'>,
  tenant: Tenant,
  account: Account,
  idp: IdpKind,
) {
  const teams = (await memberships.teamsOf(tenant.id, [account.id])).get(account.id) ?? [];
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
export function createFindAccount(reader: AccountReader) {
  return async (_ctx: KoaContextWithOIDC, sub: string): Promise<OidcAccount | undefined> => {
    const record = await reader.signIns.tenantOf(sub);
    if (!record) return undefined;
    const tenant = await reader.tenants.get(record.tenantId);
    if (!tenant || tenant.status !== 'active') return undefined;
    const account = await reader.accounts.get(tenant.id, sub as AccountId);
    if (!account?.active) return undefined;
    const claims = await accountClaims(reader.memberships, tenant, account, record.idp);
    return { accountId: account.id, claims: () => claims };
  };
}
