import { z } from 'zod';
import type { Tenant, TenantStore } from '../../storage/ports.ts';
import { BadRequest, NotFound } from '../../platform/errors.ts';
import type { SecretBox } from '../../platform/secrets.ts';
import { parseInput } from '../../platform/input.ts';
import type { AuditChange, AuditContext } from '../../audit/events.ts';
import type { AuditRecorder } from '../../audit/record.ts';
import { connectionJson, samlConnectionOf, SamlOptionsSchema, spKeyContext, spValues } from './connection.ts';
import type { SamlConnection } from './connection.ts';
import { daysUntil, describeCertificate, parseIdpMetadata } from './metadata.ts';
import { fetchMetadata } from './fetch-metadata.ts';
import { selfSignedCertificate } from './x509.ts';

const PutSamlInput = z
  .object({
    metadataXml: z
      .string()
      .min(1)
      .max(1024 * 1024)
      .optional(),
    metadataUrl: z.string().min(1).max(2048).optional(),
    options: SamlOptionsSchema.default({ signAuthnRequests: false }),
  })
  .strict()
  .refine(
    (v) => (v.metadataXml === undefined) !== (v.metadataUrl === undefined),
    'give exactly one of metadataXml and metadataUrl',
  );

/** What the admin operations on a tenant's SAML connection need. */
export interface SamlAdminDeps {
  readonly publicUrl: string;
  readonly allowInsecureIdp: boolean;
  readonly tenants: Pick<TenantStore, 'getBySlug'>;
  readonly audit: AuditRecorder;
  readonly secrets: SecretBox;
}

/** What `GET /admin/tenants/{slug}/saml` shows: the IdP as we read it and our values to paste. */
export function connectionView(publicUrl: string, tenant: Tenant, c: SamlConnection) {
  return {
    idp: {
      entityId: c.idp.entityId,
      ssoUrl: c.idp.ssoUrls.redirect ?? null,
      ssoUrls: c.idp.ssoUrls,
      sloUrl: c.idp.sloUrl,
      // Absent on connections stored before Single Logout: a new upload or refresh reads them.
      sloUrls: c.idp.sloUrls ?? null,
      certificates: c.idp.certificates.map((pem) => {
        const cert = describeCertificate(pem);
        return { ...cert, daysToExpiry: daysUntil(cert.notAfter) };
      }),
      nameIdFormats: c.idp.nameIdFormats,
    },
    options: c.options,
    source: c.source,
    sp: { ...spValues(publicUrl, tenant.slug), certificate: c.sp.certificate },
    updatedAt: c.updatedAt,
  };
}

async function bySlug(deps: SamlAdminDeps, slug: string): Promise<Tenant> {
  const tenant = await deps.tenants.getBySlug(slug);
  if (!tenant) throw new NotFound(`no tenant ${slug}`, 'tenant_not_found');
  return tenant;
}

/** The tenant's SP key: generated with the first connection, kept (sealed) across uploads. */
function spKey(secrets: SecretBox, tenant: Tenant): SamlConnection['sp'] {
  const existing = samlConnectionOf(tenant)?.sp;
  if (existing) return existing;
  const { privateKeyPem, certificatePem } = selfSignedCertificate(`trustgate-sp-${tenant.slug}`);
  return {
    privateKeySealed: secrets.encrypt(privateKeyPem, spKeyContext(tenant)),
    certificate: certificatePem,
  };
}

type ConnectionChange = Extract<AuditChange, { type: 'connection.updated' | 'connection.removed' }>;

/** The tenant with its new connections, and the audit event, in one unit of work. */
async function save(
  deps: SamlAdminDeps,
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

const target = (tenant: Tenant) => ({ type: 'connection', id: `${tenant.id}:saml` });

/** `PUT …/saml` from XML text or JSON `{metadataXml | metadataUrl, options}`. */
export async function putSamlConnection(
  deps: SamlAdminDeps,
  context: AuditContext,
  slug: string,
  input: { xml: string } | { json: unknown },
) {
  const tenant = await bySlug(deps, slug);
  const data =
    'xml' in input
      ? { metadataXml: input.xml, options: { signAuthnRequests: false } }
      : parseInput(PutSamlInput, input.json);
  const url = 'metadataUrl' in data ? data.metadataUrl : undefined;
  const xml = url ? await fetchMetadata(url, deps.allowInsecureIdp) : data.metadataXml;
  if (!xml) throw new BadRequest('no metadata given');
  const connection: SamlConnection = {
    idp: parseIdpMetadata(xml),
    options: data.options,
    source: url ? { kind: 'url', url } : { kind: 'xml' },
    sp: spKey(deps.secrets, tenant),
    updatedAt: new Date().toISOString(),
  };
  const saved = await save(
    deps,
    context,
    tenant,
    { ...tenant.connections, saml: connectionJson(connection) },
    {
      type: 'connection.updated',
      tenantId: tenant.id,
      target: target(tenant),
      data: { kind: 'saml', entityId: connection.idp.entityId, source: connection.source.kind },
    },
  );
  return connectionView(deps.publicUrl, saved, connection);
}

export async function getSamlConnection(deps: SamlAdminDeps, slug: string) {
  const tenant = await bySlug(deps, slug);
  const connection = samlConnectionOf(tenant);
  if (!connection) throw new NotFound(`tenant ${slug} has no SAML connection`, 'connection_not_found');
  return connectionView(deps.publicUrl, tenant, connection);
}

export async function deleteSamlConnection(
  deps: SamlAdminDeps,
  context: AuditContext,
  slug: string,
): Promise<void> {
  const tenant = await bySlug(deps, slug);
  if (!samlConnectionOf(tenant))
    throw new NotFound(`tenant ${slug} has no SAML connection`, 'connection_not_found');
  const { saml: _removed, ...rest } = tenant.connections;
  await save(deps, context, tenant, rest, {
    type: 'connection.removed',
    tenantId: tenant.id,
    target: target(tenant),
    data: { kind: 'saml' },
  });
}
