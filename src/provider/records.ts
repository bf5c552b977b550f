import type { EphemeralStore } from '../storage/ports.ts';

/**
 * Where the OpenID Provider's records live in the ephemeral store, and the two indexes that
 * oidc-provider itself does not keep: tokens by grant (for `revokeByGrantId`) and grants/sessions
 * by account (the provider never looks anything up by account, so SCIM deactivation needs it).
 */
export const recordKey = (model: string, id: string): string => `oidc:m:${model}:${id}`;
export const uidKey = (uid: string): string => `oidc:uid:${uid}`;
export const grantIndexPrefix = (grantId: string): string => `oidc:g:${grantId}:`;
export const grantIndexKey = (grantId: string, model: string, id: string): string =>
  `${grantIndexPrefix(grantId)}${model}:${id}`;
export const accountIndexPrefix = (accountId: string): string => `oidc:a:${accountId}:`;
export const accountIndexKey = (accountId: string, model: string, id: string): string =>
  `${accountIndexPrefix(accountId)}${model}:${id}`;

/** Splits `<prefix><model>:<id>` (ids never contain `:` in oidc-provider, models never do). */
function modelAndId(key: string, prefix: string): { model: string; id: string } | undefined {
  const rest = key.slice(prefix.length);
  const at = rest.indexOf(':');
  if (at <= 0) return undefined;
  return { model: rest.slice(0, at), id: rest.slice(at + 1) };
}

/** Deletes every token issued under `grantId` (access, refresh, authorization code…). */
export async function revokeGrant(store: EphemeralStore, grantId: string): Promise<void> {
  const prefix = grantIndexPrefix(grantId);
  for (const key of await store.keys(prefix)) {
    const entry = modelAndId(key, prefix);
    if (entry) await store.delete(recordKey(entry.model, entry.id));
    await store.delete(key);
  }
}

async function destroySession(store: EphemeralStore, id: string): Promise<void> {
  const raw = await store.get(recordKey('Session', id));
  if (raw) {
    const uid = (JSON.parse(raw) as { uid?: unknown }).uid;
    if (typeof uid === 'string') await store.delete(uidKey(uid));
  }
  await store.delete(recordKey('Session', id));
}

/** Ends every grant (and its tokens) and every browser session of an account. */
export async function revokeAccountRecords(store: EphemeralStore, accountId: string): Promise<number> {
  const prefix = accountIndexPrefix(accountId);
  let ended = 0;
  for (const key of await store.keys(prefix)) {
    const entry = modelAndId(key, prefix);
    if (entry?.model === 'Grant') {
      await revokeGrant(store, entry.id);
      await store.delete(recordKey('Grant', entry.id));
      ended += 1;
    } else if (entry?.model === 'Session') {
      await destroySession(store, entry.id);
      ended += 1;
    }
    await store.delete(key);
  }
  return ended;
}
