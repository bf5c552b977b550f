import type { EphemeralStore, TenantId } from '../../storage/ports.ts';
import { newSecret } from '../../platform/ids.ts';
import { sha256Hex } from '../../platform/secrets.ts';

/** Who a page session belongs to: the operator, a tenant admin (by token), or a setup link's redeemer. */
export type UiPrincipal =
  | { readonly kind: 'operator'; readonly keyFingerprint: string }
  | {
      readonly kind: 'tenant_admin';
      readonly tenantId: TenantId;
      readonly slug: string;
      readonly tokenId: string;
    }
  | {
      readonly kind: 'setup_link';
      readonly tenantId: TenantId;
      readonly slug: string;
      readonly linkId: string;
    };

export interface UiSession {
  /** SHA-256 of the id in the cookie: the store never holds the cookie's value. */
  readonly key: string;
  readonly principal: UiPrincipal;
  /** The synchronizer token of this session's forms. */
  readonly csrf: string;
  readonly createdAt: number;
  /** The session ends at this time whatever its activity (absolute expiry). */
  readonly absoluteUntil: number;
  readonly lastSeenAt: number;
}

export interface UiSessionOptions {
  readonly ephemeral: EphemeralStore;
  readonly idleSeconds: number;
  readonly absoluteSeconds: number;
  readonly now?: () => number;
}

/** Activity is written back at most this often (a page load is a read otherwise). */
const TOUCH_MS = 60_000;
const ID = /^[A-Za-z0-9_-]{43}$/;
const keyOf = (id: string): string => `ui:session:${sha256Hex(id)}`;

/**
 * The admin page's sessions, server-side in the ephemeral store (docs/admin-ui.md#sessions): the
 * cookie carries a random 256-bit id, the store its hash. A session ends after `idleSeconds`
 * without a request, `absoluteSeconds` after sign-in, or at sign-out.
 */
export function createUiSessions(options: UiSessionOptions) {
  const { ephemeral, idleSeconds, absoluteSeconds } = options;
  const now = options.now ?? Date.now;

  /** Seconds the entry lives from `at`: the idle window, never past the absolute end. */
  const ttlAt = (s: UiSession, at: number): number =>
    Math.max(1, Math.ceil(Math.min(idleSeconds * 1000, s.absoluteUntil - at) / 1000));

  async function save(s: UiSession): Promise<void> {
    const { key, ...stored } = s;
    await ephemeral.put(key, JSON.stringify(stored), ttlAt(s, s.lastSeenAt));
  }

  return {
    idleSeconds,
    absoluteSeconds,

    /** A new session; returns the id for the cookie (shown nowhere else). */
    async start(principal: UiPrincipal): Promise<{ id: string; session: UiSession }> {
      const id = newSecret(32);
      const at = now();
      const session: UiSession = {
        key: keyOf(id),
        principal,
        csrf: newSecret(32),
        createdAt: at,
        absoluteUntil: at + absoluteSeconds * 1000,
        lastSeenAt: at,
      };
      await save(session);
      return { id, session };
    },

    /** The live session of a cookie value, its activity recorded; undefined when unknown or expired. */
    async load(id: string | undefined): Promise<UiSession | undefined> {
      if (!id || !ID.test(id)) return undefined;
      const key = keyOf(id);
      const raw = await ephemeral.get(key);
      if (raw === undefined) return undefined;
      const session = { ...(JSON.parse(raw) as Omit<UiSession, 'key'>), key };
      const at = now();
      // The store's TTL enforces both limits; checking here too keeps them exact to the millisecond.
      if (at >= session.absoluteUntil || at >= session.lastSeenAt + idleSeconds * 1000) {
        await ephemeral.delete(key);
        return undefined;
      }
      if (at - session.lastSeenAt < TOUCH_MS) return session;
      const touched = { ...session, lastSeenAt: at };
      await save(touched);
      return touched;
    },

    /**
     * True the first time a form's one-time value is posted in this session, false on a repeat (a
     * reload that resubmits): a token or link shown once is not minted twice.
     */
    async firstUse(session: Pick<UiSession, 'key'>, nonce: string): Promise<boolean> {
      if (!/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) return false;
      return ephemeral.putIfAbsent(`ui:once:${sha256Hex(`${session.key}:${nonce}`)}`, '1', idleSeconds);
    },

    async end(session: Pick<UiSession, 'key'>): Promise<void> {
      await ephemeral.delete(session.key);
    },
  };
}

export type UiSessions = ReturnType<typeof createUiSessions>;
