import * as client from 'openid-client';
import type { Account, Tenant } from '../../storage/ports.ts';
import type { SecretBox } from '../../platform/secrets.ts';
import type { AuditContext } from '../../audit/events.ts';
import type { PendingRequest } from '../../signin/login-state.ts';
import type { LoginProfile } from '../../signin/linking.ts';
import type { SignIn } from '../../signin/service.ts';
import { SignInRejected } from '../../signin/rejection.ts';
import type { RejectionCode } from '../../signin/rejection.ts';
import { amrOf, needsUserinfo, profileOf } from './claims.ts';
import type { Claims } from './claims.ts';
import { describeClientError, failedClaim } from './client-errors.ts';
import { clientSecretContext, rpValues } from './connection.ts';
import type { OidcConnection } from './connection.ts';
import type { GuardedFetch } from './guarded-fetch.ts';
import type { IdTokenSignatureCheck } from './signature.ts';

export interface OidcFlowDeps {
  readonly publicUrl: string;
  readonly allowInsecureIdp: boolean;
  readonly secrets: SecretBox;
  readonly signIn: SignIn;
  readonly fetch: GuardedFetch;
  readonly verifySignature: IdTokenSignatureCheck;
}

/** openid-client's view of the tenant's IdP, built from the discovery kept at save time (no I/O). */
export function configurationFor(
  deps: OidcFlowDeps,
  tenant: Tenant,
  c: OidcConnection,
): client.Configuration {
  const secret = deps.secrets.decrypt(c.clientSecretSealed, clientSecretContext(tenant));
  const methods = c.server.token_endpoint_auth_methods_supported;
  // RFC 8414 §2: client_secret_basic is the default when the IdP lists no methods.
  const auth =
    !methods || methods.includes('client_secret_basic')
      ? client.ClientSecretBasic(secret)
      : client.ClientSecretPost(secret);
  const config = new client.Configuration(
    c.server as client.ServerMetadata,
    c.clientId,
    { client_secret: secret },
    auth,
  );
  config[client.customFetch] = deps.fetch;
  config.timeout = 5;
  // Only with TRUSTGATE_ALLOW_INSECURE_IDP (development and tests: http issuers).
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  if (deps.allowInsecureIdp) client.allowInsecureRequests(config);
  return config;
}

/** Who the sign-in is for: a product app's interaction (`uid`), or an admin's test sign-in. */
export type Requester =
  | { readonly uid: string | null; readonly loginHint?: string | undefined }
  | { readonly test: NonNullable<PendingRequest['test']> };

/** The authorization request (OIDC Core §3.1.2.1): code flow, PKCE S256, state and nonce kept once. */
export async function authorizationUrl(
  deps: OidcFlowDeps,
  tenant: Tenant,
  c: OidcConnection,
  requester: Requester,
): Promise<string> {
  const codeVerifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = await deps.signIn.savePending({
    tenantId: tenant.id,
    requestId: nonce,
    oidc: { codeVerifier, nonce },
    ...('test' in requester ? { uid: null, test: requester.test } : { uid: requester.uid }),
  });
  const loginHint = 'loginHint' in requester ? requester.loginHint : undefined;
  const params: Record<string, string> = {
    redirect_uri: rpValues(deps.publicUrl, tenant.slug).redirectUri,
    response_type: 'code',
    scope: c.scopes.join(' '),
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  };
  if (loginHint) params.login_hint = loginHint;
  return client.buildAuthorizationUrl(configurationFor(deps, tenant, c), params).href;
}

const JWT_CLAIM_CODES: Readonly<Record<string, RejectionCode>> = {
  iss: 'wrong_issuer',
  aud: 'wrong_audience',
  azp: 'wrong_audience',
  nonce: 'wrong_nonce',
};

/** openid-client's refusals as our rejection codes (its detail is in `cause`). */
export function rejectionOf(err: unknown, step: string): SignInRejected {
  if (err instanceof SignInRejected) return err;
  const { code, detail } = describeClientError(err);
  const message = `${step}: ${detail}`;
  if (err instanceof client.ResponseBodyError) return new SignInRejected('code_exchange_failed', message);
  if (err instanceof client.AuthorizationResponseError) return new SignInRejected('idp_refused', message);
  switch (code) {
    case 'OAUTH_JWT_CLAIM_COMPARISON_FAILED':
      return new SignInRejected(JWT_CLAIM_CODES[failedClaim(err) ?? ''] ?? 'invalid_id_token', message);
    case 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED':
      return new SignInRejected('outside_time_window', message);
    case 'OAUTH_UNSUPPORTED_OPERATION':
      return new SignInRejected(/alg/i.test(detail) ? 'weak_algorithm' : 'invalid_id_token', message);
    case 'OAUTH_INVALID_RESPONSE':
      // An ID token whose header names an algorithm the IdP does not sign with (`none` included).
      if (/"alg"/.test(detail)) return new SignInRejected('weak_algorithm', message);
      return new SignInRejected(
        /id_token|JWT/i.test(detail) ? 'invalid_id_token' : 'code_exchange_failed',
        message,
      );
    case 'OAUTH_RESPONSE_IS_NOT_CONFORM':
    case 'OAUTH_RESPONSE_IS_NOT_JSON':
    case 'OAUTH_PARSE_ERROR':
      return new SignInRejected(
        /id_token|JWT/i.test(detail) ? 'invalid_id_token' : 'code_exchange_failed',
        message,
      );
    default:
      return new SignInRejected('idp_unreachable', message);
  }
}

/** A verified callback: the linked account, or for a test sign-in the mapped profile only. */
export type Verified =
  | { readonly account: Account; readonly amr: string[] }
  | { readonly tested: LoginProfile; readonly amr: string[] };

/**
 * The callback (OIDC Core §3.1.2.5–§3.1.3.7): the pending request named by `state` (once), the
 * code exchanged with its PKCE verifier, the ID token's claims checked by openid-client (iss,
 * aud, azp, exp, iat, nonce) and its signature by us against the IdP's keys, userinfo when the
 * ID token lacks the email, then the identity checks and the shared account linking (which a
 * test sign-in skips: it shows the profile and signs no one in).
 */
export async function completeLogin(
  deps: OidcFlowDeps,
  context: AuditContext,
  tenant: Tenant,
  c: OidcConnection,
  callback: URL,
  pending: PendingRequest & { readonly oidc: NonNullable<PendingRequest['oidc']> },
): Promise<Verified> {
  const config = configurationFor(deps, tenant, c);
  let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  try {
    tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: pending.oidc.codeVerifier,
      expectedState: callback.searchParams.get('state') ?? '',
      expectedNonce: pending.oidc.nonce,
      idTokenExpected: true,
    });
  } catch (err) {
    throw rejectionOf(err, 'code exchange');
  }
  const idClaims = tokens.claims();
  if (!tokens.id_token || !idClaims) throw new SignInRejected('invalid_id_token', 'no ID token');
  await deps.verifySignature(tokens.id_token, c.server.jwks_uri);
  let claims: Claims = idClaims;
  if (c.server.userinfo_endpoint && needsUserinfo(c, claims)) {
    try {
      // OIDC Core §5.3.2: the userinfo `sub` must equal the ID token's.
      const userinfo = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      claims = { ...userinfo, ...idClaims };
    } catch (err) {
      throw rejectionOf(err, 'userinfo');
    }
  }
  const profile = profileOf(tenant, c, claims);
  if (pending.test) return { tested: profile, amr: amrOf(claims) };
  return { account: await deps.signIn.link(context, tenant, profile), amr: amrOf(claims) };
}
