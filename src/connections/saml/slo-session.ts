import { createHash } from 'node:crypto';
import type { AccountId, EphemeralStore, TenantId } from '../../storage/ports.ts';
import { SESSION_TTL_SECONDS } from '../../provider/provider.ts';

/**
 * What Single Logout needs of a SAML sign-in (SAML core §3.7.1): the NameID as the IdP sent it and
 * the SessionIndex of the assertion. Kept per tenant and account for as long as the provider's
 * session lives, with an index from the NameID, so that the IdP's LogoutRequest finds the account
 * and our own LogoutRequest can name the IdP's session. Written only from a verified assertion.
 */
export interface SamlSession {
  readonly nameId: string;
  readonly nameIdFormat?: string | undefined;
  readonly nameQualifier?: string | undefined;
  readonly spNameQualifier?: string | undefined;
  readonly sessionIndex?: string | undefined;
}

const sessionKey = (tenantId: TenantId, accountId: string): string =>
  `sso:saml-session:${tenantId}:${accountId}`;
const nameIdKey = (tenantId: TenantId, nameId: string): string =>
  `sso:saml-nameid:${tenantId}:${createHash('sha256').update(nameId).digest('base64url')}`;

export async function rememberSamlSession(
  store: EphemeralStore,
  tenantId: TenantId,
  accountId: AccountId,
  session: SamlSession,
): Promise<void> {
  await store.put(sessionKey(tenantId, accountId), JSON.stringify(session), SESSION_TTL_SECONDS);
  await store.put(nameIdKey(tenantId, session.nameId), accountId, SESSION_TTL_SECONDS);
}

export async function samlSessionOf(
  store: EphemeralStore,
  tenantId: TenantId,
  accountId: string,
): Promise<SamlSession | undefined> {
  const raw = await store.get(sessionKey(tenantId, accountId));
  return raw === undefined ? undefined : (JSON.parse(raw) as SamlSession);
}

/** The account that signed in at this tenant with this NameID, while its session lives. */
export async function accountOfNameId(
  store: EphemeralStore,
  tenantId: TenantId,
  nameId: string,
): Promise<AccountId | undefined> {
  return (await store.get(nameIdKey(tenantId, nameId))) as AccountId | undefined;
}

export async function forgetSamlSession(
  store: EphemeralStore,
  tenantId: TenantId,
  accountId: string,
): Promise<void> {
  const session = await samlSessionOf(store, tenantId, accountId);
  await store.delete(sessionKey(tenantId, accountId));
  if (session) await store.delete(nameIdKey(tenantId, session.nameId));
}
