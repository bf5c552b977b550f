import type { AccountId, Storage, TenantId } from '../storage/ports.ts';
import { revokeAccountRecords } from './records.ts';

/**
 * Ends everything an account holds in the product: called by SCIM when an account is
 * deactivated or deleted: its existing product sessions and tokens stop working (docs/security.md).
 */
export interface SessionRevoker {
  revokeAccount(tenantId: TenantId, accountId: AccountId): Promise<void>;
}

/**
 * Revokes through the OpenID Provider's own records (see oidc-records.ts): every grant of the
 * account with its access tokens, refresh tokens and unused codes, and its browser sessions.
 * The provider's `findAccount` also refuses inactive accounts, so a token that raced this
 * revocation still fails at userinfo and refresh.
 */
export function createSessionRevoker(storage: Storage): SessionRevoker {
  return {
    async revokeAccount(_tenantId, accountId) {
      // Account ids are globally unique (UUIDv7), so the index is keyed by account alone.
      await revokeAccountRecords(storage.ephemeral, accountId);
    },
  };
}
