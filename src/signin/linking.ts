import type { Container } from '../container.ts';
import type { Account, AccountId, Tenant } from '../storage/ports.ts';
import { newId } from '../platform/ids.ts';
import { auditEvent } from '../audit/events.ts';
import type { AuditContext } from '../audit/events.ts';
import type { IdpKind } from '../provider/account.ts';
import { recordSignIn } from '../provider/account.ts';
import { ssoSettings } from '../connections/saml/connection.ts';
import { SignInRejected } from './rejection.ts';

/** A verified sign-in, whatever the protocol (SAML now, the OIDC connection later). */
export interface LoginProfile {
  readonly idp: IdpKind;
  /** The IdP's entityID / issuer. */
  readonly issuer: string;
  /** NameID (SAML) or `sub` (OIDC). */
  readonly subject: string;
  readonly email?: string | undefined;
  readonly givenName?: string | undefined;
  readonly familyName?: string | undefined;
  readonly displayName?: string | undefined;
}

export const subjectKey = (p: LoginProfile): string => `${p.idp}|${p.issuer}|${p.subject}`;

/**
 * DESIGN: a SCIM-provisioned person and their first login are one account. Order: the recorded
 * SSO subject, then userName (NameID, then email), then the one account with that email.
 */
async function findExisting(
  container: Container,
  tenant: Tenant,
  p: LoginProfile,
): Promise<{ account?: Account; linked: boolean }> {
  const { accounts } = container.storage;
  const bySubject = await accounts.findBySubject(tenant.id, subjectKey(p));
  if (bySubject) return { account: bySubject, linked: true };
  for (const userName of [p.subject, p.email]) {
    const found = userName ? await accounts.getByUserName(tenant.id, userName) : undefined;
    if (found) return { account: found, linked: false };
  }
  const byEmail = p.email ? await accounts.getByEmail(tenant.id, p.email) : [];
  // Two accounts with one email: refuse to guess which person this is.
  if (byEmail.length > 1)
    throw new SignInRejected('ambiguous_account', `${byEmail.length} accounts have this email`);
  return byEmail[0] ? { account: byEmail[0], linked: false } : { linked: false };
}

function jitAccount(tenant: Tenant, p: LoginProfile): Account {
  const now = new Date().toISOString();
  const name = {
    ...(p.givenName ? { givenName: p.givenName } : {}),
    ...(p.familyName ? { familyName: p.familyName } : {}),
  };
  return {
    tenantId: tenant.id,
    id: newId() as AccountId,
    userName: p.email ?? p.subject,
    externalId: null,
    active: true,
    displayName: p.displayName ?? null,
    email: p.email ?? null,
    attributes: Object.keys(name).length > 0 ? { name } : {},
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

/** Resolves (or, with `jit`, creates) the account and records the link, in one unit of work. */
export async function linkAccount(
  container: Container,
  context: AuditContext,
  tenant: Tenant,
  p: LoginProfile,
): Promise<Account> {
  const { account, linked } = await findExisting(container, tenant, p);
  if (account && !account.active)
    throw new SignInRejected(
      'account_inactive',
      `account ${account.id} is inactive`,
      'Your account is not active. Ask your administrator.',
    );
  if (!account && !ssoSettings(tenant).jit)
    throw new SignInRejected(
      'not_provisioned',
      'no account matches and jit is off',
      'You do not have an account here yet. Ask your administrator.',
    );
  const result = account ?? jitAccount(tenant, p);
  if (!linked) await recordLink(container, context, tenant, p, result, !account);
  await recordSignIn(container.storage, result, p.idp);
  return result;
}

/** The JIT insert (when `created`) and the link, with their audit events, in one unit of work. */
async function recordLink(
  container: Container,
  context: AuditContext,
  tenant: Tenant,
  p: LoginProfile,
  result: Account,
  created: boolean,
): Promise<void> {
  await container.storage.transaction(async (tx) => {
    if (created) {
      await tx.accounts.insert(result);
      await tx.audit.append(
        auditEvent(
          context,
          tenant.id,
          'account.provisioned',
          { type: 'account', id: result.id },
          { via: 'jit', userName: result.userName },
        ),
      );
    }
    await tx.accounts.link(tenant.id, subjectKey(p), result.id);
    await tx.audit.append(
      auditEvent(
        context,
        tenant.id,
        'account.linked',
        { type: 'account', id: result.id },
        { idp: p.idp, issuer: p.issuer, subject: p.subject },
      ),
    );
  });
}
