import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';
import type { ClientStore, EphemeralStore } from '../storage/ports.ts';
import type { SecretBox } from '../platform/secrets.ts';
import { accountIndexKey, grantIndexKey, recordKey, revokeGrant, uidKey } from './records.ts';

/** Models whose records are tokens of a grant (revoked together by `revokeByGrantId`). */
const GRANT_BOUND = new Set([
  'AccessToken',
  'RefreshToken',
  'AuthorizationCode',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);
/** Models indexed by account, for revocation when SCIM deactivates or deletes the account. */
const ACCOUNT_BOUND = new Set(['Grant', 'Session']);

/** Encryption context of a client secret: a sealed secret moved to another client does not decrypt. */
export const clientSecretContext = (clientId: string): string => `oauth-client:${clientId}`;

function parsePayload(raw: string | undefined): AdapterPayload | undefined {
  if (raw === undefined) return undefined;
  const parsed: unknown = JSON.parse(raw);
  return typeof parsed === 'object' && parsed !== null ? (parsed as AdapterPayload) : undefined;
}

/** A TTL of 0 or less means "already expired" to the provider; null keeps the entry. */
const ttlOf = (expiresIn: number | undefined): number | null =>
  expiresIn === undefined ? null : Math.max(1, Math.ceil(expiresIn));

function clientAdapter(clients: ClientStore, secrets: SecretBox): Adapter {
  const unsupported = async (): Promise<never> => {
    throw new Error('clients are managed through /admin/clients');
  };
  return {
    async find(id) {
      const client = await clients.get(id);
      if (!client) return undefined;
      const { client_secret: sealed, ...metadata } = client.metadata;
      // oidc-provider compares the secret in plain: it is decrypted only here, per request.
      const secret =
        typeof sealed === 'string' ? secrets.decrypt(sealed, clientSecretContext(id)) : undefined;
      return { ...metadata, client_id: id, ...(secret ? { client_secret: secret } : {}) };
    },
    upsert: unsupported,
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
    consume: unsupported,
    destroy: unsupported,
    revokeByGrantId: async () => undefined,
  };
}

function modelAdapter(name: string, store: EphemeralStore): Adapter {
  const key = (id: string): string => recordKey(name, id);
  return {
    async upsert(id, payload, expiresIn) {
      const ttl = ttlOf(expiresIn);
      await store.put(key(id), JSON.stringify(payload), ttl);
      if (GRANT_BOUND.has(name) && payload.grantId)
        await store.put(grantIndexKey(payload.grantId, name, id), '', ttl);
      if (ACCOUNT_BOUND.has(name) && payload.accountId)
        await store.put(accountIndexKey(payload.accountId, name, id), '', ttl);
      if (name === 'Session' && payload.uid) await store.put(uidKey(payload.uid), id, ttl);
    },
    find: async (id) => parsePayload(await store.get(key(id))),
    async findByUid(uid) {
      const id = await store.get(uidKey(uid));
      return id === undefined ? undefined : parsePayload(await store.get(key(id)));
    },
    findByUserCode: async () => undefined,
    async consume(id) {
      // Mark consumed rather than delete: the provider detects code/refresh-token reuse from it
      // and revokes the whole grant (RFC 6749 §4.1.2, OAuth 2.0 Security BCP §4.14).
      const payload = parsePayload(await store.get(key(id)));
      if (!payload) return;
      const remaining =
        typeof payload.exp === 'number' ? payload.exp - Math.floor(Date.now() / 1000) : undefined;
      await store.put(
        key(id),
        JSON.stringify({ ...payload, consumed: Math.floor(Date.now() / 1000) }),
        ttlOf(remaining),
      );
    },
    destroy: async (id) => store.delete(key(id)),
    revokeByGrantId: async (grantId) => revokeGrant(store, grantId),
  };
}

/** oidc-provider's storage on our ephemeral store (works on every storage adapter), clients on ours. */
export function createAdapterFactory(
  store: EphemeralStore,
  clients: ClientStore,
  secrets: SecretBox,
): AdapterFactory {
  return (name: string): Adapter =>
    name === 'Client' ? clientAdapter(clients, secrets) : modelAdapter(name, store);
}
