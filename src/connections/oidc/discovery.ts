import * as client from 'openid-client';
import { BadRequest } from '../../platform/errors.ts';
import { describeClientError } from './client-errors.ts';
import type { OidcServer } from './connection.ts';
import { IssuerUrlRefused, checkIdpUrl, createGuardedFetch } from './guarded-fetch.ts';

/** A tenant-specific Entra ID v2.0 issuer; the GUID must come back as the ID token's `tid`. */
const ENTRA_ISSUER =
  /^https:\/\/login\.microsoftonline\.com\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/v2\.0$/i;
const ENTRA_HOST = 'login.microsoftonline.com';

export const entraTenantOf = (issuer: string): string | undefined =>
  ENTRA_ISSUER.exec(issuer)?.[1]?.toLowerCase();

export const isGoogle = (issuer: string): boolean => issuer === 'https://accounts.google.com';

const refused = (message: string) => new BadRequest(message, 'issuer_refused');
const failed = (message: string) => new BadRequest(message, 'oidc_discovery_failed');

function checkIssuer(issuer: string, allowInsecure: boolean): URL {
  let url: URL;
  try {
    url = checkIdpUrl(issuer, allowInsecure);
  } catch (err) {
    throw refused(`issuer: ${(err as Error).message}`);
  }
  // OIDC Discovery §4.3: the document must name this exact issuer; Entra's multi-tenant
  // endpoints (common, organizations) name a template instead, so one tenant's GUID is required.
  if (url.hostname === ENTRA_HOST && !entraTenantOf(issuer))
    throw refused(
      'issuer: use the Entra ID tenant-specific issuer https://login.microsoftonline.com/{tenant id}/v2.0',
    );
  return url;
}

const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;

/** Runs OIDC Discovery for `issuer` and keeps what sign-in needs; every failure is a clear 400. */
export async function discoverServer(issuer: string, allowInsecure: boolean): Promise<OidcServer> {
  const url = checkIssuer(issuer, allowInsecure);
  let config: client.Configuration;
  try {
    config = await client.discovery(url, 'discovery', undefined, undefined, {
      // Only with TRUSTGATE_ALLOW_INSECURE_IDP (development and tests: http issuers).
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      execute: allowInsecure ? [client.allowInsecureRequests] : [],
      [client.customFetch]: createGuardedFetch(allowInsecure),
      timeout: 5,
    });
  } catch (err) {
    if (err instanceof IssuerUrlRefused || (err as { code?: unknown }).code === 'metadata_url_refused')
      throw refused(`issuer: ${(err as Error).message}`);
    const { code, detail } = describeClientError(err);
    if (code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED' || /issuer/.test(detail))
      throw failed(`the discovery document at ${issuer} names another issuer (${detail})`);
    throw failed(`OpenID Connect discovery at ${issuer} failed: ${detail}`);
  }
  const m = config.serverMetadata();
  if (!m.authorization_endpoint || !m.token_endpoint || !m.jwks_uri)
    throw failed('the discovery document lacks authorization_endpoint, token_endpoint or jwks_uri');
  const pkce = strings(m.code_challenge_methods_supported);
  if (pkce && !pkce.includes('S256')) throw failed('the IdP does not support PKCE with S256 (RFC 7636)');
  for (const endpoint of [m.authorization_endpoint, m.token_endpoint, m.jwks_uri, m.userinfo_endpoint])
    if (endpoint)
      try {
        checkIdpUrl(endpoint, allowInsecure);
      } catch (err) {
        throw refused(`discovery document: ${(err as Error).message}`);
      }
  return {
    issuer: m.issuer,
    authorization_endpoint: m.authorization_endpoint,
    token_endpoint: m.token_endpoint,
    userinfo_endpoint: m.userinfo_endpoint,
    jwks_uri: m.jwks_uri,
    id_token_signing_alg_values_supported: strings(m.id_token_signing_alg_values_supported),
    token_endpoint_auth_methods_supported: strings(m.token_endpoint_auth_methods_supported),
    code_challenge_methods_supported: pkce,
  };
}
