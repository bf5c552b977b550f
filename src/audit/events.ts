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
  'account.created': { via: 'scim' | 'jit'; userName: string; attributes: string[] };
  'account.updated': AttributeChange;
  'account.deactivated': AttributeChange;
  'account.reactivated': AttributeChange;
  'account.deleted': Empty;
  'account.linked': { idp: ConnectionKind; issuer: string; subject: string };
  'team.created': { displayName: string; attributes: string[] };
  'team.updated': AttributeChange;
  'team.deleted': Empty;
  'team.member_added': MemberChangeData;
  'team.member_removed': MemberChangeData;
  'team.members_replaced': MemberChangeData;
  'webhook.created': { url: string; types: string[] | null };
  'webhook.deleted': Empty;
  'setup_link.created': { expiresAt: string };
  'setup_link.redeemed': Empty;
  'setup_link.revoked': Empty;
  'secret.resealed': { kind: SealedSecretKind; keyId: string };
  'signing_key.added': { kid: string };
  'signing_key.promoted': { kid: string; retired: string[] };
  'session.started': { protocol: ConnectionKind; amr: string[] };
  'sso.login_rejected': { protocol: ConnectionKind; code: string; reason: string; reference: string };
  /** SAML Single Logout ended the account's product sessions (`idp`) or sent the person to the IdP (`sp`). */
  'session.ended': { protocol: 'saml'; initiator: 'idp' | 'sp' };
  'sso.logout_rejected': { protocol: 'saml'; code: string; reason: string; reference: string };
}

type Empty = Record<string, never>;
/** Secrets sealed under the master key, by where they live (docs/operations.md, master key). */
export type SealedSecretKind =
  | 'saml_sp_key'
  | 'oidc_client_secret'
  | 'client_secret'
  | 'webhook_secret'
  | 'provider_signing_keys'
  | 'provider_cookie_keys';
type ConnectionKind = 'saml' | 'oidc';
type AttributeChange = { attributes: string[] };
/** Member ids are listed up to a limit; larger changes record the count only. */
type MemberChangeData = { count: number; accountIds?: string[] };

export type AuditType = keyof AuditData;

/**
 * Every type, with what it records: a `change` to stored data (the audit trail is these) or a
 * `sign_in` outcome. Keyed by the union, so a type added above must be classified here.
 */
const KINDS: { readonly [T in AuditType]: 'change' | 'sign_in' } = {
  'operator.key_generated': 'change',
  'tenant.created': 'change',
  'tenant.updated': 'change',
  'tenant.deleted': 'change',
  'token.created': 'change',
  'token.revoked': 'change',
  'connection.updated': 'change',
  'connection.removed': 'change',
  // Connection lifecycle notices belong in the admin's trail beside the connection's changes.
  'connection.refresh_failed': 'change',
  'connection.certificate_expiring': 'change',
  'client.created': 'change',
  'client.deleted': 'change',
  'account.created': 'change',
  'account.updated': 'change',
  'account.deactivated': 'change',
  'account.reactivated': 'change',
  'account.deleted': 'change',
  'account.linked': 'change',
  'team.created': 'change',
  'team.updated': 'change',
  'team.deleted': 'change',
  'team.member_added': 'change',
  'team.member_removed': 'change',
  'team.members_replaced': 'change',
  'webhook.created': 'change',
  'webhook.deleted': 'change',
  'setup_link.created': 'change',
  'setup_link.redeemed': 'change',
  'setup_link.revoked': 'change',
  'secret.resealed': 'change',
  'signing_key.added': 'change',
  'signing_key.promoted': 'change',
  'session.started': 'sign_in',
  'sso.login_rejected': 'sign_in',
  'session.ended': 'sign_in',
  'sso.logout_rejected': 'sign_in',
};

export const AUDIT_TYPES: readonly AuditType[] = Object.keys(KINDS) as AuditType[];
/** The types of the audit trail (`/audit`): changes, not sign-in outcomes. */
export const CHANGE_TYPES: readonly AuditType[] = AUDIT_TYPES.filter((t) => KINDS[t] === 'change');

export function isAuditType(value: string): value is AuditType {
  return Object.hasOwn(KINDS, value);
}

/** How long events are kept unless configured otherwise (docs/configuration.md). */
export const DEFAULT_RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;

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

/** The stored form of `change`, made under `context`, kept for `retentionDays`. */
export function auditInput(
  context: AuditContext,
  change: AuditChange,
  retentionDays: number = DEFAULT_RETENTION_DAYS,
): AuditEventInput {
  return {
    tenantId: change.tenantId,
    type: change.type,
    actor: context.actor ?? { type: 'system', id: null },
    target: change.target,
    // Every AuditData shape is JSON (strings, numbers, booleans, arrays of them).
    data: change.data,
    requestId: context.requestId,
    expiresAt: new Date(Date.now() + retentionDays * DAY_MS).toISOString(),
  };
}
