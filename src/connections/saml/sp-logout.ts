import { randomBytes, randomUUID } from 'node:crypto';
import type { Profile } from '@node-saml/node-saml';
import type { AccountId, EphemeralStore, Tenant, TenantId, TenantStore } from '../../storage/ports.ts';
import type { AuditContext } from '../../audit/events.ts';
import type { SignInRecords } from '../../provider/account.ts';
import { samlConnectionOf, spValues } from './connection.ts';
import { samlFor } from './sp.ts';
import { LogoutRejected } from './logout-rejection.ts';
import { isSuccess, readLogoutResponse } from './logout-message.ts';
import { connectionFor, expectedOf, verifiedXml } from './slo.ts';
import type { LogoutMessage, SloDeps } from './slo.ts';
import { forgetSamlSession, samlSessionOf } from './slo-session.ts';

/**
 * SP-initiated Single Logout (SAML profiles §4.4.3): after the product's RP-initiated logout
 * ended the provider's session, the browser continues to `/sso/{slug}/saml/logout`, which sends
 * our signed LogoutRequest (HTTP-Redirect) naming the NameID and SessionIndex of the sign-in; the
 * IdP's LogoutResponse comes back to `/slo`, and only then does the browser go where the provider
 * would have sent it (the client's registered `post_logout_redirect_uri`, or its success page).
 */
const STEP_TTL = 600;
const startKey = (t: string): string => `sso:saml-logout-start:${t}`;
const pendingKey = (relayState: string): string => `sso:saml-logout-pending:${relayState}`;
const token = (): string => randomBytes(24).toString('base64url');
const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;

interface LogoutStart {
  readonly tenantId: TenantId;
  readonly accountId: AccountId;
  /** Where the provider sent the browser after ending its session (validated by it). */
  readonly returnTo: string;
}

interface PendingLogout extends LogoutStart {
  readonly requestId: string;
}

export interface SpLogoutDeps extends SloDeps {
  readonly tenants: Pick<TenantStore, 'get'>;
  readonly signIns: Pick<SignInRecords, 'tenantOf'>;
}

async function take<T>(store: EphemeralStore, key: string, value: string): Promise<T | undefined> {
  if (!TOKEN.test(value)) return undefined;
  const raw = await store.consume(key);
  return raw === undefined ? undefined : (JSON.parse(raw) as T);
}

/**
 * Called when the provider ended a browser session: when the account signed in through a SAML
 * IdP that has an HTTP-Redirect SingleLogoutService, where to continue; undefined ends locally.
 */
export async function continueLogout(
  deps: SpLogoutDeps,
  accountId: string,
  returnTo: string,
): Promise<string | undefined> {
  const record = await deps.signIns.tenantOf(accountId);
  if (record?.idp !== 'saml') return undefined;
  const tenant = await deps.tenants.get(record.tenantId);
  const connection = tenant ? samlConnectionOf(tenant) : undefined;
  if (!tenant || !connection?.idp.sloUrls?.redirect) return undefined;
  if (!(await samlSessionOf(deps.ephemeral, tenant.id, accountId))) return undefined;
  const t = token();
  const start: LogoutStart = { tenantId: tenant.id, accountId: accountId as AccountId, returnTo };
  await deps.ephemeral.put(startKey(t), JSON.stringify(start), STEP_TTL);
  return `${spValues(deps.publicUrl, tenant.slug).logoutUrl}?t=${t}`;
}

/** `GET /logout?t=…`: our signed LogoutRequest to the IdP; undefined when the step is unknown. */
export async function startLogout(
  deps: SpLogoutDeps,
  tenant: Tenant,
  t: string,
): Promise<string | undefined> {
  const start = await take<LogoutStart>(deps.ephemeral, startKey(t), t);
  if (!start || start.tenantId !== tenant.id) return undefined;
  const connection = samlConnectionOf(tenant);
  const session = await samlSessionOf(deps.ephemeral, tenant.id, start.accountId);
  const sloUrl = connection?.idp.sloUrls?.redirect;
  if (!connection || !session || !sloUrl) return start.returnTo;
  const requestId = `_${randomUUID()}`;
  const relayState = token();
  const pending: PendingLogout = { ...start, requestId };
  await deps.ephemeral.put(pendingKey(relayState), JSON.stringify(pending), STEP_TTL);
  const user = {
    nameID: session.nameId,
    nameIDFormat: session.nameIdFormat ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
    nameQualifier: session.nameQualifier,
    spNameQualifier: session.spNameQualifier,
    sessionIndex: session.sessionIndex,
  } as unknown as Profile;
  return samlFor(deps, tenant, connection, requestId, sloUrl).getLogoutUrlAsync(user, relayState, {});
}

/**
 * The IdP's LogoutResponse (at `/slo`): signed by the tenant's IdP, for our pending request
 * (RelayState, once; InResponseTo), Success; then where the provider would have sent the browser.
 */
export async function finishLogout(
  deps: SpLogoutDeps,
  context: AuditContext,
  tenant: Tenant,
  input: LogoutMessage,
): Promise<string> {
  const connection = connectionFor(tenant);
  const expected = expectedOf(deps.publicUrl, tenant, connection);
  const { xml, relayState } = await verifiedXml(deps, tenant, connection, 'SAMLResponse', input);
  const facts = readLogoutResponse(xml, expected);
  const pending = relayState
    ? await take<PendingLogout>(deps.ephemeral, pendingKey(relayState), relayState)
    : undefined;
  if (!pending || pending.tenantId !== tenant.id)
    throw new LogoutRejected('unknown_request', 'the RelayState names no pending logout of this tenant');
  if (facts.inResponseTo !== pending.requestId)
    throw new LogoutRejected(
      'unknown_request',
      `InResponseTo ${facts.inResponseTo ?? 'absent'} is not our request`,
    );
  await forgetSamlSession(deps.ephemeral, tenant.id, pending.accountId);
  if (!isSuccess(facts))
    throw new LogoutRejected(
      'idp_refused',
      `the IdP answered ${facts.status}`,
      'You are signed out of the application, but your organisation’s sign-in service did not confirm signing you out there.',
    );
  await deps.audit.event(context, {
    type: 'session.ended',
    tenantId: tenant.id,
    target: { type: 'account', id: pending.accountId },
    data: { protocol: 'saml', initiator: 'sp' },
  });
  return pending.returnTo;
}
