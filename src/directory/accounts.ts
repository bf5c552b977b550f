import type { AuditRecorder, RecordEvent } from '../audit/record.ts';
import { newId } from '../platform/ids.ts';
import type { Account, AccountId, Stores } from '../storage/ports.ts';
import type { DirectoryScope } from './scope.ts';
import { now } from './scope.ts';

/** The fields of an account a provisioning client controls. */
export type AccountDraft = Pick<
  Account,
  'userName' | 'externalId' | 'active' | 'displayName' | 'email' | 'attributes'
>;

/** A verified SSO identity bound to an account (docs/decisions/0025-account-linking-order.md). */
export interface SubjectLink {
  /** `idp|issuer|subject`: the key the account is found by at the next sign-in. */
  readonly key: string;
  readonly idp: 'saml' | 'oidc';
  readonly issuer: string;
  readonly subject: string;
}

/** Ends an account's product sessions and tokens (the OpenID Provider's revocation). */
export interface AccountRevoker {
  revokeAccount(tenantId: Account['tenantId'], accountId: AccountId): Promise<void>;
}

export interface AccountService {
  /** Creates an account (SCIM, or just in time at its first sign-in with `link`), audited. */
  create(
    scope: DirectoryScope,
    draft: AccountDraft,
    via: 'scim' | 'jit',
    link?: SubjectLink,
  ): Promise<Account>;
  /** Optimistic on `current.version` (`VersionConflict`); `changed` names the attributes for the audit trail. */
  update(
    scope: DirectoryScope,
    current: Account,
    draft: AccountDraft,
    changed: readonly string[],
  ): Promise<Account>;
  remove(scope: DirectoryScope, id: AccountId): Promise<boolean>;
  /** Binds an SSO subject to an existing account, audited. */
  link(scope: DirectoryScope, account: Account, link: SubjectLink): Promise<void>;
}

type UpdateType = 'account.updated' | 'account.deactivated' | 'account.reactivated';

function updateType(before: boolean, after: boolean): UpdateType {
  if (before && !after) return 'account.deactivated';
  if (!before && after) return 'account.reactivated';
  return 'account.updated';
}

async function writeLink(
  tx: Stores,
  record: RecordEvent,
  scope: DirectoryScope,
  accountId: AccountId,
  link: SubjectLink,
): Promise<void> {
  await tx.accounts.link(scope.tenantId, link.key, accountId);
  record({
    type: 'account.linked',
    tenantId: scope.tenantId,
    target: { type: 'account', id: accountId },
    data: { idp: link.idp, issuer: link.issuer, subject: link.subject },
  });
}

/**
 * The only writer of accounts, whoever asks (SCIM, sign-in). Each write and its audit events
 * share one unit of work (docs/architecture.md); sessions are revoked after the commit, so a
 * rolled-back deactivation never ends anyone's session.
 */
export function createAccountService(audit: AuditRecorder, sessions: AccountRevoker): AccountService {
  return {
    async create(scope, draft, via, link) {
      const at = now();
      const account: Account = {
        tenantId: scope.tenantId,
        id: newId() as AccountId,
        ...draft,
        createdAt: at,
        updatedAt: at,
        version: 1,
      };
      await audit.change(scope.audit, async (tx, record) => {
        await tx.accounts.insert(account);
        record({
          type: 'account.created',
          tenantId: scope.tenantId,
          target: { type: 'account', id: account.id },
          data: { via, userName: account.userName, attributes: attributeNames(draft) },
        });
        if (link) await writeLink(tx, record, scope, account.id, link);
      });
      return account;
    },

    async update(scope, current, draft, changed) {
      const next: Account = { ...current, ...draft, updatedAt: now() };
      const type = updateType(current.active, next.active);
      const saved = await audit.change(scope.audit, async (tx, record) => {
        const stored = await tx.accounts.update(next, current.version, current);
        record({
          type,
          tenantId: scope.tenantId,
          target: { type: 'account', id: current.id },
          data: { attributes: [...changed] },
        });
        return stored;
      });
      if (type === 'account.deactivated') await sessions.revokeAccount(scope.tenantId, current.id);
      return saved;
    },

    async remove(scope, id) {
      const removed = await audit.change(scope.audit, async (tx, record) => {
        const gone = await tx.accounts.remove(scope.tenantId, id);
        if (gone)
          record({
            type: 'account.deleted',
            tenantId: scope.tenantId,
            target: { type: 'account', id },
            data: {},
          });
        return gone;
      });
      if (removed) await sessions.revokeAccount(scope.tenantId, id);
      return removed;
    },

    async link(scope, account, link) {
      await audit.change(scope.audit, (tx, record) => writeLink(tx, record, scope, account.id, link));
    },
  };
}

function attributeNames(draft: AccountDraft): string[] {
  const names = ['userName', 'active'];
  if (draft.externalId !== null) names.push('externalId');
  if (draft.displayName !== null) names.push('displayName');
  return [...names, ...Object.keys(draft.attributes)];
}
