import { compactVerify, createLocalJWKSet, decodeProtectedHeader, errors } from 'jose';
import type { JSONWebKeySet } from 'jose';
import { SignInRejected } from '../../signin/rejection.ts';
import type { GuardedFetch } from './guarded-fetch.ts';

/** Asymmetric JWS algorithms only (RFC 7518 §3.1, RFC 8037): never `none`, never HMAC. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** How long a fetched key set is used before it is fetched again. */
const MAX_AGE_MS = 5 * 60_000;
const MAX_ENTRIES = 1000;

interface Cached {
  readonly jwks: JSONWebKeySet;
  readonly at: number;
}

export type IdTokenSignatureCheck = (idToken: string, jwksUri: string) => Promise<void>;

const badSignature = (detail: string) => new SignInRejected('invalid_signature', detail);

/**
 * Verifies an ID token's signature against the IdP's `jwks_uri` (OIDC Core §3.1.3.7 step 6,
 * §10.1.1). Key sets are cached for 5 minutes; a token whose `kid` is not in the cached set
 * fetches the set again once, so a rotation at the IdP is picked up at the next sign-in.
 */
export function createIdTokenSignatureCheck(fetch: GuardedFetch): IdTokenSignatureCheck {
  const cache = new Map<string, Cached>();

  async function load(uri: string): Promise<Cached> {
    let body: unknown;
    try {
      const res = await fetch(uri, { headers: { accept: 'application/json, application/jwk-set+json' } });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      body = await res.json();
    } catch (err) {
      throw new SignInRejected('idp_unreachable', `jwks_uri ${uri}: ${(err as Error).message}`);
    }
    const keys = (body as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys)) throw badSignature(`jwks_uri ${uri} is not a JWK Set`);
    if (cache.size >= MAX_ENTRIES) cache.clear();
    const jwks: JSONWebKeySet = {
      keys: keys.filter((k): k is JSONWebKeySet['keys'][number] => typeof k === 'object' && k !== null),
    };
    const entry = { jwks, at: Date.now() };
    cache.set(uri, entry);
    return entry;
  }

  async function verify(idToken: string, jwks: JSONWebKeySet): Promise<void> {
    await compactVerify(idToken, createLocalJWKSet(jwks), { algorithms: ALGORITHMS });
  }

  return async (idToken, uri) => {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(idToken).alg;
    } catch {
      throw badSignature('the ID token header is not readable');
    }
    if (typeof alg !== 'string' || !ALGORITHMS.includes(alg))
      throw new SignInRejected('weak_algorithm', `ID token signed with ${String(alg)}`);
    const cached = cache.get(uri);
    const fresh = cached && Date.now() - cached.at < MAX_AGE_MS ? cached : undefined;
    try {
      await verify(idToken, (fresh ?? (await load(uri))).jwks);
    } catch (err) {
      if (err instanceof SignInRejected) throw err;
      // A key the cached set lacks: the IdP may have rotated since we fetched it.
      if (
        fresh &&
        (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys)
      )
        try {
          await verify(idToken, (await load(uri)).jwks);
          return;
        } catch (retry) {
          if (retry instanceof SignInRejected) throw retry;
          throw badSignature(`ID token signature: ${(retry as Error).message}`);
        }
      throw badSignature(`ID token signature: ${(err as Error).message}`);
    }
  };
}
