import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
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

/** Opened SP keys, per box, by sealed text and context; at most this many per box (oldest out first). */
const OPENED_KEYS = 1000;
const openedKeys = new WeakMap<SecretBox, Map<string, string>>();

/**
 * The tenant's SP private key. Opening the sealed key (AES-GCM with the master key) cost about
 * 0.09 ms of CPU on every sign-in under load; the opened key is kept in memory, as the master key
 * itself is. A new key (rotation, re-keying) is new sealed text, so it is opened afresh.
 */
function spPrivateKey(sp: SpContext, tenant: Tenant, sealed: string): string {
  let opened = openedKeys.get(sp.secrets);
  if (!opened) {
    opened = new Map();
    openedKeys.set(sp.secrets, opened);
  }
  const context = spKeyContext(tenant);
  const cacheKey = `${context}\n${sealed}`;
  const known = opened.get(cacheKey);
  if (known !== undefined) return known;
  const key = sp.secrets.decrypt(sealed, context);
  opened.set(cacheKey, key);
  if (opened.size > OPENED_KEYS) {
    const oldest = opened.keys().next().value;
    if (oldest !== undefined) opened.delete(oldest);
  }
  return key;
}

/** `logoutUrl`: a SAML for our LogoutRequest to the IdP's SLO endpoint, always signed with the SP key. */
export function samlFor(
  sp: SpContext,
  tenant: Tenant,
  connection: SamlConnection,
  requestId?: string,
  logoutUrl?: string,
): SAML {
  const values = spValues(sp.publicUrl, tenant.slug);
  const settings = ssoSettings(tenant);
  const spKey = spPrivateKey(sp, tenant, connection.sp.privateKeySealed);
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
    ...(connection.options.signAuthnRequests || logoutUrl ? { privateKey: spKey } : {}),
    ...(logoutUrl ? { logoutUrl } : {}),
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
    identifierFormat: connection.options.nameIdFormat ?? connection.idp.nameIdFormats[0] ?? null,
    disableRequestedAuthnContext: true,
    ...(requestId ? { generateUniqueId: () => requestId } : {}),
  };
  return new SAML(config);
}

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const BINDINGS = [
  'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
];

/**
 * node-saml's metadata lists one SingleLogoutService (HTTP-POST) and a signing key only when
 * AuthnRequests are signed; our logout messages are always signed, and take both bindings.
 */
function withSingleLogout(xml: string, sloUrl: string, certificatePem: string): string {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const descriptor = doc.getElementsByTagNameNS(MD, 'SPSSODescriptor')[0];
  if (!descriptor) return xml;
  for (const old of Array.from(descriptor.getElementsByTagNameNS(MD, 'SingleLogoutService')))
    descriptor.removeChild(old);
  const before =
    descriptor.getElementsByTagNameNS(MD, 'NameIDFormat')[0] ??
    descriptor.getElementsByTagNameNS(MD, 'AssertionConsumerService')[0] ??
    null;
  for (const binding of BINDINGS) {
    const service = doc.createElementNS(MD, 'SingleLogoutService');
    service.setAttribute('Binding', binding);
    service.setAttribute('Location', sloUrl);
    descriptor.insertBefore(service, before);
  }
  const keys = Array.from(descriptor.getElementsByTagNameNS(MD, 'KeyDescriptor'));
  if (!keys.some((k) => k.getAttribute('use') === 'signing')) {
    const key = doc.createElementNS(MD, 'KeyDescriptor');
    key.setAttribute('use', 'signing');
    const info = key.appendChild(doc.createElementNS(DS, 'ds:KeyInfo'));
    const data = info.appendChild(doc.createElementNS(DS, 'ds:X509Data'));
    const cert = data.appendChild(doc.createElementNS(DS, 'ds:X509Certificate'));
    cert.appendChild(doc.createTextNode(certificatePem.replace(/-----[^-]+-----|\s+/g, '')));
    descriptor.insertBefore(key, keys[0] ?? descriptor.firstChild);
  }
  return new XMLSerializer().serializeToString(doc);
}

/**
 * Our SP metadata: the tenant's certificate for encryption and for the signatures of our logout
 * messages (and AuthnRequests when enabled), and Single Logout at `/slo` (Redirect and POST).
 */
export function spMetadataXml(sp: SpContext, tenant: Tenant, connection: SamlConnection): string {
  const saml = samlFor(sp, tenant, connection);
  const xml = saml.generateServiceProviderMetadata(
    connection.sp.certificate,
    connection.options.signAuthnRequests ? connection.sp.certificate : null,
  );
  return withSingleLogout(xml, spValues(sp.publicUrl, tenant.slug).sloUrl, connection.sp.certificate);
}
