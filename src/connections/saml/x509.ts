import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

/**
 * A minimal self-signed X.509 v3 certificate (RFC 5280 §4.1) for a tenant's SP key: IdPs take
 * our encryption/signing key only as a certificate in SP metadata, and node:crypto can parse
 * certificates but not make them. DER by hand: SEQUENCE, INTEGER, OID, names, validity, SPKI.
 */
function tlv(tag: number, body: Buffer): Buffer {
  const len = body.length;
  if (len < 0x80) return Buffer.concat([Buffer.from([tag, len]), body]);
  const bytes: number[] = [];
  for (let n = len; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Buffer.concat([Buffer.from([tag, 0x80 | bytes.length, ...bytes]), body]);
}
const seq = (...parts: Buffer[]): Buffer => tlv(0x30, Buffer.concat(parts));
// AlgorithmIdentifier { 1.2.840.113549.1.1.11 sha256WithRSAEncryption, NULL }
const SHA256_WITH_RSA = Buffer.from('300d06092a864886f70d01010b0500', 'hex');
const COMMON_NAME = Buffer.from('0603550403', 'hex'); // 2.5.4.3

function name(cn: string): Buffer {
  return seq(tlv(0x31, seq(COMMON_NAME, tlv(0x0c, Buffer.from(cn, 'utf8')))));
}

/** GeneralizedTime (RFC 5280 §4.1.2.5.2): YYYYMMDDHHMMSSZ. */
function time(at: Date): Buffer {
  return tlv(0x18, Buffer.from(at.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z', 'ascii'));
}

function serial(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // positive INTEGER
  return tlv(0x02, bytes);
}

export interface KeyAndCertificate {
  readonly privateKeyPem: string;
  readonly certificatePem: string;
}

export function selfSignedCertificate(commonName: string, days = 3650): KeyAndCertificate {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const now = new Date();
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // [0] version v3
    serial(),
    SHA256_WITH_RSA,
    name(commonName),
    seq(time(new Date(now.getTime() - 60_000)), time(new Date(now.getTime() + days * 86_400_000))),
    name(commonName),
    spki,
  );
  const signature = sign('sha256', tbs, privateKey);
  const cert = seq(tbs, SHA256_WITH_RSA, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const b64 = cert
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trim();
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    certificatePem: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
  };
}

/** For tests and sanity checks: the key in `pem` parses. */
export const parsesAsKey = (pem: string): boolean => createPrivateKey(pem).asymmetricKeyType === 'rsa';
