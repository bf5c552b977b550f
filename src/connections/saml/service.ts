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

export interface SamlServiceDeps {
  readonly publicUrl: string;
  readonly allowInsecureIdp: boolean;
  readonly tenants: Pick<TenantStore, 'getBySlug'>;
  readonly audit: AuditRecorder;
  readonly secrets: SecretBox;
  readonly ephemeral: EphemeralStore;
  readonly signIn: SignIn;
}

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
      readonly pending: PendingRequest;
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
        if ('tested' in result && state.pending)
          return { kind: 'tested', profile: result.tested, amr: result.amr, pending: state.pending };
        if ('tested' in result) throw new Error('a test sign-in without its pending request');
        return { kind: 'accepted', account: result.account, amr: result.amr, pending: state.pending };
      } catch (err) {
        if (err instanceof SignInRejected) return { kind: 'rejected', error: err, pending: state.pending };
        throw err;
      }
    },

    acsUrl: (slug: string) => spValues(deps.publicUrl, slug).acsUrl,
    /** Our SP values for the tenant's IdP (entity ID, ACS and metadata URLs), connected or not. */
    spValues: (slug: string) => spValues(deps.publicUrl, slug),
  };
}

export type SamlService = ReturnType<typeof createSamlService>;
