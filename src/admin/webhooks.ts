import express from 'express';
import type { Router } from 'express';
import type { WebhookService } from '../webhooks/service.ts';
import { slugOf } from './auth.ts';
import { auditContext, jsonBody } from './body.ts';
import { limitParam, seqCursorParam } from './paging.ts';

/** `/admin/tenants/{slug}/webhooks` (behind `tenantAccess`; docs/webhooks.md). */
export function createWebhooksRouter(webhooks: WebhookService, bodyLimit: string): Router {
  const router = express.Router({ mergeParams: true });

  router.post('/', ...jsonBody(bodyLimit), async (req, res) => {
    const created = await webhooks.create(auditContext(req), slugOf(req), req.body);
    res
      .status(201)
      .setHeader('Cache-Control', 'no-store')
      .location(`/admin/tenants/${slugOf(req)}/webhooks/${created.id}`)
      .json(created);
  });
  router.get('/', async (req, res) => {
    res.json({ data: await webhooks.list(slugOf(req)) });
  });
  router.get('/:id', async (req, res) => {
    res.json(await webhooks.get(slugOf(req), req.params.id));
  });
  router.delete('/:id', async (req, res) => {
    await webhooks.remove(auditContext(req), slugOf(req), req.params.id);
    res.status(204).end();
  });
  router.get('/:id/deliveries', async (req, res) => {
    const before = seqCursorParam(req, 'before');
    res.json(await webhooks.deliveries(slugOf(req), req.params.id, before, limitParam(req)));
  });
  return router;
}
