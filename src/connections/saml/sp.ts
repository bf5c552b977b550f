import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import type { SamlConfig } from '@node-saml/node-saml';
import type { Container } from '../../container.ts';
import type { Tenant } from '../../storage/ports.ts';
import { spKeyContext, spValues, ssoSettings } from './connection.ts';
import type { SamlConnection } from './connection.ts';

/**
 * node-saml for one tenant, built per request from the stored connection (no shared mutable
 * state). What node-saml does not check is ours (acs.ts, checks.ts): SHA-1, Destination and
 * Recipient, InResponseTo bound to our RelayState, and the assertion replay cache.
 */
export function samlFor(
  container: Container,
  tenant: Tenant,
  connection: SamlConnection,
  requestId?: string,
): SAML {
  const sp = spValues(container, tenant.slug);
  const settings = ssoSettings(tenant);
  const spKey = container.secrets.decrypt(connection.sp.privateKeySealed, spKeyContext(tenant));
  const config: SamlConfig = {
    callbackUrl: sp.acsUrl,
    entryPoint: connection.idp.ssoUrls.redirect ?? '',
    issuer: sp.entityId,
    audience: sp.entityId,
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
export function spMetadataXml(container: Container, tenant: Tenant, connection: SamlConnection): string {
  const saml = samlFor(container, tenant, connection);
  return saml.generateServiceProviderMetadata(
    connection.sp.certificate,
    connection.options.signAuthnRequests ? connection.sp.certificate : null,
  );
}
