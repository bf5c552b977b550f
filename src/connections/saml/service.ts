import { randomUUID } from 'node:crypto';
import type { Account, EphemeralStore, Tenant, TenantStore } from '../../storage/ports.ts';
import type { SecretBox } from '../../platform/secrets.ts';
import type { AuditContext } from '../../audit/events.ts';
import type { AuditRecorder } from '../../audit/record.ts';
import type { PendingRequest } from '../../signin/login-state.ts';
import type { SignIn } from '../../signin/service.ts';
import { SignInRejected } from '../../signin/rejection.ts';
import { deleteSamlConnection, getSamlConnection, putSamlConnection } from './admin.ts';
import { runAcsOrTest } from './acs.ts';
import type { LoginProfile } from '../../signin/linking.ts';
import type { AcsDeps, AcsState } from './acs.ts';
import { samlConnectionOf, spValues } from './connection.ts';
import { samlFor, spMetadataXml } from './sp.ts';
import { answerLogoutRequest } from './slo.ts';
import type { LogoutAnswer, LogoutMessage, SloDeps } from './slo.ts';
import { LogoutRejected } from './logout-rejection.ts';
import type { AccountStore } from '../../storage/ports.ts';
import type { SessionRevoker } from '../../provider/revocation.ts';
import type { SignInRecords } from '../../provider/account.ts';
import { continueLogout, finishLogout, startLogout } from './sp-logout.ts';
import type { SpLogoutDeps } from './sp-logout.ts';

export interface SamlServiceDeps {
  readonly publicUrl: string;
  readonly allowInsecureIdp: boolean;
  readonly tenants: Pick<TenantStore, 'getBySlug' | 'get'>;
  readonly audit: AuditRecorder;
  readonly secrets: SecretBox;
  readonly ephemeral: EphemeralStore;
  readonly signIn: SignIn;
  /** Single Logout: accounts by SSO link, and the one path that ends an account's sessions. */
  readonly accounts: Pick<AccountStore, 'findBySubject'>;
  readonly sessions: SessionRevoker;
  readonly signIns: Pick<SignInRecords, 'tenantOf'>;
}

/** A LogoutRequest answered, or refused (then nothing was ended). */
export type LogoutOutcome =
  | { readonly kind: 'answered'; readonly answer: LogoutAnswer }
  | { readonly kind: 'rejected'; readonly error: LogoutRejected };

/** A posted response, accepted (who signed in, how) or refused; either way the request it answers, if any. */
export type AcsOutcome =
  | {
      readonly kind: 'accepted';
      readonly account: Account;
      readonly amr: string[];
      readonly pending: PendingRequest | undefined;
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
 * A tenant's upstream SAML connection: its administration (metadata upload, our SP values) and
 * the sign-in through it (AuthnRequest, assertion consumer).
 */
export function createSamlService(deps: SamlServiceDeps) {
  const acsDeps: AcsDeps = deps;
  const sloDeps: SloDeps = deps;
  const spLogoutDeps: SpLogoutDeps = deps;
  return {
    put: (context: AuditContext, slug: string, input: { xml: string } | { json: unknown }) =>
      putSamlConnection(deps, context, slug, input),
    get: (slug: string) => getSamlConnection(deps, slug),
    remove: (context: AuditContext, slug: string) => deleteSamlConnection(deps, context, slug),

    /** Our SP metadata for the tenant, or undefined when it has no SAML connection. */
    metadataXml(tenant: Tenant): string | undefined {
      const connection = samlConnectionOf(tenant);
      return connection ? spMetadataXml(deps, tenant, connection) : undefined;
    },

    /** The AuthnRequest (HTTP-Redirect) URL, remembered under an opaque RelayState; undefined without a connection. */
    async startLogin(tenant: Tenant, uid: string | null): Promise<string | undefined> {
      const connection = samlConnectionOf(tenant);
      if (!connection) return undefined;
      const requestId = `_${randomUUID()}`;
      const relayState = await deps.signIn.savePending({ tenantId: tenant.id, requestId, uid });
      return samlFor(deps, tenant, connection, requestId).getAuthorizeUrlAsync(relayState, undefined, {});
    },

    /**
     * A test sign-in for the admin page: the same AuthnRequest, its pending state bound to the
     * admin session (`session`, a hash) that alone may see the result.
     */
    async startTest(tenant: Tenant, session: string): Promise<string | undefined> {
      const connection = samlConnectionOf(tenant);
      if (!connection) return undefined;
      const requestId = `_${randomUUID()}`;
      const relayState = await deps.signIn.savePending({
        tenantId: tenant.id,
        requestId,
        uid: null,
        test: { session },
      });
      return samlFor(deps, tenant, connection, requestId).getAuthorizeUrlAsync(relayState, undefined, {});
    },

    /** Verifies a posted response step by step (acs.ts); anything but a refusal is thrown. */
    async consume(
      context: AuditContext,
      tenant: Tenant,
      form: { readonly samlResponse: string; readonly relayState: string },
    ): Promise<AcsOutcome> {
      const state: AcsState = { deps: acsDeps, audit: context, tenant, ...form };
      try {
        const result = await runAcsOrTest(state);
        if ('tested' in result && state.pending?.test)
          return { kind: 'tested', profile: result.tested, amr: result.amr, test: state.pending.test };
        if ('tested' in result) throw new Error('a test sign-in without its pending request');
        return { kind: 'accepted', account: result.account, amr: result.amr, pending: state.pending };
      } catch (err) {
        if (err instanceof SignInRejected) return { kind: 'rejected', error: err, pending: state.pending };
        throw err;
      }
    },

    /** An IdP-initiated LogoutRequest (slo.ts): refusals come back as outcomes, anything else is thrown. */
    async logoutRequest(context: AuditContext, tenant: Tenant, input: LogoutMessage): Promise<LogoutOutcome> {
      try {
        return { kind: 'answered', answer: await answerLogoutRequest(sloDeps, context, tenant, input) };
      } catch (err) {
        if (err instanceof LogoutRejected) return { kind: 'rejected', error: err };
        throw err;
      }
    },

    /** After the provider ended a browser session: where to continue (our LogoutRequest), if anywhere. */
    continueLogout: (accountId: string, returnTo: string) =>
      continueLogout(spLogoutDeps, accountId, returnTo),
    /** `GET /logout?t=…`: the signed LogoutRequest URL, or undefined for an unknown step. */
    startLogout: (tenant: Tenant, t: string) => startLogout(spLogoutDeps, tenant, t),
    /** The IdP's LogoutResponse: where the browser goes next, or a refusal. */
    async logoutResponse(
      context: AuditContext,
      tenant: Tenant,
      input: LogoutMessage,
    ): Promise<{ kind: 'finished'; returnTo: string } | { kind: 'rejected'; error: LogoutRejected }> {
      try {
        return { kind: 'finished', returnTo: await finishLogout(spLogoutDeps, context, tenant, input) };
      } catch (err) {
        if (err instanceof LogoutRejected) return { kind: 'rejected', error: err };
        throw err;
      }
    },

    /** The audit event of a refused logout message. */
    logoutRejected(context: AuditContext, tenant: Tenant, err: LogoutRejected, reference: string) {
      return deps.audit.event(context, {
        type: 'sso.logout_rejected',
        tenantId: tenant.id,
        target: null,
        data: { protocol: 'saml', code: err.code, reason: err.message.slice(0, 200), reference },
      });
    },

    acsUrl: (slug: string) => spValues(deps.publicUrl, slug).acsUrl,
    /** Our SP values for the tenant's IdP (entity ID, ACS and metadata URLs), connected or not. */
    spValues: (slug: string) => spValues(deps.publicUrl, slug),
  };
}

export type SamlService = ReturnType<typeof createSamlService>;
