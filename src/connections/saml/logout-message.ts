import { NS, elements, parseXml } from './xml.ts';
import type { XmlElement } from './xml.ts';
import { checkAlgorithms } from './checks.ts';
import { SignInRejected } from '../../signin/rejection.ts';
import { LogoutRejected } from './logout-rejection.ts';

/**
 * What we read of a logout message (SAML core §3.7), and the checks node-saml does not make on
 * it: Destination (bindings §3.4.5.2, §3.5.5.2: a signed message names where it was sent), one
 * ID in the document (the signed root is the element we read), Issuer, the time window.
 */
export interface Expected {
  readonly sloUrl: string;
  readonly idpEntityId: string;
  readonly skewMs: number;
  readonly allowSha1: boolean;
}

/** A message older than this (by IssueInstant) is refused when it carries no NotOnOrAfter. */
export const MAX_MESSAGE_AGE_MS = 10 * 60_000;

export interface LogoutRequestFacts {
  readonly id: string;
  /** Until when the ID is remembered against replay, epoch ms. */
  readonly expiresAt: number;
  readonly nameId: string;
  readonly sessionIndexes: readonly string[];
}

export interface LogoutResponseFacts {
  readonly inResponseTo: string | null;
  readonly status: string;
}

const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

function parse(xml: string): XmlElement {
  try {
    return parseXml(xml);
  } catch (err) {
    throw new LogoutRejected('malformed_request', err instanceof Error ? err.message : 'not XML');
  }
}

const children = (parent: XmlElement, ns: string, name: string): XmlElement[] =>
  elements(parent, ns, name).filter((el) => (el as unknown as { parentNode: unknown }).parentNode === parent);

function root(xml: string, name: 'LogoutRequest' | 'LogoutResponse', expected: Expected): XmlElement {
  const el = parse(xml);
  if (el.localName !== name || el.namespaceURI !== NS.samlp)
    throw new LogoutRejected('malformed_request', `the message is not a samlp:${name}`);
  const id = el.getAttribute('ID');
  if (!id || el.getAttribute('Version') !== '2.0')
    throw new LogoutRejected('malformed_request', 'the message has no ID or is not SAML 2.0');
  const sameId = elements(el, '*', '*').filter((e) =>
    ['ID', 'Id', 'id'].some((a) => e.getAttribute(a) === id),
  );
  if (sameId.length > 0)
    throw new LogoutRejected('invalid_signature', 'another element carries the message ID');
  const destination = el.getAttribute('Destination');
  if (destination !== expected.sloUrl)
    throw new LogoutRejected(
      'wrong_destination',
      `Destination is ${destination ?? 'absent'}, not our SLO URL`,
    );
  const issuers = children(el, NS.saml, 'Issuer');
  const issuer = issuers[0]?.textContent?.trim();
  if (issuers.length !== 1 || issuer !== expected.idpEntityId)
    throw new LogoutRejected('wrong_issuer', `issuer is ${issuer ?? 'absent'}`);
  try {
    checkAlgorithms(el, expected.allowSha1);
  } catch (err) {
    if (err instanceof SignInRejected) throw new LogoutRejected('weak_algorithm', err.message);
    throw err;
  }
  return el;
}

/** IssueInstant within the window, NotOnOrAfter (SAML core §3.7.1) not passed, both with skew. */
function timeWindow(el: XmlElement, expected: Expected, now = Date.now()): number {
  const issued = Date.parse(el.getAttribute('IssueInstant') ?? '');
  if (!Number.isFinite(issued)) throw new LogoutRejected('malformed_request', 'no IssueInstant');
  if (issued > now + expected.skewMs) throw new LogoutRejected('outside_time_window', 'issued in the future');
  const notOnOrAfterText = el.getAttribute('NotOnOrAfter');
  const notOnOrAfter = notOnOrAfterText ? Date.parse(notOnOrAfterText) : issued + MAX_MESSAGE_AGE_MS;
  if (!Number.isFinite(notOnOrAfter))
    throw new LogoutRejected('malformed_request', 'NotOnOrAfter is not a time');
  if (now >= notOnOrAfter + expected.skewMs || now >= issued + MAX_MESSAGE_AGE_MS + expected.skewMs)
    throw new LogoutRejected('outside_time_window', 'the logout request has expired');
  return Math.max(notOnOrAfter, issued + MAX_MESSAGE_AGE_MS) + expected.skewMs;
}

/** Read only once its signature verified (redirect-binding.ts, or node-saml for HTTP-POST). */
export function readLogoutRequest(xml: string, expected: Expected): LogoutRequestFacts {
  const el = root(xml, 'LogoutRequest', expected);
  const expiresAt = timeWindow(el, expected);
  if (children(el, NS.saml, 'EncryptedID').length > 0)
    throw new LogoutRejected('malformed_request', 'an encrypted NameID is not supported');
  const nameIds = children(el, NS.saml, 'NameID');
  const nameId = nameIds[0]?.textContent?.trim();
  if (nameIds.length !== 1 || !nameId) throw new LogoutRejected('malformed_request', 'no single NameID');
  return {
    id: el.getAttribute('ID') ?? '',
    expiresAt,
    nameId,
    sessionIndexes: children(el, NS.samlp, 'SessionIndex')
      .map((s) => s.textContent?.trim() ?? '')
      .filter(Boolean),
  };
}

export function readLogoutResponse(xml: string, expected: Expected): LogoutResponseFacts {
  const el = root(xml, 'LogoutResponse', expected);
  const status = elements(el, NS.samlp, 'StatusCode')[0]?.getAttribute('Value') ?? '';
  return { inResponseTo: el.getAttribute('InResponseTo'), status };
}

export const isSuccess = (facts: LogoutResponseFacts): boolean => facts.status === SUCCESS;

const escapeXml = (s: string): string =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

/** SAML core §3.7.3.2: Success, or Responder when ending the sessions failed. */
export type LogoutStatus = 'Success' | 'Responder';

/** Our LogoutResponse (node-saml offers only Success or Requester/UnknownPrincipal). */
export function logoutResponseXml(v: {
  readonly id: string;
  readonly inResponseTo: string;
  readonly destination: string;
  readonly issuer: string;
  readonly status: LogoutStatus;
}): string {
  return (
    `<samlp:LogoutResponse xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${escapeXml(v.id)}" Version="2.0"` +
    ` IssueInstant="${new Date().toISOString()}" Destination="${escapeXml(v.destination)}" InResponseTo="${escapeXml(v.inResponseTo)}">` +
    `<saml:Issuer>${escapeXml(v.issuer)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:${v.status}"/></samlp:Status>` +
    `</samlp:LogoutResponse>`
  );
}
