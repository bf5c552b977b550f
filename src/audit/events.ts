import type { AuditEventInput, JsonObject, TenantId } from '../storage/ports.ts';
import type { Actor } from '../platform/http/context.ts';

/** Every audit event type, `noun.past_verb`. A closed list: adding one is a reviewed change. */
export const AUDIT_TYPES = [
  'operator.key_generated',
  'tenant.created',
  'tenant.updated',
  'tenant.deleted',
  'token.created',
  'token.revoked',
  'connection.updated',
  'connection.removed',
  'client.created',
  'client.deleted',
  'account.provisioned',
  'account.updated',
  'account.deactivated',
  'account.reactivated',
  'account.deleted',
  'account.linked',
  'team.created',
  'team.updated',
  'team.deleted',
  'team.members_added',
  'team.members_removed',
  'team.members_replaced',
  'sso.login_succeeded',
  'sso.login_rejected',
] as const;

export type AuditType = (typeof AUDIT_TYPES)[number];

/** Who did it and under which request: travels with the request (see RequestContext). */
export interface AuditContext {
  readonly requestId: string | null;
  readonly actor: Actor | null;
}

export const SYSTEM: AuditContext = { requestId: null, actor: { type: 'system', id: null } };

export function auditEvent(
  context: AuditContext,
  tenantId: TenantId | null,
  type: AuditType,
  target: { type: string; id: string } | null,
  data: JsonObject = {},
): AuditEventInput {
  return {
    tenantId,
    type,
    actor: context.actor ?? { type: 'system', id: null },
    target,
    data,
    requestId: context.requestId,
  };
}
