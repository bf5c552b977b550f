import { DOMParser } from '@xmldom/xmldom';
import { BadRequest, HttpError } from '../../platform/errors.ts';

export const NS = {
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
} as const;

/** The DOM types of @xmldom/xmldom, narrowed to what we read (our tsconfig has no DOM lib). */
export interface XmlElement {
  readonly localName: string | null;
  readonly namespaceURI: string | null;
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  getElementsByTagNameNS(ns: string, name: string): ArrayLike<XmlElement>;
}

/** XML we refuse to read (malformed, or with a DOCTYPE): the caller's input, a 400. */
export class XmlError extends HttpError {
  constructor(message: string) {
    super(400, 'invalid_xml', message);
  }
}

/**
 * Parses untrusted XML. A DOCTYPE is refused outright: SAML messages and metadata never need one,
 * and it is how entity-expansion and external-entity attacks start.
 */
export function parseXml(text: string): XmlElement {
  if (/<!DOCTYPE/i.test(text)) throw new XmlError('XML with a DOCTYPE is not accepted');
  // xmldom 0.8 throws a TypeError on empty input instead of reporting it.
  if (text.trim() === '') throw new XmlError('not well-formed XML: empty document');
  const problems: string[] = [];
  const doc = new DOMParser({
    errorHandler: {
      // xmldom only warns about some malformed input (unbalanced tags): untrusted XML gets no leniency.
      warning: (m: unknown) => problems.push(String(m)),
      error: (m: unknown) => problems.push(String(m)),
      fatalError: (m: unknown) => problems.push(String(m)),
    },
  }).parseFromString(text, 'text/xml');
  const root = doc.documentElement as unknown as XmlElement | null;
  if (problems.length > 0 || !root)
    throw new XmlError(`not well-formed XML${problems[0] ? `: ${problems[0].split('\n')[0]}` : ''}`);
  return root;
}

export const elements = (parent: XmlElement, ns: string, name: string): XmlElement[] =>
  Array.from(parent.getElementsByTagNameNS(ns, name));

/** Admin input: XML errors are 400s naming the problem. */
export function parseUpload(text: string): XmlElement {
  // The text was decoded leniently (express.text): U+FFFD stands where bytes were not UTF-8.
  if (text.includes('\uFFFD')) throw new BadRequest('the metadata is not valid UTF-8', 'invalid_metadata');
  try {
    return parseXml(text);
  } catch (err) {
    throw new BadRequest(err instanceof Error ? err.message : 'not XML', 'invalid_metadata');
  }
}
