import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import type { SamlConfig } from '@node-saml/node-saml';
import type { SecretBox } from '../../platform/secrets.ts';
import type { Tenant } from '../../storage/ports.ts';
import { spKeyContext, spValues } from './connection.ts';
import { ssoSettings } from '../../tenants/settings.ts';
import type { SamlConnection } from './connection.ts';

/**
 * node-saml for one tenant, built per request from the stored connection (no shared mutable
 * state). What node-saml does not check is ours (acs.ts, checks.ts): SHA-1, Destination and
 * Recipient, InResponseTo bound to our RelayState, and the assertion replay cache.
 */
/** What building a tenant's SP needs: our public URL and the box its key is sealed in. */
export interface SpContext {
  readonly publicUrl: string;
  readonly secrets: SecretBox;
}

export function samlFor(sp: SpContext, tenant: Tenant, connection: SamlConnection, requestId?: string): SAML {
  const values = spValues(sp.publicUrl, tenant.slug);
  const settings = ssoSettings(tenant);
  const spKey = sp.secrets.decrypt(connection.sp.privateKeySealed, spKeyContext(tenant));
  const config: SamlConfig = {
    callbackUrl: values.acsUrl,
    entryPoint: connection.idp.ssoUrls.redirect ?? '',
    issuer: values.entityId,
    audience: values.entityId,
    idpIssuer: connection.idp.entityId,
    // Every signing certificate in the metadata: an IdP rolling its key signs with either.
    idpCert: [...connection.idp.certificates],
    // The Response or the Assertion must be signed (Okta/Entra sign the assertion, Google the
    // response); node-saml requires one of the two when both flags are off.
    wantAuthnResponseSigned: false,
    wantAssertionsSigned: false,
    acceptedClockSkewMs: settings.clockSkewSeconds * 1000,
    // InResponseTo is checked against the request named by our RelayState (acs.ts).
    validateInResponseTo: ValidateInResponseTo.never,
    decryptionPvk: spKey,
    ...(connection.options.signAuthnRequests ? { privateKey: spKey } : {}),
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
    identifierFormat: connection.options.nameIdFormat ?? connection.idp.nameIdFormats[0] ?? null,
    disableRequestedAuthnContext: true,
    ...(requestId ? { generateUniqueId: () => requestId } : {}),
  };
  return new SAML(config);
}

/** Our SP metadata, with the tenant's certificate for encryption (and signing when enabled). */
export function spMetadataXml(sp: SpContext, tenant: Tenant, connection: SamlConnection): string {
  const saml = samlFor(sp, tenant, connection);
  return saml.generateServiceProviderMetadata(
    connection.sp.certificate,
    connection.options.signAuthnRequests ? connection.sp.certificate : null,
  );
}
