import type { Account, Tenant, TenantStore } from '../../storage/ports.ts';
import type { SecretBox } from '../../platform/secrets.ts';
import type { AuditContext } from '../../audit/events.ts';
import type { AuditRecorder } from '../../audit/record.ts';
import type { PendingRequest } from '../../signin/login-state.ts';
import type { LoginProfile } from '../../signin/linking.ts';
import type { SignIn } from '../../signin/service.ts';
import { SignInRejected } from '../../signin/rejection.ts';
import { deleteOidcConnection, getOidcConnection, putOidcConnection } from './admin.ts';
import { oidcConnectionOf, rpValues } from './connection.ts';
import { authorizationUrl, completeLogin } from './flow.ts';
import type { OidcFlowDeps } from './flow.ts';
import { createGuardedFetch } from './guarded-fetch.ts';
import { createIdTokenSignatureCheck } from './signature.ts';

export interface OidcServiceDeps {
  readonly publicUrl: string;
  readonly allowInsecureIdp: boolean;
  readonly tenants: Pick<TenantStore, 'getBySlug'>;
  readonly audit: AuditRecorder;
  readonly secrets: SecretBox;
  readonly signIn: SignIn;
}

/** A callback, accepted (who signed in, how) or refused; either way the request it answers, if any. */
export type CallbackOutcome =
  | {
      readonly kind: 'accepted';
      readonly account: Account;
      readonly amr: string[];
      readonly pending: PendingRequest;
    }
  | {
      /** A test sign-in from the admin page: verified and mapped, nobody signed in. */
      readonly kind: 'tested';
      readonly profile: LoginProfile;
      readonly amr: string[];
      /** The admin session the result is for. */
      readonly test: NonNullable<PendingRequest['test']>;
    }
  | {
      readonly kind: 'rejected';
      readonly error: SignInRejected;
      readonly pending: PendingRequest | undefined;
    };

/**
 * A tenant's upstream OpenID Connect connection: its administration (discovery, sealed client
 * secret) and the sign-in through it (authorization code flow with PKCE, openid-client 6).
 */
export function createOidcService(deps: OidcServiceDeps) {
  const fetch = createGuardedFetch(deps.allowInsecureIdp);
  const flow: OidcFlowDeps = { ...deps, fetch, verifySignature: createIdTokenSignatureCheck(fetch) };
  return {
    put: (context: AuditContext, slug: string, body: unknown) => putOidcConnection(deps, context, slug, body),
    get: (slug: string) => getOidcConnection(deps, slug),
    remove: (context: AuditContext, slug: string) => deleteOidcConnection(deps, context, slug),

    /** The IdP's authorization URL for this sign-in; undefined when the tenant has no OIDC connection. */
    async startLogin(tenant: Tenant, uid: string | null, loginHint?: string): Promise<string | undefined> {
      const connection = oidcConnectionOf(tenant);
      return connection ? authorizationUrl(flow, tenant, connection, { uid, loginHint }) : undefined;
    },

    /**
     * A test sign-in for the admin page: the same authorization request, its pending state bound
     * to the admin session (`session`, a hash) that alone may see the result.
     */
    async startTest(tenant: Tenant, session: string): Promise<string | undefined> {
      const connection = oidcConnectionOf(tenant);
      return connection ? authorizationUrl(flow, tenant, connection, { test: { session } }) : undefined;
    },

    /** Verifies a callback (`query` is its raw query string); anything but a refusal is thrown. */
    async consume(context: AuditContext, tenant: Tenant, query: string): Promise<CallbackOutcome> {
      const callback = new URL(`${rpValues(deps.publicUrl, tenant.slug).redirectUri}${query}`);
      const state = callback.searchParams.get('state') ?? '';
      // At most once: a replayed callback finds nothing (OIDC Core §3.1.2.7, RFC 6749 §10.12).
      const pending = await deps.signIn.consumePending(state);
      const connection = oidcConnectionOf(tenant);
      if (!pending?.oidc || pending.tenantId !== tenant.id || !connection) {
        const error = new SignInRejected(
          'invalid_state',
          'the state names no pending sign-in of this tenant (unknown, expired or already used)',
          'This sign-in is no longer valid. Go back to the application and start again.',
        );
        return { kind: 'rejected', error, pending: pending?.tenantId === tenant.id ? pending : undefined };
      }
      try {
        const verified = await completeLogin(flow, context, tenant, connection, callback, {
          ...pending,
          oidc: pending.oidc,
        });
        if ('account' in verified) return { kind: 'accepted', ...verified, pending };
        if (!pending.test) throw new Error('a test sign-in without its pending request');
        return { kind: 'tested', profile: verified.tested, amr: verified.amr, test: pending.test };
      } catch (err) {
        if (err instanceof SignInRejected) return { kind: 'rejected', error: err, pending };
        throw err;
      }
    },
  };
}

export type OidcService = ReturnType<typeof createOidcService>;
