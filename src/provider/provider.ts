import Provider, { errors, interactionPolicy } from 'oidc-provider';
import type { Configuration, Grant, KoaContextWithOIDC } from 'oidc-provider';
import type { ClientStore, EphemeralStore, Tenant } from '../storage/ports.ts';
import type { SecretBox } from '../platform/secrets.ts';
import { createAdapterFactory } from './adapter.ts';
import { createFindAccount } from './account.ts';
import type { AccountReader } from './account.ts';
import { loadCookieKeys, loadSigningKeys } from './keys.ts';
import { PAGE_HEADERS, errorPageHtml, newReference } from '../signin/error-page.ts';

/** What the OpenID Provider is built from. */
export interface ProviderDeps {
  readonly publicUrl: string;
  readonly trustProxy: boolean;
  readonly ephemeral: EphemeralStore;
  readonly clients: ClientStore;
  readonly secrets: SecretBox;
  readonly accounts: AccountReader;
  /** The tenant an authorization request names (home-realm discovery). */
  readonly resolveTenant: (params: {
    readonly tenant?: unknown;
    readonly login_hint?: unknown;
  }) => Promise<Tenant | undefined>;
  /**
   * After RP-initiated logout ended a browser session (OIDC RP-Initiated Logout §2–3): where the
   * browser continues instead (SAML Single Logout at the account's IdP), given where the provider
   * would send it; undefined keeps the provider's redirect.
   */
  readonly afterLogout?: (accountId: string, returnTo: string) => Promise<string | undefined>;
}

/** Endpoints under the `/oauth` mount; the issuer stays the bare public URL. */
const ROUTES = {
  authorization: '/authorize',
  token: '/token',
  userinfo: '/userinfo',
  jwks: '/jwks',
  revocation: '/revoke',
  end_session: '/logout',
};

/** How long a browser session at the provider lives, seconds (what SAML Single Logout keeps lives as long). */
export const SESSION_TTL_SECONDS = 8 * 3600;

/** Seconds. Access tokens are short-lived: revocation also ends them at the next refresh. */
const TTL = {
  AccessToken: 300,
  AuthorizationCode: 60,
  IdToken: 3600,
  Interaction: 900,
  Session: SESSION_TTL_SECONDS,
  Grant: 14 * 86400,
  RefreshToken: 14 * 86400,
};

const SLUG = /^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$/;

/** OIDC Core §5.4 scopes plus `groups`; claims listed under `openid` are always in the ID token. */
const CLAIMS = {
  openid: ['sub', 'tenant', 'idp', 'amr'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name'],
  groups: ['groups'],
};

/**
 * Sessions are per browser, not per tenant: a request for tenant B must not be answered from a
 * session opened at tenant A (OIDC Core §3.1.2.3 lets the OP re-authenticate at will).
 */
function tenantChangedCheck(deps: ProviderDeps): interactionPolicy.Check {
  return new interactionPolicy.Check(
    'tenant_changed',
    'the session belongs to another tenant',
    async (ctx) => {
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      const params = ctx.oidc.params ?? {};
      if (params.tenant === undefined && params.login_hint === undefined)
        return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      const wanted = await deps.resolveTenant(params);
      const current = await deps.accounts.signIns.tenantOf(accountId);
      return wanted?.id === current?.tenantId
        ? interactionPolicy.Check.NO_NEED_TO_PROMPT
        : interactionPolicy.Check.REQUEST_PROMPT;
    },
  );
}

function policy(deps: ProviderDeps): interactionPolicy.DefaultPolicy {
  const base = interactionPolicy.base();
  base.get('login')?.checks.add(tenantChangedCheck(deps));
  return base;
}

/**
 * Product apps are first-party: no consent screen. The grant covers the OIDC scopes the app
 * asked for (`offline_access` survives only with `prompt=consent`, OIDC Core §11).
 */
async function loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
  const { oidc } = ctx;
  const accountId = oidc.session?.accountId;
  if (!oidc.client || !accountId) return undefined;
  const grantId = oidc.result?.consent?.grantId ?? oidc.session.grantIdFor(oidc.client.clientId);
  const found = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  const grant =
    found?.accountId === accountId
      ? found
      : new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId });
  grant.addOIDCScope(oidc.requestParamOIDCScopes);
  await grant.save();
  return grant;
}

function renderError(ctx: KoaContextWithOIDC, out: { error?: unknown; error_description?: unknown }): void {
  const reference = newReference();
  ctx.type = 'html';
  ctx.set(PAGE_HEADERS);
  ctx.body = errorPageHtml({
    title: 'Sign-in could not continue',
    message: typeof out.error_description === 'string' ? out.error_description : 'The request was not valid.',
    reference,
  });
}

async function configuration(deps: ProviderDeps): Promise<Configuration> {
  const { ephemeral, secrets } = deps;
  const [jwks, cookieKeys] = await Promise.all([
    loadSigningKeys(ephemeral, secrets),
    loadCookieKeys(ephemeral, secrets),
  ]);
  return {
    adapter: createAdapterFactory(ephemeral, deps.clients, secrets),
    clients: [],
    jwks: { keys: jwks },
    cookies: { keys: cookieKeys },
    findAccount: createFindAccount(deps.accounts),
    claims: CLAIMS,
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    // Apps read the claims from the ID token without a userinfo call.
    conformIdTokenClaims: false,
    clientDefaults: {
      id_token_signed_response_alg: 'ES256',
      grant_types: ['authorization_code', 'refresh_token'],
    },
    extraParams: {
      tenant(_ctx, value) {
        if (value !== undefined && !SLUG.test(value))
          throw new errors.InvalidRequest('tenant must be a tenant slug');
      },
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
    },
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      policy: policy(deps),
    },
    loadExistingGrant,
    renderError,
    routes: ROUTES,
    ttl: TTL,
  };
}

/** The product-facing OpenID Provider; its issuer is the public URL (endpoints under /oauth). */
export async function createProvider(deps: ProviderDeps): Promise<Provider> {
  const provider = new Provider(deps.publicUrl, await configuration(deps));
  // Behind TLS termination the provider must trust X-Forwarded-Proto to build https URLs.
  provider.proxy = deps.trustProxy;
  const { afterLogout } = deps;
  if (afterLogout)
    provider.use(async (ctx, next) => {
      await next();
      // Only a confirmed logout of the whole session ("Yes, sign me out"), answered with its redirect.
      const { oidc } = ctx as Partial<KoaContextWithOIDC>;
      if (oidc?.route !== 'end_session_confirm' || ctx.status !== 303 || !oidc.params?.logout) return;
      const accountId = oidc.session?.accountId;
      const returnTo = ctx.response.get('Location');
      const next_ = accountId && returnTo ? await afterLogout(accountId, returnTo) : undefined;
      if (next_) ctx.redirect(next_);
    });
  return provider;
}

/**
 * The provider, built on first use (its keys come from the store) and retried on the next call
 * when building failed.
 */
export function lazyProvider(deps: ProviderDeps): () => Promise<Provider> {
  let ready: Promise<Provider> | undefined;
  return () => {
    ready ??= createProvider(deps).catch((err: unknown) => {
      ready = undefined;
      throw err;
    });
    return ready;
  };
}
