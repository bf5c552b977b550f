import type { Account, EphemeralStore, Tenant } from '../storage/ports.ts';
import type { AuditContext } from '../audit/events.ts';
import type { AuditRecorder } from '../audit/record.ts';
import type { IdpKind } from '../provider/account.ts';
import { activeTenant, resolveTenant } from './home-realm.ts';
import type { TenantFinder } from './home-realm.ts';
import {
  consumePending,
  consumeResult,
  consumeTestResult,
  peekTestResult,
  savePending,
  saveResult,
  saveTestResult,
} from './login-state.ts';
import { TEST_RESULT_PATH } from './login-state.ts';
import type { LoginResult, PendingRequest, TestResult } from './login-state.ts';
import type { AccountLinker, LoginProfile } from './linking.ts';
import type { SignInRejected } from './rejection.ts';
import type { Metrics } from '../platform/metrics.ts';

export interface SignInDeps {
  readonly tenants: TenantFinder;
  readonly ephemeral: EphemeralStore;
  readonly audit: AuditRecorder;
  /** Sign-ins by protocol, result and reason (optional: unit tests leave it out). */
  readonly metrics?: Pick<Metrics, 'observeSignIn'>;
  readonly link: AccountLinker;
}

/**
 * What every upstream protocol shares on the way in: which tenant, the state that crosses the
 * trip to the IdP (docs/decisions/0024-relaystate-across-the-cross-site-post.md), the account
 * linking, and the audit events of each outcome.
 */
export function createSignIn(deps: SignInDeps) {
  const { ephemeral, audit, metrics } = deps;
  return {
    activeTenant: (slug: string) => activeTenant(deps.tenants, slug),
    resolveTenant: (params: { readonly tenant?: unknown; readonly login_hint?: unknown }) =>
      resolveTenant(deps.tenants, params),
    link: deps.link,
    savePending: (pending: PendingRequest) => savePending(ephemeral, pending),
    consumePending: (relayState: string) => consumePending(ephemeral, relayState),
    saveResult: (result: LoginResult) => saveResult(ephemeral, result),
    consumeResult: (token: string) => consumeResult(ephemeral, token),
    saveTestResult: (result: TestResult) => saveTestResult(ephemeral, result),
    peekTestResult: (token: string) => peekTestResult(ephemeral, token),
    consumeTestResult: (token: string) => consumeTestResult(ephemeral, token),

    /**
     * The answer to a test sign-in (`test`, from its pending request), kept for the admin session
     * that started it; returns where the browser goes to see it (src/admin/ui/test-sign-in.ts).
     */
    async testAnswered(
      tenant: Tenant,
      test: NonNullable<PendingRequest['test']>,
      answer:
        | { readonly profile: LoginProfile; readonly amr: readonly string[] }
        | { readonly refused: SignInRejected; readonly reference: string },
    ): Promise<string> {
      const base = { tenantId: tenant.id, slug: tenant.slug, session: test.session };
      const result: TestResult =
        'profile' in answer
          ? { ...base, kind: 'profile', profile: answer.profile, amr: answer.amr }
          : {
              ...base,
              kind: 'refused',
              code: answer.refused.code,
              // The admin who ran the test sees why (the detail, not only the public message).
              reason: answer.refused.message,
              reference: answer.reference,
            };
      return `${TEST_RESULT_PATH}?token=${await saveTestResult(ephemeral, result)}`;
    },

    succeeded(context: AuditContext, tenant: Tenant, account: Account, protocol: IdpKind, amr: string[]) {
      metrics?.observeSignIn(protocol, 'accepted', 'none');
      return audit.event(context, {
        type: 'session.started',
        tenantId: tenant.id,
        target: { type: 'account', id: account.id },
        data: { protocol, amr },
      });
    },

    rejected(
      context: AuditContext,
      tenant: Tenant,
      protocol: IdpKind,
      err: SignInRejected,
      reference: string,
    ) {
      // The code is a closed union (RejectionCode): a bounded label, unlike the reason text.
      metrics?.observeSignIn(protocol, 'rejected', err.code);
      return audit.event(context, {
        type: 'sso.login_rejected',
        tenantId: tenant.id,
        target: null,
        // Bounded: a reason may quote what the IdP sent (an issuer, a parser message).
        data: { protocol, code: err.code, reason: err.message.slice(0, 200), reference },
      });
    },
  };
}

export type SignIn = ReturnType<typeof createSignIn>;
