import type { ApiToken, Storage, Tenant, TokenKind } from '../storage/ports.ts';
import { newSecret } from '../platform/ids.ts';
import { safeEqual, sha256Hex } from '../platform/secrets.ts';
import { Unauthorized } from '../platform/errors.ts';

/** Prefixes make leaked tokens recognisable to secret scanners. */
const PREFIX: Record<TokenKind, string> = { scim: 'tgs_', admin: 'tga_' };

/** A fresh bearer token of 256 random bits, and the hash we store. */
export function mintToken(kind: TokenKind): { token: string; hash: string } {
  const token = `${PREFIX[kind]}${newSecret(32)}`;
  return { token, hash: sha256Hex(token) };
}

// Recording lastUsedAt on every request would turn each read into a write; once a minute per
// token is enough for "when was this last used".
const TOUCH_INTERVAL_MS = 60_000;

export interface TokenAuthenticator {
  /** The live token of `kind` and its tenant, or Unauthorized. `slug` must match the token's tenant. */
  authenticate(
    kind: TokenKind,
    bearer: string | undefined,
    slug?: string,
  ): Promise<{ token: ApiToken; tenant: Tenant }>;
  /** Drops every cached authentication (after a token is revoked or a tenant changes). */
  forgetAll(): void;
}

/**
 * How long a successful authentication is reused. A SCIM client sends bursts of requests with one
 * token; looking the token and its tenant up for each costs two queries. Revocation, tenant
 * suspension and deletion clear this process's cache at once (`forgetAll`); another process
 * sharing the store (MongoDB deployments) honours them within this many milliseconds.
 */
export const AUTH_CACHE_MS = 1000;
const AUTH_CACHE_MAX = 10_000;

interface Cached {
  readonly token: ApiToken;
  readonly tenant: Tenant;
  readonly until: number;
}

export function createTokenAuthenticator(storage: Storage): TokenAuthenticator {
  const lastTouched = new Map<string, number>();

  function touch(token: ApiToken): void {
    const now = Date.now();
    const previous = lastTouched.get(token.id) ?? (token.lastUsedAt ? Date.parse(token.lastUsedAt) : 0);
    if (now - previous < TOUCH_INTERVAL_MS) return;
    lastTouched.set(token.id, now);
    // Best effort and off the request path: a failed touch must not fail the request.
    storage.tokens
      .touch(token.tenantId, token.id, new Date(now).toISOString())
      .catch(() => lastTouched.delete(token.id));
  }

  const cache = new Map<string, Cached>();

  async function lookUp(hash: string): Promise<Cached> {
    const hit = cache.get(hash);
    if (hit && hit.until > Date.now()) return hit;
    const token = await storage.tokens.findByHash(hash);
    // The lookup is by hash; comparing again in constant time costs nothing and keeps the
    // check independent of how the store compares strings.
    if (!token || !safeEqual(token.hash, hash)) throw new Unauthorized('a valid bearer token is required');
    const tenant = await storage.tenants.get(token.tenantId);
    if (!tenant) throw new Unauthorized('a valid bearer token is required');
    if (cache.size >= AUTH_CACHE_MAX) cache.clear();
    const fresh = { token, tenant, until: Date.now() + AUTH_CACHE_MS };
    cache.set(hash, fresh);
    return fresh;
  }

  return {
    async authenticate(kind, bearer, slug) {
      if (!bearer || !bearer.startsWith(PREFIX[kind]))
        throw new Unauthorized('a valid bearer token is required');
      const { token, tenant } = await lookUp(sha256Hex(bearer));
      // A token of another kind or another tenant is a 401 too: it proves nothing here.
      if (token.kind !== kind || (slug !== undefined && tenant.slug !== slug))
        throw new Unauthorized('a valid bearer token is required');
      touch(token);
      return { token, tenant };
    },
    forgetAll() {
      cache.clear();
    },
  };
}
