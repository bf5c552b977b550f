import type { Tenant, TenantStore } from '../../storage/ports.ts';
import { NotFound } from '../../platform/errors.ts';
import type { SecretBox } from '../../platform/secrets.ts';
import { parseInput } from '../../platform/input.ts';
import type { AuditChange, AuditContext } from '../../audit/events.ts';
import type { AuditRecorder } from '../../audit/record.ts';
import {
  DEFAULT_SCOPES,
  PutOidcInput,
  clientSecretContext,
  connectionJson,
  oidcConnectionOf,
  rpValues,
} from './connection.ts';
import type { OidcConnection } from './connection.ts';
import { discoverServer } from './discovery.ts';

/** What the admin operations on a tenant's OIDC connection need. */
export interface OidcAdminDeps {
  readonly publicUrl: string;
  readonly allowInsecureIdp: boolean;
  readonly tenants: Pick<TenantStore, 'getBySlug'>;
  readonly audit: AuditRecorder;
  readonly secrets: SecretBox;
}

/** What `GET /admin/tenants/{slug}/oidc` shows: never the client secret. */
export function oidcConnectionView(publicUrl: string, tenant: Tenant, c: OidcConnection) {
  return {
    issuer: c.issuer,
    clientId: c.clientId,
    clientSecretSet: true,
    scopes: c.scopes,
    claimMapping: c.claimMapping,
    allowedEmailDomains: c.allowedEmailDomains,
    endpoints: {
      authorization: c.server.authorization_endpoint,
      token: c.server.token_endpoint,
      userinfo: c.server.userinfo_endpoint ?? null,
      jwks: c.server.jwks_uri,
    },
    rp: rpValues(publicUrl, tenant.slug),
    updatedAt: c.updatedAt,
  };
}

async function bySlug(deps: OidcAdminDeps, slug: string): Promise<Tenant> {
  const tenant = await deps.tenants.getBySlug(slug);
  if (!tenant) throw new NotFound(`no tenant ${slug}`, 'tenant_not_found');
  return tenant;
}

type ConnectionChange = Extract<AuditChange, { type: 'connection.updated' | 'connection.removed' }>;

async function save(
  deps: OidcAdminDeps,
  context: AuditContext,
  tenant: Tenant,
  connections: Tenant['connections'],
  change: ConnectionChange,
): Promise<Tenant> {
  const next: Tenant = { ...tenant, connections, updatedAt: new Date().toISOString() };
  return deps.audit.change(context, async (tx, record) => {
    const saved = await tx.tenants.update(next, tenant.version);
    record(change);
    return saved;
  });
}

const target = (tenant: Tenant) => ({ type: 'connection', id: `${tenant.id}:oidc` });

/** `PUT …/oidc`: discovery first (a failure stores nothing), then the sealed secret and the audit event. */
export async function putOidcConnection(
  deps: OidcAdminDeps,
  context: AuditContext,
  slug: string,
  body: unknown,
) {
  const tenant = await bySlug(deps, slug);
  const input = parseInput(PutOidcInput, body);
  const issuer = input.issuer.replace(/\/+$/, '');
  const server = await discoverServer(issuer, deps.allowInsecureIdp);
  const scopes = [...new Set(['openid', ...(input.scopes ?? DEFAULT_SCOPES)])];
  const connection: OidcConnection = {
    issuer: server.issuer,
    clientId: input.clientId,
    clientSecretSealed: deps.secrets.encrypt(input.clientSecret, clientSecretContext(tenant)),
    scopes,
    claimMapping: input.claimMapping ?? {},
    allowedEmailDomains: input.allowedEmailDomains ?? [],
    server,
    updatedAt: new Date().toISOString(),
  };
  const saved = await save(
    deps,
    context,
    tenant,
    { ...tenant.connections, oidc: connectionJson(connection) },
    {
      type: 'connection.updated',
      tenantId: tenant.id,
      target: target(tenant),
      data: { kind: 'oidc', entityId: connection.issuer, source: 'discovery' },
    },
  );
  return oidcConnectionView(deps.publicUrl, saved, connection);
}

export async function getOidcConnection(deps: OidcAdminDeps, slug: string) {
  const tenant = await bySlug(deps, slug);
  const connection = oidcConnectionOf(tenant);
  if (!connection) throw new NotFound(`tenant ${slug} has no OIDC connection`, 'connection_not_found');
  return oidcConnectionView(deps.publicUrl, tenant, connection);
}

export async function deleteOidcConnection(deps: OidcAdminDeps, context: AuditContext, slug: string) {
  const tenant = await bySlug(deps, slug);
  if (!oidcConnectionOf(tenant))
    throw new NotFound(`tenant ${slug} has no OIDC connection`, 'connection_not_found');
  const { oidc: _removed, ...rest } = tenant.connections;
  await save(deps, context, tenant, rest, {
    type: 'connection.removed',
    tenantId: tenant.id,
    target: target(tenant),
    data: { kind: 'oidc' },
  });
}
