import type { Account, AccountStore, Tenant } from '../storage/ports.ts';
import type { AuditContext } from '../audit/events.ts';
import type { AccountDraft, AccountService, SubjectLink } from '../directory/accounts.ts';
import type { IdpKind, SignInRecords } from '../provider/account.ts';
import { ssoSettings } from '../tenants/settings.ts';
import { SignInRejected } from './rejection.ts';

/** A verified sign-in, whatever the protocol (SAML, OIDC). */
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

const subjectLink = (p: LoginProfile): SubjectLink => ({
  key: subjectKey(p),
  idp: p.idp,
  issuer: p.issuer,
  subject: p.subject,
});

export interface AccountLinkerDeps {
  /** Reads only: every write goes through the directory. */
  readonly accounts: Pick<AccountStore, 'findBySubject' | 'getByUserName' | 'getByEmail'>;
  readonly directory: Pick<AccountService, 'create' | 'link'>;
  readonly signIns: Pick<SignInRecords, 'record'>;
}

/** Resolves (or, with `jit`, creates) the account of a verified sign-in and records the link. */
export type AccountLinker = (context: AuditContext, tenant: Tenant, p: LoginProfile) => Promise<Account>;

/**
 * A SCIM-provisioned person and their first login are one account. Order: the recorded SSO
 * subject, then userName (NameID, then email), then the one account with that email
 * (docs/decisions/0025-account-linking-order.md).
 */
async function findExisting(
  accounts: AccountLinkerDeps['accounts'],
  tenant: Tenant,
  p: LoginProfile,
): Promise<{ account?: Account; linked: boolean }> {
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

function jitDraft(p: LoginProfile): AccountDraft {
  const name = {
    ...(p.givenName ? { givenName: p.givenName } : {}),
    ...(p.familyName ? { familyName: p.familyName } : {}),
  };
  return {
    userName: p.email ?? p.subject,
    externalId: null,
    active: true,
    displayName: p.displayName ?? null,
    email: p.email ?? null,
    attributes: Object.keys(name).length > 0 ? { name } : {},
  };
}

export function createAccountLinker(deps: AccountLinkerDeps): AccountLinker {
  return async (context, tenant, p) => {
    const { account, linked } = await findExisting(deps.accounts, tenant, p);
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
    const scope = { tenantId: tenant.id, audit: context };
    // Just in time: the directory creates it and records the link in the same unit of work.
    const result = account ?? (await deps.directory.create(scope, jitDraft(p), 'jit', subjectLink(p)));
    if (account && !linked) await deps.directory.link(scope, account, subjectLink(p));
    await deps.signIns.record(result, p.idp);
    return result;
  };
}
