import { InternalError } from './errors.ts';
import { createCipheriv, createDecipheriv, hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Secrets at rest: AES-256-GCM under the master key. Each ciphertext names the key that made it
 * (`v1.<keyId>.<iv>.<ciphertext+tag>`, base64url), so a new master key can be introduced while
 * the previous ones still decrypt (TRUSTGATE_PREVIOUS_MASTER_KEYS), and records can be
 * re-encrypted at leisure.
 */
export interface SecretBox {
  /** Id of the key that encrypts new secrets. */
  readonly keyId: string;
  encrypt(plain: string, context?: string): string;
  decrypt(sealed: string, context?: string): string;
  /** True when `sealed` was made with an older key and should be re-encrypted. */
  isStale(sealed: string): boolean;
}

/** A sealed secret that does not open (wrong or missing master key, tampered ciphertext): ours, a 500. */
export class SecretDecryptionError extends InternalError {
  constructor(message: string) {
    super('secret_undecryptable', message);
  }
}

/** The first 8 hex digits of SHA-256 of the key: names a key without revealing it. */
export function keyIdOf(key: Buffer): string {
  return hash('sha256', key, 'hex').slice(0, 8);
}

export function createSecretBox(current: Buffer, previous: readonly Buffer[] = []): SecretBox {
  if (current.length !== 32) throw new Error('the master key must be 32 bytes');
  const keys = new Map<string, Buffer>();
  for (const key of [current, ...previous]) keys.set(keyIdOf(key), key);
  const keyId = keyIdOf(current);

  return {
    keyId,
    encrypt(plain, context = '') {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      // The context (e.g. "tenant:<id>:oidc") is bound as additional data: a ciphertext moved to
      // another record does not decrypt.
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `v1.${keyId}.${iv.toString('base64url')}.${body.toString('base64url')}`;
    },
    decrypt(sealed, context = '') {
      const [version, id, ivText, bodyText] = sealed.split('.');
      if (version !== 'v1' || !id || !ivText || !bodyText)
        throw new SecretDecryptionError('not a sealed secret');
      const key = keys.get(id);
      if (!key) throw new SecretDecryptionError(`sealed with unknown master key ${id}`);
      const body = Buffer.from(bodyText, 'base64url');
      if (body.length < 16) throw new SecretDecryptionError('sealed secret is truncated');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ivText, 'base64url'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(body.subarray(body.length - 16));
      try {
        return Buffer.concat([
          decipher.update(body.subarray(0, body.length - 16)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new SecretDecryptionError('sealed secret failed authentication');
      }
    },
    isStale(sealed) {
      return sealed.split('.')[1] !== keyId;
    },
  };
}

/** Hex SHA-256: how bearer tokens are stored and looked up (they carry 256 bits of entropy). */
export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}

/** Constant-time equality of two strings (compares their SHA-256 so lengths do not leak). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(hash('sha256', a, 'buffer'), hash('sha256', b, 'buffer'));
}
