import { randomUUID } from 'node:crypto';
import type { AccountId, AccountStore, EphemeralStore, Tenant } from '../../storage/ports.ts';
import type { AuditContext } from '../../audit/events.ts';
import type { AuditRecorder } from '../../audit/record.ts';
import type { SessionRevoker } from '../../provider/revocation.ts';
import { subjectKey } from '../../signin/linking.ts';
import { ssoSettings } from '../../tenants/settings.ts';
import { decodeUtf8 } from '../../platform/http/json.ts';
import { samlConnectionOf, spKeyContext, spValues } from './connection.ts';
import type { SamlConnection } from './connection.ts';
import { samlFor } from './sp.ts';
import type { SpContext } from './sp.ts';
import { LogoutRejected } from './logout-rejection.ts';
import { logoutResponseXml, readLogoutRequest } from './logout-message.ts';
import type { Expected, LogoutStatus } from './logout-message.ts';
import { signedRedirectUrl, verifyRedirect } from './redirect-binding.ts';
import type { RedirectParam } from './redirect-binding.ts';
import { accountOfNameId, forgetSamlSession } from './slo-session.ts';

/** What Single Logout uses: the SP, the ephemeral store, the account links and the revocation path. */
export interface SloDeps extends SpContext {
  readonly ephemeral: EphemeralStore;
  readonly accounts: Pick<AccountStore, 'findBySubject'>;
  readonly sessions: SessionRevoker;
  readonly audit: AuditRecorder;
}

/** A logout message as it arrived: the raw query (HTTP-Redirect) or the posted form (HTTP-POST). */
export type LogoutMessage =
  | { readonly binding: 'redirect'; readonly rawQuery: string }
  | { readonly binding: 'post'; readonly message: string; readonly relayState: string | undefined };

/** The IdP's answer goes back to where its metadata says, or, without one, a page. */
export type LogoutAnswer =
  | { readonly kind: 'redirect'; readonly url: string; readonly failure?: unknown }
  | { readonly kind: 'page'; readonly failure?: unknown };

export function connectionFor(tenant: Tenant): SamlConnection {
  const connection = samlConnectionOf(tenant);
  if (!connection) throw new LogoutRejected('no_connection', 'the tenant has no SAML connection');
  return connection;
}

export function expectedOf(publicUrl: string, tenant: Tenant, connection: SamlConnection): Expected {
  const settings = ssoSettings(tenant);
  return {
    sloUrl: spValues(publicUrl, tenant.slug).sloUrl,
    idpEntityId: connection.idp.entityId,
    skewMs: settings.clockSkewSeconds * 1000,
    allowSha1: settings.allowSha1,
  };
}

/** node-saml's refusals of a posted logout message, by message (its errors carry no code). */
function postRefusal(err: unknown): LogoutRejected {
  const message = err instanceof Error ? err.message : String(err);
  if (/issuer/i.test(message)) return new LogoutRejected('wrong_issuer', message);
  if (/expired|not yet valid|NotBefore|NotOnOrAfter/i.test(message))
    return new LogoutRejected('outside_time_window', message);
  if (/signature/i.test(message)) return new LogoutRejected('invalid_signature', message);
  return new LogoutRejected('malformed_request', message);
}

/**
 * The message's XML once its signature verified: the detached query signature (HTTP-Redirect)
 * or an enveloped signature over the whole message (HTTP-POST, verified by node-saml).
 */
export async function verifiedXml(
  deps: SpContext,
  tenant: Tenant,
  connection: SamlConnection,
  param: RedirectParam,
  input: LogoutMessage,
): Promise<{ xml: string; relayState: string | undefined }> {
  const { allowSha1 } = ssoSettings(tenant);
  if (input.binding === 'redirect')
    return verifyRedirect(input.rawQuery, param, connection.idp.certificates, allowSha1);
  if (!input.message) throw new LogoutRejected('malformed_request', `no ${param}`);
  let xml: string;
  try {
    xml = decodeUtf8(Buffer.from(input.message, 'base64'));
  } catch {
    throw new LogoutRejected('malformed_request', `the ${param} is not UTF-8 XML`);
  }
  const saml = samlFor(deps, tenant, connection);
  try {
    if (param === 'SAMLRequest') await saml.validatePostRequestAsync({ SAMLRequest: input.message });
    else await saml.validatePostResponseAsync({ SAMLResponse: input.message });
  } catch (err) {
    throw postRefusal(err);
  }
  return { xml, relayState: input.relayState };
}

/** The account a verified LogoutRequest names at this tenant: its live sign-in, else its SSO link. */
async function accountNamed(deps: SloDeps, tenant: Tenant, issuer: string, nameId: string) {
  const live = await accountOfNameId(deps.ephemeral, tenant.id, nameId);
  if (live) return live;
  const linked = await deps.accounts.findBySubject(
    tenant.id,
    subjectKey({ idp: 'saml', issuer, subject: nameId }),
  );
  return linked?.id;
}

async function endSessions(deps: SloDeps, context: AuditContext, tenant: Tenant, accountId: AccountId) {
  await deps.sessions.revokeAccount(tenant.id, accountId);
  await forgetSamlSession(deps.ephemeral, tenant.id, accountId);
  await deps.audit.event(context, {
    type: 'session.ended',
    tenantId: tenant.id,
    target: { type: 'account', id: accountId },
    data: { protocol: 'saml', initiator: 'idp' },
  });
}

/**
 * An IdP's LogoutRequest (SAML profiles §4.4.4): verified, remembered against replay, then every
 * product session and grant of the account it names at this tenant ends, and a signed
 * LogoutResponse goes back. A NameID no account of this tenant holds ends nothing and is answered
 * Success: the state the IdP asks for (no session here) holds.
 */
export async function answerLogoutRequest(
  deps: SloDeps,
  context: AuditContext,
  tenant: Tenant,
  input: LogoutMessage,
): Promise<LogoutAnswer> {
  const connection = connectionFor(tenant);
  const expected = expectedOf(deps.publicUrl, tenant, connection);
  const { xml, relayState } = await verifiedXml(deps, tenant, connection, 'SAMLRequest', input);
  const facts = readLogoutRequest(xml, expected);
  const ttl = Math.max(60, Math.ceil((facts.expiresAt - Date.now()) / 1000));
  const replayKey = `sso:saml-logout:${tenant.id}:${facts.id}`;
  if (!(await deps.ephemeral.putIfAbsent(replayKey, '1', ttl)))
    throw new LogoutRejected('replayed_request', `logout request ${facts.id} was already answered`);
  const accountId = await accountNamed(deps, tenant, expected.idpEntityId, facts.nameId);
  let failure: unknown;
  // SAML core §3.7.3.2: a session participant that cannot end the session answers Responder.
  if (accountId)
    await endSessions(deps, context, tenant, accountId).catch((err: unknown) => {
      failure = err ?? new Error('ending the sessions failed');
    });
  const status: LogoutStatus = failure === undefined ? 'Success' : 'Responder';
  const target = connection.idp.sloUrls?.redirectResponse;
  if (!target) return { kind: 'page', failure };
  const response = logoutResponseXml({
    id: `_${randomUUID()}`,
    inResponseTo: facts.id,
    destination: target,
    issuer: spValues(deps.publicUrl, tenant.slug).entityId,
    status,
  });
  const key = deps.secrets.decrypt(connection.sp.privateKeySealed, spKeyContext(tenant));
  return {
    kind: 'redirect',
    url: signedRedirectUrl(target, 'SAMLResponse', response, relayState, key),
    failure,
  };
}
