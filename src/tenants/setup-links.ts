import type { SetupLink, SetupLinkStore, Tenant, TenantStore } from '../storage/ports.ts';
import { newId, newSecret } from '../platform/ids.ts';
import { safeEqual, sha256Hex } from '../platform/secrets.ts';
import { BadRequest, NotFound } from '../platform/errors.ts';
import type { AuditContext } from '../audit/events.ts';
import type { AuditRecorder } from '../audit/record.ts';

/** Setup links carry 256 random bits, recognisable by their prefix (as tokens are). */
const PREFIX = 'tgl_';
const SECRET = /^tgl_[A-Za-z0-9_-]{43}$/;
const HOUR_MS = 3_600_000;

export interface SetupLinkView {
  readonly id: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly usedAt: string | null;
  readonly state: 'unused' | 'used' | 'expired';
}

export const setupLinkView = (l: SetupLink, now = Date.now()): SetupLinkView => ({
  id: l.id,
  createdAt: l.createdAt,
  expiresAt: l.expiresAt,
  usedAt: l.usedAt,
  state: l.usedAt ? 'used' : Date.parse(l.expiresAt) <= now ? 'expired' : 'unused',
});

export interface SetupLinkDeps {
  readonly tenants: Pick<TenantStore, 'getBySlug' | 'get'>;
  readonly links: Pick<SetupLinkStore, 'findByHash' | 'list'>;
  readonly audit: AuditRecorder;
  /** Longest and default lifetime (`setupLinkHours`, docs/configuration.md). */
  readonly maxHours: number;
  readonly now?: () => number;
}

/**
 * Setup links (docs/admin-ui.md#setup-links): the operator hands a customer's admin one expiring,
 * single-use way in to that tenant's admin page. Only the secret's hash is stored; creating,
 * redeeming and revoking each write their audit event in the same unit of work.
 */
export function createSetupLinks(deps: SetupLinkDeps) {
  const now = deps.now ?? Date.now;

  async function bySlug(slug: string): Promise<Tenant> {
    const tenant = await deps.tenants.getBySlug(slug);
    if (!tenant) throw new NotFound(`no tenant ${slug}`, 'tenant_not_found');
    return tenant;
  }

  /** The live link a secret names, with its tenant; undefined when unknown, used or expired. */
  async function find(secret: string): Promise<{ link: SetupLink; tenant: Tenant } | undefined> {
    if (!SECRET.test(secret)) return undefined;
    const hash = sha256Hex(secret);
    const link = await deps.links.findByHash(hash);
    if (!link || !safeEqual(link.hash, hash) || setupLinkView(link, now()).state !== 'unused')
      return undefined;
    const tenant = await deps.tenants.get(link.tenantId);
    return tenant ? { link, tenant } : undefined;
  }

  return {
    maxHours: deps.maxHours,

    /** A new link for `slug`, valid `hours` (1 to the configured maximum); the secret is returned once. */
    async create(
      context: AuditContext,
      slug: string,
      hours: number,
    ): Promise<{ view: SetupLinkView; secret: string }> {
      if (!Number.isInteger(hours) || hours < 1 || hours > deps.maxHours)
        throw new BadRequest(`hours: a whole number from 1 to ${deps.maxHours}`);
      const tenant = await bySlug(slug);
      const secret = `${PREFIX}${newSecret(32)}`;
      const at = now();
      const link: SetupLink = {
        tenantId: tenant.id,
        id: newId(),
        hash: sha256Hex(secret),
        createdAt: new Date(at).toISOString(),
        expiresAt: new Date(at + hours * HOUR_MS).toISOString(),
        usedAt: null,
      };
      await deps.audit.change(context, async (tx, record) => {
        await tx.setupLinks.insert(link);
        record({
          type: 'setup_link.created',
          tenantId: tenant.id,
          target: { type: 'setup_link', id: link.id },
          data: { expiresAt: link.expiresAt },
        });
      });
      return { view: setupLinkView(link, at), secret };
    },

    async list(slug: string): Promise<SetupLinkView[]> {
      const tenant = await bySlug(slug);
      const at = now();
      return (await deps.links.list(tenant.id)).map((l) => setupLinkView(l, at));
    },

    async revoke(context: AuditContext, slug: string, id: string): Promise<void> {
      const tenant = await bySlug(slug);
      const removed = await deps.audit.change(context, async (tx, record) => {
        const gone = await tx.setupLinks.remove(tenant.id, id);
        if (gone)
          record({
            type: 'setup_link.revoked',
            tenantId: tenant.id,
            target: { type: 'setup_link', id },
            data: {},
          });
        return gone;
      });
      if (!removed) throw new NotFound(`no setup link ${id}`);
    },

    /** What the confirmation page shows before anything is spent: which organisation, until when. */
    async peek(secret: string): Promise<{ tenant: Tenant; expiresAt: string } | undefined> {
      const found = await find(secret);
      return found && { tenant: found.tenant, expiresAt: found.link.expiresAt };
    },

    /**
     * Spends the link: of any number of concurrent redemptions exactly one gets the tenant and
     * the link's id (the store's conditional update decides), the others undefined.
     */
    async redeem(
      secret: string,
      requestId: string | null,
    ): Promise<{ tenant: Tenant; linkId: string } | undefined> {
      const found = await find(secret);
      if (!found) return undefined;
      const { link, tenant } = found;
      const context: AuditContext = { requestId, actor: { type: 'setup_link', id: link.id } };
      const won = await deps.audit.change(context, async (tx, record) => {
        const redeemed = await tx.setupLinks.redeem(tenant.id, link.id, new Date(now()).toISOString());
        if (redeemed)
          record({
            type: 'setup_link.redeemed',
            tenantId: tenant.id,
            target: { type: 'setup_link', id: link.id },
            data: {},
          });
        return redeemed;
      });
      return won ? { tenant, linkId: link.id } : undefined;
    },
  };
}

export type SetupLinks = ReturnType<typeof createSetupLinks>;
