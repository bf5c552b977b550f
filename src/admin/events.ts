import express from 'express';
import type { Router } from 'express';
import type { EventService } from '../events/service.ts';
import type { ScimLogStore, TenantStore } from '../storage/ports.ts';
import { NotFound } from '../platform/errors.ts';
import { slugOf } from './auth.ts';
import { idCursorParam, limitParam, seqCursorParam, typesParam } from './paging.ts';

export interface EventRoutesDeps {
  readonly events: EventService;
  readonly tenants: TenantStore;
  readonly scimLog: ScimLogStore;
}

const scimLogView = (e: Awaited<ReturnType<ScimLogStore['list']>>[number]) => ({
  id: e.id,
  at: e.at,
  method: e.method,
  path: e.path,
  status: e.status,
  durationMs: e.durationMs,
  tokenId: e.tokenId,
  requestId: e.requestId,
  body: e.body,
  error: e.error,
});

/**
 * `/admin/tenants/{slug}/events`, `/audit` and `/scim-log` (behind `tenantAccess`;
 * docs/admin-api.md#events).
 */
export function createEventsRouter(deps: EventRoutesDeps): Router {
  const router = express.Router({ mergeParams: true });

  router.get('/events', async (req, res) => {
    const query = { after: seqCursorParam(req, 'after'), limit: limitParam(req), types: typesParam(req) };
    res.json(await deps.events.list(slugOf(req), query));
  });

  // The audit trail is the stream's changes; `nextCursor` null means everything so far was read.
  router.get('/audit', async (req, res) => {
    const limit = limitParam(req);
    const page = await deps.events.audit(slugOf(req), seqCursorParam(req, 'after'), limit);
    res.json({ data: page.data, nextCursor: page.hasMore ? page.nextCursor : null });
  });

  router.get('/scim-log', async (req, res) => {
    const before = idCursorParam(req, 'before');
    const limit = limitParam(req);
    const tenant = await deps.tenants.getBySlug(slugOf(req));
    if (!tenant) throw new NotFound(`no tenant ${slugOf(req)}`, 'tenant_not_found');
    const entries = await deps.scimLog.list(tenant.id, before, limit);
    res.json({
      data: entries.map(scimLogView),
      nextCursor: entries.length === limit ? (entries.at(-1)?.id ?? null) : null,
    });
  });
  return router;
}
