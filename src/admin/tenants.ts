import express from 'express';
import type { Router } from 'express';
import { BadRequest } from '../platform/errors.ts';
import type { TenantService } from '../tenants/service.ts';
import { tenantView } from '../tenants/view.ts';
import { adminScope, requireOperator, slugOf } from './auth.ts';
import { auditContext, jsonBody } from './body.ts';

function labelOf(body: unknown): string | null {
  if (body === undefined || body === null) return null;
  if (typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('expected a JSON object');
  const label = (body as { label?: unknown }).label;
  if (label === undefined || label === null) return null;
  if (typeof label !== 'string' || label.length > 200)
    throw new BadRequest('label: a string of at most 200 characters');
  return label;
}

/** Whether a tenant update touches `settings.rateLimits` (docs/security.md, rate limits). */
function setsRateLimits(body: object): boolean {
  const settings = (body as { settings?: unknown }).settings;
  return typeof settings === 'object' && settings !== null && 'rateLimits' in settings;
}

/** `/admin/tenants`: create (operator) and list (what the caller may see). */
export function createTenantsRouter(tenants: TenantService, bodyLimit: string): Router {
  const router = express.Router();
  router.post('/', ...jsonBody(bodyLimit), async (req, res) => {
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
  return router;
}

/** `/admin/tenants/{slug}`: the tenant, its SCIM and admin tokens (behind `tenantAccess`). */
export function createTenantRouter(tenants: TenantService, bodyLimit: string): Router {
  const router = express.Router({ mergeParams: true });
  const json = jsonBody(bodyLimit);

  router.get('/', async (req, res) => {
    res.json(tenantView(await tenants.bySlug(slugOf(req))));
  });
  router.patch('/', ...json, async (req, res) => {
    // Suspending a tenant is the operator's call, not the tenant's; so are its rate limits.
    const body: unknown = req.body;
    if (body && typeof body === 'object' && ('status' in body || setsRateLimits(body))) requireOperator(req);
    res.json(tenantView(await tenants.update(auditContext(req), slugOf(req), req.body)));
  });
  router.delete('/', async (req, res) => {
    requireOperator(req);
    await tenants.remove(auditContext(req), slugOf(req));
    res.status(204).end();
  });

  for (const [path, kind] of [
    ['scim-tokens', 'scim'],
    ['admin-tokens', 'admin'],
  ] as const) {
    router.post(`/${path}`, ...json, async (req, res) => {
      const { view, token } = await tenants.mintToken(
        auditContext(req),
        slugOf(req),
        kind,
        labelOf(req.body),
      );
      res
        .status(201)
        .setHeader('Cache-Control', 'no-store')
        .json({ ...view, token });
    });
    router.get(`/${path}`, async (req, res) => {
      res.json({ data: await tenants.listTokens(slugOf(req), kind) });
    });
    router.delete(`/${path}/:id`, async (req, res) => {
      await tenants.revokeToken(auditContext(req), slugOf(req), kind, req.params.id);
      res.status(204).end();
    });
  }

  return router;
}
