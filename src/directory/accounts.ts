import { auditEvent } from '../audit/events.ts';
import type { AuditType } from '../audit/events.ts';
import { newId } from '../platform/ids.ts';
import type { SessionRevoker } from '../provider/revocation.ts';
import type { Account, AccountId, Storage } from '../storage/ports.ts';
import type { DirectoryScope } from './scope.ts';
import { now } from './scope.ts';

/** The fields of an account a provisioning client controls. */
export type AccountDraft = Pick<
  Account,
  'userName' | 'externalId' | 'active' | 'displayName' | 'email' | 'attributes'
>;

export interface AccountService {
  create(scope: DirectoryScope, draft: AccountDraft, via: 'scim' | 'jit'): Promise<Account>;
  /** Optimistic on `current.version` (`VersionConflict`); `changed` names the attributes for the audit trail. */
  update(
    scope: DirectoryScope,
    current: Account,
    draft: AccountDraft,
    changed: readonly string[],
  ): Promise<Account>;
  remove(scope: DirectoryScope, id: AccountId): Promise<boolean>;
}

function updateType(before: boolean, after: boolean): AuditType {
  if (before && !after) return 'account.deactivated';
  if (!before && after) return 'account.reactivated';
  return 'account.updated';
}

/**
 * Protocol-free account operations. Each write and its audit event share one transaction
 * (DESIGN.md: audit in the same unit of work); sessions are revoked after the commit, so a
 * rolled-back deactivation never ends anyone's session.
 */
export function createAccountService(storage: Storage, sessions: SessionRevoker): AccountService {
  return {
    async create(scope, draft, via) {
      const at = now();
      const account: Account = {
        tenantId: scope.tenantId,
        id: newId() as AccountId,
        ...draft,
        createdAt: at,
        updatedAt: at,
        version: 1,
      };
      const target = { type: 'account', id: account.id };
      await storage.transaction(async (tx) => {
        await tx.accounts.insert(account);
        const data = { via, userName: account.userName, attributes: attributeNames(draft) };
        await tx.audit.append(auditEvent(scope.audit, scope.tenantId, 'account.provisioned', target, data));
      });
      return account;
    },

    async update(scope, current, draft, changed) {
      const next: Account = { ...current, ...draft, updatedAt: now() };
      const type = updateType(current.active, next.active);
      const saved = await storage.transaction(async (tx) => {
        const stored = await tx.accounts.update(next, current.version, current);
        const data = { attributes: [...changed] };
        await tx.audit.append(
          auditEvent(scope.audit, scope.tenantId, type, { type: 'account', id: current.id }, data),
        );
        return stored;
      });
      if (type === 'account.deactivated') await sessions.revokeAccount(scope.tenantId, current.id);
      return saved;
    },

    async remove(scope, id) {
      const removed = await storage.transaction(async (tx) => {
        const gone = await tx.accounts.remove(scope.tenantId, id);
        if (gone)
          await tx.audit.append(
            auditEvent(scope.audit, scope.tenantId, 'account.deleted', { type: 'account', id }),
          );
        return gone;
      });
      if (removed) await sessions.revokeAccount(scope.tenantId, id);
      return removed;
    },
  };
}

function attributeNames(draft: AccountDraft): string[] {
  const names = ['userName', 'active'];
  if (draft.externalId !== null) names.push('externalId');
  if (draft.displayName !== null) names.push('displayName');
  return [...names, ...Object.keys(draft.attributes)];
}
