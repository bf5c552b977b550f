import type { Actor } from '../platform/actor.ts';
import type { AuditEventInput, TenantId, TenantStatus } from '../storage/ports.ts';

/**
 * Every audit event, `noun.past_verb`, with the shape of its `data`. A closed union: adding an
 * event is a reviewed change, and `data` can hold only what its type declares (never secrets or
 * raw SAML/OIDC payloads; docs/security.md).
 */
interface AuditData {
  'operator.key_generated': Empty;
  'tenant.created': { slug: string; name: string; domains: string[] };
  'tenant.updated': { changed: string[]; status?: TenantStatus };
  'tenant.deleted': { slug: string };
  'token.created': { label: string | null };
  'token.revoked': Empty;
  'connection.updated': { kind: ConnectionKind; entityId: string; source: 'xml' | 'url' | 'discovery' };
  'connection.removed': { kind: ConnectionKind };
  'connection.refresh_failed': { kind: 'saml'; url: string; reason: string };
  'connection.certificate_expiring': {
    kind: 'saml';
    fingerprint256: string;
    notAfter: string;
    daysLeft: number;
    threshold: number;
  };
  'client.created': { name: string; public: boolean };
  'client.deleted': Empty;
  'account.provisioned': { via: 'scim' | 'jit'; userName: string; attributes: string[] };
  'account.updated': AttributeChange;
  'account.deactivated': AttributeChange;
  'account.reactivated': AttributeChange;
  'account.deleted': Empty;
  'account.linked': { idp: ConnectionKind; issuer: string; subject: string };
  'team.created': { displayName: string; attributes: string[] };
  'team.updated': AttributeChange;
  'team.deleted': Empty;
  'team.members_added': MemberChangeData;
  'team.members_removed': MemberChangeData;
  'team.members_replaced': MemberChangeData;
  'sso.login_succeeded': { protocol: ConnectionKind; amr: string[] };
  'sso.login_rejected': { protocol: ConnectionKind; code: string; reason: string; reference: string };
}

type Empty = Record<string, never>;
type ConnectionKind = 'saml' | 'oidc';
type AttributeChange = { attributes: string[] };
/** Member ids are listed up to a limit; larger changes record the count only. */
type MemberChangeData = { count: number; accountIds?: string[] };

export type AuditType = keyof AuditData;

export interface AuditTarget {
  readonly type: string;
  readonly id: string;
}

/** One event as a service states it; who and under which request come from the `AuditContext`. */
export type AuditChange = {
  [T in AuditType]: {
    readonly type: T;
    readonly tenantId: TenantId | null;
    readonly target: AuditTarget | null;
    readonly data: AuditData[T];
  };
}[AuditType];

/** Who did it and under which request: travels with the request (see RequestContext). */
export interface AuditContext {
  readonly requestId: string | null;
  readonly actor: Actor | null;
}

export const SYSTEM: AuditContext = { requestId: null, actor: { type: 'system', id: null } };

/** The stored form of `change`, made under `context`. */
export function auditInput(context: AuditContext, change: AuditChange): AuditEventInput {
  return {
    tenantId: change.tenantId,
    type: change.type,
    actor: context.actor ?? { type: 'system', id: null },
    target: change.target,
    // Every AuditData shape is JSON (strings, numbers, booleans, arrays of them).
    data: change.data,
    requestId: context.requestId,
  };
}
