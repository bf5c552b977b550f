import express from 'express';
import type { Router } from 'express';
import type { ClientService } from '../provider/clients.ts';
import { auditContext, jsonBody } from './body.ts';

/** `/admin/clients`: product apps of the OpenID Provider (behind `operatorOnly`). */
export function createClientsRouter(clients: ClientService, bodyLimit: string): Router {
  const router = express.Router();
  router.post('/', ...jsonBody(bodyLimit), async (req, res) => {
    const { view, clientSecret } = await clients.create(auditContext(req), req.body);
    res
      .status(201)
      .setHeader('Cache-Control', 'no-store')
      .location(`/admin/clients/${view.clientId}`)
      .json({ ...view, clientSecret });
  });
  router.get('/', async (_req, res) => {
    res.json({ data: await clients.list() });
  });
  router.get('/:clientId', async (req, res) => {
    res.json(await clients.get(req.params.clientId));
  });
  router.delete('/:clientId', async (req, res) => {
    await clients.remove(auditContext(req), req.params.clientId);
    res.status(204).end();
  });
  return router;
}
