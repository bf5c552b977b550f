import type { Tenant } from '../storage/ports.ts';
import type { IdpKind } from '../provider/account.ts';
import { ssoSettings } from '../tenants/settings.ts';

const has = (tenant: Tenant, kind: IdpKind): boolean => {
  const c = tenant.connections[kind];
  return typeof c === 'object' && c !== null && !Array.isArray(c);
};

/**
 * The upstream connection a sign-in at this tenant uses: the only one it has, else the
 * `defaultConnection` setting (SAML when unset, as before OIDC connections existed).
 */
export function chooseConnection(tenant: Tenant): IdpKind | undefined {
  const saml = has(tenant, 'saml');
  const oidc = has(tenant, 'oidc');
  if (saml && oidc) return ssoSettings(tenant).defaultConnection ?? 'saml';
  return saml ? 'saml' : oidc ? 'oidc' : undefined;
}
