import { isDeepStrictEqual } from 'node:util';
import type { Tenant } from '../../storage/ports.ts';
import { VersionConflict } from '../../storage/errors.ts';
import { SYSTEM } from '../../audit/events.ts';
import type { AuditRecorder } from '../../audit/record.ts';
import { connectionJson, samlConnectionOf } from '../saml/connection.ts';
import { fetchMetadata } from '../saml/fetch-metadata.ts';
import { parseIdpMetadata } from '../saml/metadata.ts';

export interface RefreshDeps {
  readonly allowInsecureIdp: boolean;
  readonly audit: AuditRecorder;
  /** The fetch of an admin-supplied metadata URL (SSRF guard, 1 MiB, 5 s; saml/fetch-metadata.ts). */
  readonly fetchMetadata?: typeof fetchMetadata;
}

export type RefreshResult = 'not_from_url' | 'unchanged' | 'updated' | 'failed' | 'skipped';

const target = (tenant: Tenant) => ({ type: 'connection', id: `${tenant.id}:saml` });

/**
 * Fetches a URL-sourced SAML connection's metadata again, so a certificate the IdP publishes
 * before a rollover is trusted without an admin (SAML metadata §2.3.2 leaves refresh to the
 * relying party). A fetch or parse that fails keeps the last good metadata and records
 * `connection.refresh_failed`.
 */
export async function refreshSamlMetadata(deps: RefreshDeps, tenant: Tenant): Promise<RefreshResult> {
  const connection = samlConnectionOf(tenant);
  if (connection?.source.kind !== 'url') return 'not_from_url';
  const { url } = connection.source;
  let idp;
  try {
    idp = parseIdpMetadata(await (deps.fetchMetadata ?? fetchMetadata)(url, deps.allowInsecureIdp));
  } catch (err) {
    await deps.audit.event(SYSTEM, {
      type: 'connection.refresh_failed',
      tenantId: tenant.id,
      target: target(tenant),
      data: { kind: 'saml', url, reason: (err as Error).message.slice(0, 300) },
    });
    return 'failed';
  }
  if (isDeepStrictEqual(idp, connection.idp)) return 'unchanged';
  const next: Tenant = {
    ...tenant,
    connections: {
      ...tenant.connections,
      saml: connectionJson({ ...connection, idp, updatedAt: new Date().toISOString() }),
    },
    updatedAt: new Date().toISOString(),
  };
  try {
    await deps.audit.change(SYSTEM, async (tx, record) => {
      await tx.tenants.update(next, tenant.version);
      record({
        type: 'connection.updated',
        tenantId: tenant.id,
        target: target(tenant),
        data: { kind: 'saml', entityId: idp.entityId, source: 'url' },
      });
    });
  } catch (err) {
    // An admin changed the tenant meanwhile: theirs wins, the next run refreshes again.
    if (err instanceof VersionConflict) return 'skipped';
    throw err;
  }
  return 'updated';
}
