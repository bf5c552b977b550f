import { sign, verify } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { decodeUtf8 } from '../../platform/http/json.ts';
import { LogoutRejected } from './logout-rejection.ts';

/**
 * The HTTP-Redirect binding (SAML bindings §3.4) for logout messages, both ways. node-saml's
 * own check accepts a message without any signature and SHA-1 signatures, so the detached
 * signature is checked here: required, over the parameters exactly as they arrived (§3.4.4.1).
 */
const RSA = 'http://www.w3.org/2001/04/xmldsig-more#rsa-';
const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const HASHES: Readonly<Record<string, string>> = {
  [`${RSA}sha256`]: 'sha256',
  [`${RSA}sha384`]: 'sha384',
  [`${RSA}sha512`]: 'sha512',
  [RSA_SHA1]: 'sha1',
};
export const SIG_ALG_RSA_SHA256 = `${RSA}sha256`;

/** A deflated message larger than this is refused (a logout message is a few hundred bytes). */
const MAX_INFLATED = 64 * 1024;

export type RedirectParam = 'SAMLRequest' | 'SAMLResponse';

export interface RedirectMessage {
  readonly xml: string;
  readonly relayState: string | undefined;
}

function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw new LogoutRejected('malformed_request', 'the query is not URL-encoded');
  }
}

/** The raw (still URL-encoded) value of `key`; a repeated key is refused rather than guessed at. */
function rawParam(tokens: readonly string[], key: string): string | undefined {
  const found = tokens.filter((t) => t.startsWith(`${key}=`));
  if (found.length > 1) throw new LogoutRejected('malformed_request', `${key} appears more than once`);
  return found[0]?.slice(key.length + 1);
}

function inflate(base64: string): string {
  try {
    return decodeUtf8(inflateRawSync(Buffer.from(base64, 'base64'), { maxOutputLength: MAX_INFLATED }));
  } catch {
    throw new LogoutRejected('malformed_request', 'the message is not DEFLATE-encoded UTF-8 XML');
  }
}

/** Verifies the detached signature against any of `certificates`, then inflates the message. */
export function verifyRedirect(
  rawQuery: string,
  param: RedirectParam,
  certificates: readonly string[],
  allowSha1: boolean,
): RedirectMessage {
  const tokens = rawQuery.split('&');
  const message = rawParam(tokens, param);
  if (!message) throw new LogoutRejected('malformed_request', `no ${param}`);
  const xml = inflate(decodeComponent(message));
  const relayState = rawParam(tokens, 'RelayState');
  const sigAlg = rawParam(tokens, 'SigAlg');
  const signature = rawParam(tokens, 'Signature');
  if (!sigAlg || !signature)
    throw new LogoutRejected('invalid_signature', 'the message is not signed (no SigAlg and Signature)');
  const algorithm = decodeComponent(sigAlg);
  const hash = HASHES[algorithm];
  if (!hash || (hash === 'sha1' && !allowSha1))
    throw new LogoutRejected('weak_algorithm', `signature algorithm ${algorithm} is not accepted`);
  const signed = Buffer.from(
    `${param}=${message}${relayState !== undefined ? `&RelayState=${relayState}` : ''}&SigAlg=${sigAlg}`,
  );
  const bytes = Buffer.from(decodeComponent(signature), 'base64');
  const valid = certificates.some((pem) => {
    try {
      return verify(hash, signed, pem, bytes);
    } catch {
      return false;
    }
  });
  if (!valid) throw new LogoutRejected('invalid_signature', 'the query signature does not verify');
  return {
    xml,
    relayState: relayState === undefined ? undefined : decodeComponent(relayState),
  };
}

/** `target?param=…&RelayState=…&SigAlg=…&Signature=…`, signed RSA-SHA256 with the SP key. */
export function signedRedirectUrl(
  target: string,
  param: RedirectParam,
  xml: string,
  relayState: string | undefined,
  privateKeyPem: string,
): string {
  const parts = [
    `${param}=${encodeURIComponent(deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64'))}`,
  ];
  if (relayState) parts.push(`RelayState=${encodeURIComponent(relayState)}`);
  parts.push(`SigAlg=${encodeURIComponent(SIG_ALG_RSA_SHA256)}`);
  const octets = parts.join('&');
  const signature = sign('sha256', Buffer.from(octets), privateKeyPem).toString('base64');
  return `${target}${target.includes('?') ? '&' : '?'}${octets}&Signature=${encodeURIComponent(signature)}`;
}
