import type { Tenant } from '../../storage/ports.ts';
import type { LoginProfile } from '../../signin/linking.ts';
import { SignInRejected } from '../../signin/rejection.ts';
import type { OidcConnection } from './connection.ts';
import { entraTenantOf, isGoogle } from './discovery.ts';

export type Claims = Readonly<Record<string, unknown>>;

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
const looksLikeEmail = (v: string | undefined): v is string => v !== undefined && /^[^@\s]+@[^@\s]+$/.test(v);

/** RFC 8176 method values we pass on to product apps; anything else reads as `fed`. */
const AMR = new Set([
  'pwd',
  'mfa',
  'otp',
  'hwk',
  'swk',
  'sms',
  'wia',
  'kba',
  'pin',
  'fpt',
  'face',
  'user',
  'pop',
]);

export function amrOf(claims: Claims): string[] {
  const values = Array.isArray(claims.amr) ? claims.amr.filter((v): v is string => AMR.has(String(v))) : [];
  return values.length > 0 ? [...new Set(values)] : ['fed'];
}

/**
 * The email of the sign-in: the mapped claim, else `email`; Entra ID sends `email` only when the
 * user has a mailbox address set, and its `preferred_username` (the UPN) is what Entra's SCIM
 * provisioning sends as `userName`, so it is the fallback there.
 */
function emailOf(connection: OidcConnection, claims: Claims): string | undefined {
  const mapped = connection.claimMapping.email;
  if (mapped) return str(claims[mapped]);
  const email = str(claims.email);
  if (email) return email;
  const upn = str(claims.preferred_username);
  return entraTenantOf(connection.issuer) && looksLikeEmail(upn) ? upn : undefined;
}

const domainOf = (email: string): string => email.slice(email.lastIndexOf('@') + 1).toLowerCase();

/** Checks that depend on who the IdP is (Entra `tid`, Google `hd`) and on the tenant's domains. */
function checkIdentity(
  tenant: Tenant,
  connection: OidcConnection,
  claims: Claims,
  email: string | undefined,
) {
  const tid = entraTenantOf(connection.issuer);
  // Entra ID: the token must come from the tenant's own directory (its issuer names the same GUID).
  if (tid && str(claims.tid)?.toLowerCase() !== tid)
    throw new SignInRejected('wrong_idp_tenant', `tid ${String(claims.tid)} is not ${tid}`);
  const domains = connection.allowedEmailDomains.length > 0 ? connection.allowedEmailDomains : tenant.domains;
  // Google: `hd` is the Workspace domain; a consumer account has none (Google's OIDC docs).
  if (isGoogle(connection.issuer)) {
    const hd = str(claims.hd)?.toLowerCase();
    if (!hd || !domains.includes(hd))
      throw new SignInRejected('wrong_hosted_domain', `hd ${hd ?? '(none)'} is not a domain of the tenant`);
  }
  if (claims.email_verified === false && email && str(claims.email) === email)
    throw new SignInRejected('email_unverified', 'the IdP says the email is not verified');
  if (domains.length > 0 && (!email || !domains.includes(domainOf(email))))
    throw new SignInRejected(
      'email_domain_not_allowed',
      `email domain ${email ? domainOf(email) : '(no email)'} is not allowed`,
      'Your account’s email address is not allowed for this organisation.',
    );
}

/** The verified claims as a protocol-neutral profile for account linking (docs/sign-in.md). */
export function profileOf(tenant: Tenant, connection: OidcConnection, claims: Claims): LoginProfile {
  const subject = str(claims.sub);
  if (!subject) throw new SignInRejected('invalid_id_token', 'the ID token has no sub');
  const email = emailOf(connection, claims);
  checkIdentity(tenant, connection, claims, email);
  const m = connection.claimMapping;
  return {
    idp: 'oidc',
    issuer: connection.issuer,
    subject,
    email: email?.toLowerCase(),
    givenName: str(claims[m.givenName ?? 'given_name']),
    familyName: str(claims[m.familyName ?? 'family_name']),
    displayName: str(claims[m.displayName ?? 'name']),
  };
}

/** True when a claim the profile reads is missing from `claims` (then userinfo is asked). */
export function needsUserinfo(connection: OidcConnection, claims: Claims): boolean {
  return emailOf(connection, claims) === undefined;
}
