import express from 'express';
import type { Router } from 'express';
import type { OidcService } from '../connections/oidc/service.ts';
import { slugOf } from './auth.ts';
import { auditContext, jsonBody } from './body.ts';

/** `/admin/tenants/{slug}/oidc`: the tenant's OpenID Connect connection (behind `tenantAccess`). */
export function createOidcAdminRouter(oidc: OidcService, bodyLimit: string): Router {
  const router = express.Router({ mergeParams: true });
  router.put('/', ...jsonBody(bodyLimit), async (req, res) => {
    res.json(await oidc.put(auditContext(req), slugOf(req), req.body as unknown));
  });
  router.get('/', async (req, res) => {
    res.json(await oidc.get(slugOf(req)));
  });
  router.delete('/', async (req, res) => {
    await oidc.remove(auditContext(req), slugOf(req));
    res.status(204).end();
  });
  return router;
}
