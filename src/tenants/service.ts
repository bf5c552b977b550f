import { z } from 'zod';
import type {
  ApiToken,
  JsonObject,
  Storage,
  Tenant,
  TenantId,
  TokenId,
  TokenKind,
} from '../storage/ports.ts';
import { UniquenessConflict } from '../storage/ports.ts';
import { newId } from '../platform/ids.ts';
import { Conflict, NotFound } from '../platform/errors.ts';
import { parseInput } from '../platform/input.ts';
import type { AuditContext } from '../audit/events.ts';
import type { AuditRecorder } from '../audit/record.ts';
import { TenantSettingsSchema } from './settings.ts';
import { mintToken } from './tokens.ts';

// RFC 1035-ish label: lowercase letters, digits and inner hyphens, 2–63 characters.
const SLUG = /^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$/;
// Slugs that would read as part of our own URL space.
const RESERVED_SLUGS = new Set([
  'admin',
  'api',
  'oauth',
  'scim',
  'sso',
  'static',
  'well-known',
  'healthz',
  'readyz',
  'metrics',
]);
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

const Domains = z
  .array(z.string().trim().toLowerCase().regex(DOMAIN, 'a domain name such as example.com'))
  .max(100)
  .transform((list) => [...new Set(list)]);

export const CreateTenantInput = z
  .object({
    slug: z
      .string()
      .regex(
        SLUG,
        'lowercase letters, digits and hyphens, 2–63 characters, not starting or ending with a hyphen',
      )
      .refine((s) => !RESERVED_SLUGS.has(s), 'this slug is reserved'),
    name: z.string().trim().min(1).max(200),
    domains: Domains.default([]),
    settings: TenantSettingsSchema.default({}),
  })
  .strict();

export const UpdateTenantInput = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    domains: Domains.optional(),
    status: z.enum(['active', 'disabled']).optional(),
    settings: TenantSettingsSchema.optional(),
  })
  .strict();

export type CreateTenant = z.input<typeof CreateTenantInput>;
export type UpdateTenant = z.input<typeof UpdateTenantInput>;

function conflictOf(err: unknown): never {
  if (err instanceof UniquenessConflict) {
    const what =
      err.field === 'domains'
        ? 'a domain is already claimed by another tenant'
        : `${err.field} is already taken`;
    throw new Conflict(what, 'conflict', { cause: err });
  }
  throw err;
}

export interface TokenView {
  readonly id: TokenId;
  readonly kind: TokenKind;
  readonly label: string | null;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

export const tokenView = (t: ApiToken): TokenView => ({
  id: t.id,
  kind: t.kind,
  label: t.label,
  createdAt: t.createdAt,
  lastUsedAt: t.lastUsedAt,
});

export interface TenantServiceOptions {
  /** Called after a token is revoked or a tenant changes or goes (drops cached authentications). */
  readonly onAccessChange?: () => void;
}

export function createTenantService(
  storage: Storage,
  audit: AuditRecorder,
  options: TenantServiceOptions = {},
) {
  const accessChanged = () => options.onAccessChange?.();

  async function bySlug(slug: string): Promise<Tenant> {
    const tenant = await storage.tenants.getBySlug(slug);
    if (!tenant) throw new NotFound(`no tenant ${slug}`, 'tenant_not_found');
    return tenant;
  }

  return {
    bySlug,
    list: () => storage.tenants.list(),

    async create(context: AuditContext, input: unknown): Promise<Tenant> {
      const data = parseInput(CreateTenantInput, input);
      const now = new Date().toISOString();
      const tenant: Tenant = {
        id: newId() as TenantId,
        slug: data.slug,
        name: data.name,
        domains: data.domains,
        status: 'active',
        settings: data.settings,
        connections: {},
        createdAt: now,
        updatedAt: now,
        version: 1,
      };
      await audit
        .change(context, async (tx, record) => {
          await tx.tenants.insert(tenant);
          record({
            type: 'tenant.created',
            tenantId: tenant.id,
            target: { type: 'tenant', id: tenant.id },
            data: { slug: tenant.slug, name: tenant.name, domains: [...tenant.domains] },
          });
        })
        .catch(conflictOf);
      return tenant;
    },

    async update(context: AuditContext, slug: string, input: unknown): Promise<Tenant> {
      const patch = parseInput(UpdateTenantInput, input);
      const current = await bySlug(slug);
      const settings = patch.settings
        ? ({ ...current.settings, ...patch.settings } as JsonObject)
        : current.settings;
      const next: Tenant = {
        ...current,
        name: patch.name ?? current.name,
        domains: patch.domains ?? current.domains,
        status: patch.status ?? current.status,
        settings,
        updatedAt: new Date().toISOString(),
      };
      const changed = Object.keys(patch);
      return audit
        .change(context, async (tx, record) => {
          const saved = await tx.tenants.update(next, current.version);
          record({
            type: 'tenant.updated',
            tenantId: current.id,
            target: { type: 'tenant', id: current.id },
            data: { changed, ...(patch.status ? { status: patch.status } : {}) },
          });
          return saved;
        })
        .catch(conflictOf)
        .finally(accessChanged);
    },

    async remove(context: AuditContext, slug: string): Promise<void> {
      const tenant = await bySlug(slug);
      await audit.change(context, async (tx, record) => {
        await tx.tenants.remove(tenant.id);
        record({
          type: 'tenant.deleted',
          tenantId: tenant.id,
          target: { type: 'tenant', id: tenant.id },
          data: { slug: tenant.slug },
        });
      });
      accessChanged();
    },

    async mintToken(
      context: AuditContext,
      slug: string,
      kind: TokenKind,
      label: string | null,
    ): Promise<{ view: TokenView; token: string }> {
      const tenant = await bySlug(slug);
      const { token, hash } = mintToken(kind);
      const record: ApiToken = {
        id: newId() as TokenId,
        tenantId: tenant.id,
        kind,
        hash,
        label,
        createdAt: new Date().toISOString(),
        lastUsedAt: null,
      };
      await audit.change(context, async (tx, recordEvent) => {
        await tx.tokens.insert(record);
        recordEvent({
          type: 'token.created',
          tenantId: tenant.id,
          target: { type: `${kind}_token`, id: record.id },
          data: { label },
        });
      });
      return { view: tokenView(record), token };
    },

    async listTokens(slug: string, kind: TokenKind): Promise<TokenView[]> {
      const tenant = await bySlug(slug);
      return (await storage.tokens.list(tenant.id, kind)).map(tokenView);
    },

    async revokeToken(context: AuditContext, slug: string, kind: TokenKind, id: string): Promise<void> {
      const tenant = await bySlug(slug);
      const found = (await storage.tokens.list(tenant.id, kind)).some((t) => t.id === id);
      if (!found) throw new NotFound(`no ${kind} token ${id}`, 'token_not_found');
      await audit.change(context, async (tx, record) => {
        await tx.tokens.remove(tenant.id, id as TokenId);
        record({
          type: 'token.revoked',
          tenantId: tenant.id,
          target: { type: `${kind}_token`, id },
          data: {},
        });
      });
      accessChanged();
    },
  };
}

export type TenantService = ReturnType<typeof createTenantService>;
