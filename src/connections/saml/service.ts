import { z } from 'zod';
import type { Container } from '../../container.ts';
import type { Tenant } from '../../storage/ports.ts';
import { BadRequest, NotFound } from '../../platform/errors.ts';
import { parseInput } from '../../tenants/service.ts';
import { auditEvent } from '../../audit/events.ts';
import type { AuditContext } from '../../audit/events.ts';
import { connectionJson, samlConnectionOf, SamlOptionsSchema, spKeyContext, spValues } from './connection.ts';
import type { SamlConnection } from './connection.ts';
import { describeCertificate, parseIdpMetadata } from './metadata.ts';
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

/** What `GET /admin/tenants/{slug}/saml` shows: the IdP as we read it and our values to paste. */
export function connectionView(container: Container, tenant: Tenant, c: SamlConnection) {
  return {
    idp: {
      entityId: c.idp.entityId,
      ssoUrl: c.idp.ssoUrls.redirect ?? null,
      ssoUrls: c.idp.ssoUrls,
      sloUrl: c.idp.sloUrl,
      certificates: c.idp.certificates.map(describeCertificate),
      nameIdFormats: c.idp.nameIdFormats,
    },
    options: c.options,
    source: c.source,
    sp: { ...spValues(container, tenant.slug), certificate: c.sp.certificate },
    updatedAt: c.updatedAt,
  };
}

async function bySlug(container: Container, slug: string): Promise<Tenant> {
  const tenant = await container.storage.tenants.getBySlug(slug);
  if (!tenant) throw new NotFound(`no tenant ${slug}`, 'tenant_not_found');
  return tenant;
}

/** The tenant's SP key: generated with the first connection, kept (sealed) across uploads. */
function spKey(container: Container, tenant: Tenant): SamlConnection['sp'] {
  const existing = samlConnectionOf(tenant)?.sp;
  if (existing) return existing;
  const { privateKeyPem, certificatePem } = selfSignedCertificate(`trustgate-sp-${tenant.slug}`);
  return {
    privateKeySealed: container.secrets.encrypt(privateKeyPem, spKeyContext(tenant)),
    certificate: certificatePem,
  };
}

async function save(
  container: Container,
  context: AuditContext,
  tenant: Tenant,
  connections: Tenant['connections'],
  data: Record<string, string>,
  removed = false,
) {
  const next: Tenant = { ...tenant, connections, updatedAt: new Date().toISOString() };
  return container.storage.transaction(async (tx) => {
    const saved = await tx.tenants.update(next, tenant.version);
    await tx.audit.append(
      auditEvent(
        context,
        tenant.id,
        removed ? 'connection.removed' : 'connection.updated',
        { type: 'connection', id: `${tenant.id}:saml` },
        { kind: 'saml', ...data },
      ),
    );
    return saved;
  });
}

/** `PUT …/saml` from XML text or JSON `{metadataXml | metadataUrl, options}`. */
export async function putSamlConnection(
  container: Container,
  context: AuditContext,
  slug: string,
  input: { xml: string } | { json: unknown },
) {
  const tenant = await bySlug(container, slug);
  const data =
    'xml' in input
      ? { metadataXml: input.xml, options: { signAuthnRequests: false } }
      : parseInput(PutSamlInput, input.json);
  const url = 'metadataUrl' in data ? data.metadataUrl : undefined;
  const xml = url ? await fetchMetadata(url, container.config.allowInsecureIdp) : data.metadataXml;
  if (!xml) throw new BadRequest('no metadata given');
  const connection: SamlConnection = {
    idp: parseIdpMetadata(xml),
    options: data.options,
    source: url ? { kind: 'url', url } : { kind: 'xml' },
    sp: spKey(container, tenant),
    updatedAt: new Date().toISOString(),
  };
  const saved = await save(
    container,
    context,
    tenant,
    { ...tenant.connections, saml: connectionJson(connection) },
    { entityId: connection.idp.entityId, source: connection.source.kind },
  );
  return connectionView(container, saved, connection);
}

export async function getSamlConnection(container: Container, slug: string) {
  const tenant = await bySlug(container, slug);
  const connection = samlConnectionOf(tenant);
  if (!connection) throw new NotFound(`tenant ${slug} has no SAML connection`, 'connection_not_found');
  return connectionView(container, tenant, connection);
}

export async function deleteSamlConnection(
  container: Container,
  context: AuditContext,
  slug: string,
): Promise<void> {
  const tenant = await bySlug(container, slug);
  if (!samlConnectionOf(tenant))
    throw new NotFound(`tenant ${slug} has no SAML connection`, 'connection_not_found');
  const { saml: _removed, ...rest } = tenant.connections;
  await save(container, context, tenant, rest, {}, true);
}
