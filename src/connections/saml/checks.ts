import { NS, elements, parseXml } from './xml.ts';
import type { XmlElement } from './xml.ts';
import { SignInRejected } from '../../signin/rejection.ts';

/**
 * Checks node-saml leaves to us (docs/decisions/0023-saml-validation-strategy.md): it accepts SHA-1 and does not compare
 * Destination or the bearer SubjectConfirmation Recipient with our ACS URL.
 */
const STRONG =
  /^http:\/\/www\.w3\.org\/(2001\/04\/xmlenc#sha(256|512)|2001\/04\/xmldsig-more#(rsa-|ecdsa-)?sha(256|384|512)|2000\/09\/xmldsig#sha256|2009\/xmldsig11#dsa-sha256)$/;
const SHA1 = /^http:\/\/www\.w3\.org\/2000\/09\/xmldsig#(rsa-sha1|sha1|dsa-sha1)$/;

/**
 * SAML core §5.4.4: a SAML signature uses the enveloped-signature and exclusive canonicalization
 * transforms only. Anything else (an XPath or XSLT transform, XMLDSig §6.6.3–5) can make the
 * digest cover less than the element, or nothing at all; inclusive C14N is tolerated.
 */
const TRANSFORMS = new Set([
  'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  'http://www.w3.org/2001/10/xml-exc-c14n#',
  'http://www.w3.org/2001/10/xml-exc-c14n#WithComments',
  'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
]);

function checkTransforms(signedInfos: XmlElement[]): void {
  for (const transform of signedInfos.flatMap((si) => elements(si, NS.ds, 'Transform'))) {
    const algorithm = transform.getAttribute('Algorithm') ?? '';
    if (!TRANSFORMS.has(algorithm))
      throw new SignInRejected('invalid_signature', `signature transform ${algorithm} is not accepted`);
  }
}

export function checkAlgorithms(root: XmlElement, allowSha1: boolean): void {
  // Only signatures: an EncryptedKey's RSA-OAEP DigestMethod is SHA-1 by definition (XML Enc §5.4.2).
  const signedInfos = elements(root, NS.ds, 'SignedInfo');
  checkTransforms(signedInfos);
  const used = signedInfos
    .flatMap((si) => [...elements(si, NS.ds, 'SignatureMethod'), ...elements(si, NS.ds, 'DigestMethod')])
    .map((el) => el.getAttribute('Algorithm') ?? '');
  for (const algorithm of used) {
    if (STRONG.test(algorithm)) continue;
    if (SHA1.test(algorithm) && allowSha1) continue;
    throw new SignInRejected('weak_algorithm', `signature algorithm ${algorithm} is not accepted`);
  }
}

function parse(xml: string): XmlElement {
  try {
    return parseXml(xml);
  } catch (err) {
    throw new SignInRejected('malformed_response', err instanceof Error ? err.message : 'not XML');
  }
}

export interface ResponseFacts {
  readonly inResponseTo: string | null;
}

/** Before the signature check: shape, Destination, one assertion, algorithms. */
export function precheckResponse(
  xml: string,
  acsUrl: string,
  idpEntityId: string,
  allowSha1: boolean,
): ResponseFacts {
  const root = parse(xml);
  if (root.localName !== 'Response' || root.namespaceURI !== NS.samlp)
    throw new SignInRejected('malformed_response', 'the message is not a samlp:Response');
  // SAML bindings §3.5.5.2: a signed message over HTTP-POST carries Destination, equal to where it was sent.
  const destination = root.getAttribute('Destination');
  if (destination !== acsUrl)
    throw new SignInRejected(
      'wrong_destination',
      `Destination is ${destination ?? 'absent'}, not our ACS URL`,
    );
  // Signature wrapping: exactly one assertion anywhere in the message, so the one node-saml
  // verified is the one we read (SAML core §2.3.3 allows nesting in Advice; we refuse it).
  const count =
    elements(root, NS.saml, 'Assertion').length + elements(root, NS.saml, 'EncryptedAssertion').length;
  if (count !== 1)
    throw new SignInRejected('invalid_signature', `the response holds ${count} assertions, not one`);
  checkAlgorithms(root, allowSha1);
  const issuer = elements(root, NS.saml, 'Issuer')[0];
  if (issuer && issuer.textContent?.trim() !== idpEntityId)
    throw new SignInRejected('wrong_issuer', `response issuer is ${issuer.textContent ?? ''}`);
  return { inResponseTo: root.getAttribute('InResponseTo') };
}

export interface AssertionFacts {
  readonly id: string;
  /** Latest NotOnOrAfter of the assertion (Conditions or bearer confirmation), epoch ms. */
  readonly notOnOrAfter: number | null;
  readonly authnContext: string | null;
}

function bearerConfirmations(assertion: XmlElement): XmlElement[] {
  return elements(assertion, NS.saml, 'SubjectConfirmation')
    .filter((sc) => sc.getAttribute('Method') === 'urn:oasis:names:tc:SAML:2.0:cm:bearer')
    .flatMap((sc) => elements(sc, NS.saml, 'SubjectConfirmationData'));
}

/** After the signature check, on the verified (and decrypted) assertion. */
export function checkAssertion(
  assertionXml: string,
  acsUrl: string,
  idpEntityId: string,
  allowSha1: boolean,
): AssertionFacts {
  const assertion = parse(assertionXml);
  checkAlgorithms(assertion, allowSha1);
  // SAML profiles §4.1.4.2: the assertion's Issuer is the IdP. node-saml 5 checks `idpIssuer`
  // only on logout messages, so the login path is ours.
  const issuer = elements(assertion, NS.saml, 'Issuer')[0]?.textContent?.trim();
  if (issuer !== idpEntityId)
    throw new SignInRejected('wrong_issuer', `assertion issuer is ${issuer ?? 'absent'}`);
  // SAML profiles §4.1.4.2: a bearer SubjectConfirmationData MUST carry Recipient = the ACS URL.
  const confirmations = bearerConfirmations(assertion);
  if (confirmations.length === 0 || !confirmations.some((d) => d.getAttribute('Recipient') === acsUrl))
    throw new SignInRejected(
      'wrong_recipient',
      'no bearer SubjectConfirmation names our ACS URL as Recipient',
    );
  const id = assertion.getAttribute('ID');
  if (!id) throw new SignInRejected('malformed_response', 'the assertion has no ID');
  const times = [...elements(assertion, NS.saml, 'Conditions'), ...confirmations]
    .map((el) => Date.parse(el.getAttribute('NotOnOrAfter') ?? ''))
    .filter((t) => Number.isFinite(t));
  const classRef = elements(assertion, NS.saml, 'AuthnContextClassRef')[0]?.textContent?.trim() ?? null;
  return { id, notOnOrAfter: times.length > 0 ? Math.max(...times) : null, authnContext: classRef };
}

/** RFC 8176 `amr` values from the SAML authentication context class (SAML authn-context §3.4). */
export function amrOf(classRef: string | null): string[] {
  if (!classRef) return ['fed'];
  if (/MultiFactor|mfa|TimeSyncToken|Smartcard|X509/i.test(classRef)) return ['mfa'];
  if (/Password/i.test(classRef)) return ['pwd'];
  if (/Kerberos/i.test(classRef)) return ['wia'];
  return ['fed'];
}
