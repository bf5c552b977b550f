import { X509Certificate } from 'node:crypto';
import { BadRequest } from '../../platform/errors.ts';
import { NS, elements, parseUpload } from './xml.ts';
import type { XmlElement } from './xml.ts';

const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';

/** What we keep of an IdP's metadata (SAML metadata §2.4.3 IDPSSODescriptor). */
export interface IdpSettings {
  readonly entityId: string;
  readonly ssoUrls: { readonly redirect?: string; readonly post?: string };
  readonly sloUrl: string | null;
  /**
   * SingleLogoutService by binding, and where the HTTP-Redirect one takes responses
   * (`ResponseLocation`, else `Location`; SAML metadata §2.2.2). Absent on connections stored
   * before Single Logout: read again when the metadata is uploaded or refreshed.
   */
  readonly sloUrls?: {
    readonly redirect?: string;
    readonly post?: string;
    readonly redirectResponse?: string;
  };
  /** Every signing certificate, PEM: several during a rollover. */
  readonly certificates: readonly string[];
  readonly nameIdFormats: readonly string[];
}

export function toPem(base64: string): string {
  const body = base64.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${body.replace(/(.{64})/g, '$1\n').trim()}\n-----END CERTIFICATE-----\n`;
}

export function describeCertificate(pem: string): {
  subject: string;
  notAfter: string;
  fingerprint256: string;
} {
  const cert = new X509Certificate(pem);
  return {
    subject: cert.subject,
    notAfter: new Date(cert.validTo).toISOString(),
    fingerprint256: cert.fingerprint256,
  };
}

/** Whole days from `now` until `notAfter` (negative once expired). */
export function daysUntil(notAfter: string, now = Date.now()): number {
  return Math.floor((Date.parse(notAfter) - now) / 86_400_000);
}

function idpDescriptor(root: XmlElement): { entity: XmlElement; idp: XmlElement } {
  const entities = elements(root, NS.md, 'EntityDescriptor');
  if (root.localName === 'EntityDescriptor' && root.namespaceURI === NS.md) entities.unshift(root);
  const withIdp = entities
    .map((entity) => ({ entity, idp: elements(entity, NS.md, 'IDPSSODescriptor')[0] }))
    .filter((e): e is { entity: XmlElement; idp: XmlElement } => e.idp !== undefined);
  if (withIdp.length === 0)
    throw new BadRequest('metadata has no EntityDescriptor with an IDPSSODescriptor', 'invalid_metadata');
  if (withIdp.length > 1)
    throw new BadRequest(
      'metadata describes several IdPs; upload the one for this tenant',
      'invalid_metadata',
    );
  const [found] = withIdp as [{ entity: XmlElement; idp: XmlElement }];
  if (!(found.idp.getAttribute('protocolSupportEnumeration') ?? '').split(/\s+/).includes(PROTOCOL))
    throw new BadRequest('IDPSSODescriptor does not support the SAML 2.0 protocol', 'invalid_metadata');
  return found;
}

function signingCertificates(idp: XmlElement): string[] {
  const certs = elements(idp, NS.md, 'KeyDescriptor')
    // SAML metadata §2.4.1.1: a KeyDescriptor without `use` serves both signing and encryption.
    .filter((kd) => (kd.getAttribute('use') ?? 'signing') === 'signing')
    .flatMap((kd) => elements(kd, NS.ds, 'X509Certificate'))
    .map((el) => toPem(el.textContent ?? ''));
  for (const pem of certs) {
    try {
      describeCertificate(pem);
    } catch {
      throw new BadRequest(
        'metadata holds a signing certificate that does not parse as X.509',
        'invalid_metadata',
      );
    }
  }
  return [...new Set(certs)];
}

function serviceUrl(
  idp: XmlElement,
  name: string,
  binding: string,
  attribute: 'Location' | 'ResponseLocation' = 'Location',
): string | undefined {
  const found = elements(idp, NS.md, name).find((el) => el.getAttribute('Binding') === binding);
  const location = found?.getAttribute(attribute) ?? undefined;
  return location && /^https?:\/\//.test(location) ? location : undefined;
}

function sloUrls(idp: XmlElement): NonNullable<IdpSettings['sloUrls']> {
  const redirect = serviceUrl(idp, 'SingleLogoutService', BINDING_REDIRECT);
  const post = serviceUrl(idp, 'SingleLogoutService', BINDING_POST);
  const response = serviceUrl(idp, 'SingleLogoutService', BINDING_REDIRECT, 'ResponseLocation') ?? redirect;
  return {
    ...(redirect ? { redirect } : {}),
    ...(post ? { post } : {}),
    ...(response ? { redirectResponse: response } : {}),
  };
}

/** Parses IdP metadata and names what is missing. */
export function parseIdpMetadata(xml: string): IdpSettings {
  const { entity, idp } = idpDescriptor(parseUpload(xml));
  const entityId = entity.getAttribute('entityID');
  if (!entityId) throw new BadRequest('EntityDescriptor has no entityID', 'invalid_metadata');
  const certificates = signingCertificates(idp);
  if (certificates.length === 0)
    throw new BadRequest(
      'metadata has no signing certificate (KeyDescriptor use="signing" with an X509Certificate)',
      'invalid_metadata',
    );
  const redirect = serviceUrl(idp, 'SingleSignOnService', BINDING_REDIRECT);
  const post = serviceUrl(idp, 'SingleSignOnService', BINDING_POST);
  if (!redirect)
    throw new BadRequest(
      'metadata has no SingleSignOnService with the HTTP-Redirect binding (we send AuthnRequests over HTTP-Redirect)',
      'invalid_metadata',
    );
  return {
    entityId,
    ssoUrls: { redirect, ...(post ? { post } : {}) },
    sloUrl:
      serviceUrl(idp, 'SingleLogoutService', BINDING_REDIRECT) ??
      serviceUrl(idp, 'SingleLogoutService', BINDING_POST) ??
      null,
    sloUrls: sloUrls(idp),
    certificates,
    nameIdFormats: elements(idp, NS.md, 'NameIDFormat')
      .map((el) => (el.textContent ?? '').trim())
      .filter(Boolean),
  };
}
