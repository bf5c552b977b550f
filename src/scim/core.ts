import type { AuditContext } from '../audit/events.ts';
import type { AccountService } from '../directory/accounts.ts';
import type { DirectoryScope } from '../directory/scope.ts';
import type { TeamService } from '../directory/teams.ts';
import type { JsonObject, Storage, Tenant } from '../storage/ports.ts';
import { VersionConflict } from '../storage/ports.ts';
import { ScimError } from './errors.ts';

/** Who calls, for which tenant, and where its resources live: travels with each request. */
export interface ScimScope {
  readonly tenant: Tenant;
  readonly audit: AuditContext;
  /** `{publicUrl}/scim/v2/{slug}` for `meta.location` and `$ref`. */
  readonly baseUrl: string;
}

/** A protocol request as the core sees it: no Express. */
export interface ScimInput {
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly body: unknown;
  readonly ifMatch?: string | undefined;
  readonly ifNoneMatch?: string | undefined;
}

export interface ScimResult {
  readonly status: number;
  readonly body?: JsonObject;
  readonly etag?: string;
  readonly location?: string;
}

export interface ScimServices {
  readonly storage: Storage;
  readonly accounts: AccountService;
  readonly teams: TeamService;
}

export const directoryScope = (scope: ScimScope): DirectoryScope => ({
  tenantId: scope.tenant.id,
  audit: scope.audit,
});

/** RFC 7644 §3.14: weak ETags from the record version. */
export const etagOf = (version: number): string => `W/"${version}"`;

function matches(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === '*' || t === etag || t.replace(/^W\//, '') === etag.replace(/^W\//, ''));
}

/** `If-Match` on a write: 412 when the resource moved on (RFC 7644 §3.14). */
export function checkIfMatch(input: ScimInput, version: number): void {
  if (input.ifMatch !== undefined && !matches(input.ifMatch, etagOf(version)))
    throw new ScimError(412, undefined, 'the resource does not match If-Match');
}

/** `If-None-Match` on a read: true when the client's copy is current (304). */
export const notModified = (input: ScimInput, version: number): boolean =>
  input.ifNoneMatch !== undefined && matches(input.ifNoneMatch, etagOf(version));

/**
 * Read-modify-write with optimistic concurrency: without `If-Match` a concurrent change is not
 * the caller's problem, so we re-read and re-apply a few times; with `If-Match` it is a 412.
 */
export async function withRetry<T>(input: ScimInput, attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof VersionConflict) || input.ifMatch !== undefined || i >= 4) throw err;
    }
  }
}
