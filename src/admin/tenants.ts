import express from 'express';
import { refuseProtoKeys } from '../platform/http/json.ts';
import type { Request, Router } from 'express';
import type { Tenant } from '../storage/ports.ts';
import { ctx } from '../platform/http/context.ts';
import { BadRequest } from '../platform/errors.ts';
import type { AuditContext } from '../audit/events.ts';
import { requireJsonBody, requireOperator, requireTenantAccess, adminScope } from './auth.ts';
import type { TenantService } from '../tenants/service.ts';

export const tenantView = (t: Tenant) => ({
  id: t.id,
  slug: t.slug,
  name: t.name,
  domains: t.domains,
  status: t.status,
  settings: t.settings,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
  version: t.version,
});

export function auditContext(req: Request): AuditContext {
  const context = ctx(req);
  return { requestId: context.requestId, actor: context.actor };
}

function slugParam(req: Request): string {
  const slug = req.params.slug;
  if (typeof slug !== 'string') throw new BadRequest('missing tenant slug');
  return slug;
}

const MAX_PAGE = 500;

function pageParams(req: Request): { after: string | null; limit: number } {
  const { after, limit } = req.query;
  if (after !== undefined && (typeof after !== 'string' || !/^[0-9a-f-]{36}$/.test(after)))
    throw new BadRequest('after: an event id returned as nextCursor');
  const n = limit === undefined ? 100 : Number(limit);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE)
    throw new BadRequest(`limit: an integer from 1 to ${MAX_PAGE}`);
  return { after: after ?? null, limit: n };
}

function labelOf(body: unknown): string | null {
  if (body === undefined || body === null) return null;
  if (typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('expected a JSON object');
  const label = (body as { label?: unknown }).label;
  if (label === undefined || label === null) return null;
  if (typeof label !== 'string' || label.length > 200)
    throw new BadRequest('label: a string of at most 200 characters');
  return label;
}

/** `/admin/tenants…`: tenants, their SCIM and admin tokens, their audit trail. */
export function createTenantRouter(tenants: TenantService, bodyLimit: string): Router {
  const router = express.Router();
  router.use(
    requireJsonBody,
    express.json({
      limit: bodyLimit,
      type: ['application/json', 'application/*+json'],
      reviver: refuseProtoKeys,
    }),
  );

  router.post('/', async (req, res) => {
    requireOperator(req);
    const tenant = await tenants.create(auditContext(req), req.body);
    res.status(201).location(`/admin/tenants/${tenant.slug}`).json(tenantView(tenant));
  });

  router.get('/', async (req, res) => {
    const scope = adminScope(req);
    const all = await tenants.list();
    const visible = scope.kind === 'operator' ? all : all.filter((t) => t.slug === scope.slug);
    res.json({ data: visible.map(tenantView) });
  });

  router.get('/:slug', async (req, res) => {
    const slug = slugParam(req);
    requireTenantAccess(req, slug);
    res.json(tenantView(await tenants.bySlug(slug)));
  });

  router.patch('/:slug', async (req, res) => {
    const slug = slugParam(req);
    requireTenantAccess(req, slug);
    // Suspending a tenant is the operator's call, not the tenant's.
    if (req.body && typeof req.body === 'object' && 'status' in req.body) requireOperator(req);
    res.json(tenantView(await tenants.update(auditContext(req), slug, req.body)));
  });

  router.delete('/:slug', async (req, res) => {
    requireOperator(req);
    await tenants.remove(auditContext(req), slugParam(req));
    res.status(204).end();
  });

  for (const [path, kind] of [
    ['scim-tokens', 'scim'],
    ['admin-tokens', 'admin'],
  ] as const) {
    router.post(`/:slug/${path}`, async (req, res) => {
      const slug = slugParam(req);
      requireTenantAccess(req, slug);
      const { view, token } = await tenants.mintToken(auditContext(req), slug, kind, labelOf(req.body));
      res
        .status(201)
        .setHeader('Cache-Control', 'no-store')
        .json({ ...view, token });
    });
    router.get(`/:slug/${path}`, async (req, res) => {
      const slug = slugParam(req);
      requireTenantAccess(req, slug);
      res.json({ data: await tenants.listTokens(slug, kind) });
    });
    router.delete(`/:slug/${path}/:id`, async (req, res) => {
      const slug = slugParam(req);
      requireTenantAccess(req, slug);
      await tenants.revokeToken(auditContext(req), slug, kind, req.params.id);
      res.status(204).end();
    });
  }

  router.get('/:slug/audit', async (req, res) => {
    const slug = slugParam(req);
    requireTenantAccess(req, slug);
    const { after, limit } = pageParams(req);
    const data = await tenants.audit(slug, after, limit);
    res.json({ data, nextCursor: data.length === limit ? (data.at(-1)?.id ?? null) : null });
  });

  return router;
}
