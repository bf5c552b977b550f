import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import type { EphemeralStore } from '../storage/ports.ts';
import type { SecretBox } from '../platform/secrets.ts';

/**
 * The provider's signing keys and cookie keys: generated on first start, kept sealed under the
 * master key in the ephemeral store with no expiry. The first signing key signs; the others are
 * only published in `/oauth/jwks` (see docs/decisions/0022-signing-key-rotation.md).
 */
const SIGNING_KEY = 'oidc:keys:signing';
const COOKIE_KEY = 'oidc:keys:cookies';

/** The ephemeral records holding sealed key sets (each sealed under its own key name as context). */
export const SEALED_KEY_RECORDS = { signing: SIGNING_KEY, cookies: COOKIE_KEY } as const;

export type SigningJwk = JsonWebKey & { kid: string; alg: 'ES256'; use: 'sig' };

export function newSigningKey(): SigningJwk {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'ES256', use: 'sig' };
}

async function loadOrCreate<T>(
  store: EphemeralStore,
  secrets: SecretBox,
  key: string,
  create: () => T,
): Promise<T> {
  // putIfAbsent: two instances starting together agree on one key set.
  await store.putIfAbsent(key, secrets.encrypt(JSON.stringify(create()), key), null);
  const sealed = await store.get(key);
  if (sealed === undefined) throw new Error(`${key} vanished from the store`);
  return JSON.parse(secrets.decrypt(sealed, key)) as T;
}

export async function loadSigningKeys(store: EphemeralStore, secrets: SecretBox): Promise<SigningJwk[]> {
  return loadOrCreate(store, secrets, SIGNING_KEY, () => [newSigningKey()]);
}

export async function loadCookieKeys(store: EphemeralStore, secrets: SecretBox): Promise<string[]> {
  return loadOrCreate(store, secrets, COOKIE_KEY, () => [randomBytes(32).toString('base64url')]);
}

async function saveSigningKeys(store: EphemeralStore, secrets: SecretBox, keys: SigningJwk[]): Promise<void> {
  await store.put(SIGNING_KEY, secrets.encrypt(JSON.stringify(keys), SIGNING_KEY), null);
}

/**
 * Rotation, step 1: publish a new key (it does not sign yet). Restart every instance, wait longer
 * than relying parties cache the JWKS, then `promoteSigningKey`. Returns the new key id.
 */
export async function addSigningKey(store: EphemeralStore, secrets: SecretBox): Promise<string> {
  const keys = await loadSigningKeys(store, secrets);
  const fresh = newSigningKey();
  await saveSigningKeys(store, secrets, [...keys, fresh]);
  return fresh.kid;
}

/** Rotation, step 2: `kid` signs from the next start; keys older than `keep` are dropped. */
export async function promoteSigningKey(
  store: EphemeralStore,
  secrets: SecretBox,
  kid: string,
  keep = 2,
): Promise<void> {
  const keys = await loadSigningKeys(store, secrets);
  const chosen = keys.find((k) => k.kid === kid);
  if (!chosen) throw new Error(`no signing key ${kid}`);
  await saveSigningKeys(store, secrets, [chosen, ...keys.filter((k) => k.kid !== kid)].slice(0, keep));
}
