import type { AuditContext } from '../audit/events.ts';
import type { TenantId } from '../storage/ports.ts';

/** Who acts on which tenant: travels with each call (no request state on shared objects). */
export interface DirectoryScope {
  readonly tenantId: TenantId;
  readonly audit: AuditContext;
}

export const now = (): string => new Date().toISOString();
