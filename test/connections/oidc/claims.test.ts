import assert from 'node:assert/strict';
import { amrOf, profileOf } from '../../../src/connections/oidc/claims.ts';
import type { OidcConnection } from '../../../src/connections/oidc/connection.ts';
import { SignInRejected } from '../../../src/signin/rejection.ts';
import type { Tenant, TenantId } from '../../../src/storage/ports.ts';

const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const tenant = { id: 't1' as TenantId, slug: 'acme', domains: ['acme.com'] } as unknown as Tenant;
const connection = (issuer: string, extra: Partial<OidcConnection> = {}): OidcConnection =>
  ({ issuer, claimMapping: {}, allowedEmailDomains: [], ...extra }) as OidcConnection;
const refusal = (code: string) => (err: unknown) => err instanceof SignInRejected && err.code === code;

describe('OIDC claims: mapping and IdP-specific checks', () => {
  it('maps the standard claims and a custom mapping', () => {
    const p = profileOf(tenant, connection('https://idp.example'), {
      sub: 's1',
      email: 'Ann@Acme.com',
      given_name: 'Ann',
      family_name: 'Lee',
      name: 'Ann Lee',
    });
    assert.deepEqual(p, {
      idp: 'oidc',
      issuer: 'https://idp.example',
      subject: 's1',
      email: 'ann@acme.com',
      givenName: 'Ann',
      familyName: 'Lee',
      displayName: 'Ann Lee',
    });
    const mapped = profileOf(
      tenant,
      connection('https://idp.example', { claimMapping: { email: 'mail', displayName: 'cn' } }),
      {
        sub: 's1',
        mail: 'ann@acme.com',
        cn: 'A. Lee',
      },
    );
    assert.equal(mapped.email, 'ann@acme.com');
    assert.equal(mapped.displayName, 'A. Lee');
  });

  it('Entra ID: requires the tid of the configured directory, falls back to preferred_username', () => {
    const entra = connection(`https://login.microsoftonline.com/${TID}/v2.0`);
    const p = profileOf(tenant, entra, { sub: 's', tid: TID, preferred_username: 'ann@acme.com' });
    assert.equal(p.email, 'ann@acme.com');
    assert.equal(
      profileOf(tenant, entra, {
        sub: 's',
        tid: TID,
        email: 'ann@acme.com',
        preferred_username: 'x@acme.com',
      }).email,
      'ann@acme.com',
    );
    assert.throws(
      () =>
        profileOf(tenant, entra, {
          sub: 's',
          tid: '00000000-0000-0000-0000-000000000000',
          email: 'ann@acme.com',
        }),
      refusal('wrong_idp_tenant'),
    );
    assert.throws(
      () => profileOf(tenant, entra, { sub: 's', email: 'ann@acme.com' }),
      refusal('wrong_idp_tenant'),
    );
    // Elsewhere preferred_username is not an email the IdP vouches for.
    assert.throws(
      () =>
        profileOf(tenant, connection('https://idp.example'), {
          sub: 's',
          preferred_username: 'ann@acme.com',
        }),
      refusal('email_domain_not_allowed'),
    );
  });

  it('Google: the hd claim must be one of the tenant’s domains', () => {
    const google = connection('https://accounts.google.com');
    assert.equal(
      profileOf(tenant, google, { sub: 's', hd: 'acme.com', email: 'ann@acme.com', email_verified: true })
        .email,
      'ann@acme.com',
    );
    assert.throws(
      () => profileOf(tenant, google, { sub: 's', email: 'ann@acme.com' }),
      refusal('wrong_hosted_domain'),
    );
    assert.throws(
      () => profileOf(tenant, google, { sub: 's', hd: 'evil.com', email: 'ann@acme.com' }),
      refusal('wrong_hosted_domain'),
    );
  });

  it('allowedEmailDomains (else the tenant’s domains) and email_verified', () => {
    const c = connection('https://idp.example', { allowedEmailDomains: ['corp.acme.com'] });
    assert.throws(
      () => profileOf(tenant, c, { sub: 's', email: 'ann@acme.com' }),
      refusal('email_domain_not_allowed'),
    );
    assert.equal(profileOf(tenant, c, { sub: 's', email: 'ann@corp.acme.com' }).email, 'ann@corp.acme.com');
    assert.throws(
      () =>
        profileOf(tenant, connection('https://idp.example'), {
          sub: 's',
          email: 'ann@acme.com',
          email_verified: false,
        }),
      refusal('email_unverified'),
    );
    assert.throws(
      () => profileOf(tenant, connection('https://idp.example'), { email: 'ann@acme.com' }),
      refusal('invalid_id_token'),
    );
  });

  it('passes RFC 8176 amr values on, else fed', () => {
    assert.deepEqual(amrOf({ amr: ['pwd', 'mfa', 'weird'] }), ['pwd', 'mfa']);
    assert.deepEqual(amrOf({}), ['fed']);
  });
});
