import type { Profile } from '@node-saml/node-saml';
import type { TenantSettings } from '../../tenants/settings.ts';
import type { LoginProfile } from '../../signin/linking.ts';

/** Attribute names Okta, Entra ID and Google send by default, tried in order. */
const DEFAULTS = {
  email: [
    'email',
    'mail',
    'emailAddress',
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
    'urn:oid:0.9.2342.19200300.100.1.3',
  ],
  givenName: [
    'firstName',
    'givenName',
    'first_name',
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname',
    'urn:oid:2.5.4.42',
  ],
  familyName: [
    'lastName',
    'surname',
    'sn',
    'last_name',
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname',
    'urn:oid:2.5.4.4',
  ],
  displayName: [
    'displayName',
    'name',
    'http://schemas.microsoft.com/identity/claims/displayname',
    'urn:oid:2.16.840.1.113730.3.1.241',
  ],
} as const;

type Field = keyof typeof DEFAULTS;

function first(profile: Profile, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value: unknown = profile[name];
    const text = Array.isArray(value) ? (value as unknown[])[0] : value;
    if (typeof text === 'string' && text.trim() !== '') return text.trim();
  }
  return undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** The verified profile in our terms; the tenant's `attributeMapping` overrides the defaults. */
export function loginProfileOf(profile: Profile, mapping: TenantSettings['attributeMapping']): LoginProfile {
  const pick = (field: Field): string | undefined => {
    const configured = mapping?.[field];
    return first(profile, configured ? [configured] : DEFAULTS[field]);
  };
  const nameIdIsEmail = profile.nameIDFormat?.endsWith(':emailAddress') || EMAIL.test(profile.nameID);
  const email = pick('email') ?? (nameIdIsEmail && EMAIL.test(profile.nameID) ? profile.nameID : undefined);
  return {
    idp: 'saml',
    issuer: profile.issuer,
    subject: profile.nameID,
    email: email && EMAIL.test(email) ? email : undefined,
    givenName: pick('givenName'),
    familyName: pick('familyName'),
    displayName: pick('displayName'),
  };
}
