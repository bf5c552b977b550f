import express from 'express';
import { refuseProtoKeys } from '../platform/http/json.ts';
import type { Request, Router } from 'express';
import type { Container } from '../container.ts';
import { UnsupportedMediaType } from '../platform/errors.ts';
import { requireOperator, requireTenantAccess } from './auth.ts';
import { auditContext } from './tenants.ts';
import { createClientService } from '../provider/clients.ts';
import { deleteSamlConnection, getSamlConnection, putSamlConnection } from '../connections/saml/service.ts';

const XML_TYPES = ['application/samlmetadata+xml', 'application/xml', 'text/xml'];
const JSON_TYPES = ['application/json', 'application/*+json'];

function metadataInput(req: Request): { xml: string } | { json: unknown } {
  if (typeof req.body === 'string' && req.is(XML_TYPES)) return { xml: req.body };
  if (req.is(JSON_TYPES)) return { json: req.body as unknown };
  throw new UnsupportedMediaType(
    'send IdP metadata as application/samlmetadata+xml, application/xml or JSON',
  );
}

/** Admin routes of sign-in: `/admin/tenants/{slug}/saml` and `/admin/clients` (product apps). */
export function createSsoAdminRouter(container: Container): Router {
  const router = express.Router();
  const limit = container.config.bodyLimit;
  const json = express.json({ limit, type: JSON_TYPES, reviver: refuseProtoKeys });
  const xml = express.text({ limit, type: XML_TYPES });
  const clients = createClientService(container);
  const slugOf = (req: Request): string => {
    const slug = String(req.params.slug);
    requireTenantAccess(req, slug);
    return slug;
  };

  router.put('/tenants/:slug/saml', xml, json, async (req, res) => {
    const slug = slugOf(req);
    res.json(await putSamlConnection(container, auditContext(req), slug, metadataInput(req)));
  });
  router.get('/tenants/:slug/saml', async (req, res) => {
    res.json(await getSamlConnection(container, slugOf(req)));
  });
  router.delete('/tenants/:slug/saml', async (req, res) => {
    await deleteSamlConnection(container, auditContext(req), slugOf(req));
    res.status(204).end();
  });

  // Product apps are the operator's: tenant-admin tokens cannot register or list them.
  router.post('/clients', json, async (req, res) => {
    requireOperator(req);
    if (!req.is(JSON_TYPES)) throw new UnsupportedMediaType('send the body as application/json');
    const { view, clientSecret } = await clients.create(auditContext(req), req.body);
    res
      .status(201)
      .setHeader('Cache-Control', 'no-store')
      .location(`/admin/clients/${view.clientId}`)
      .json({ ...view, clientSecret });
  });
  router.get('/clients', async (req, res) => {
    requireOperator(req);
    res.json({ data: await clients.list() });
  });
  router.get('/clients/:clientId', async (req, res) => {
    requireOperator(req);
    res.json(await clients.get(req.params.clientId));
  });
  router.delete('/clients/:clientId', async (req, res) => {
    requireOperator(req);
    await clients.remove(auditContext(req), req.params.clientId);
    res.status(204).end();
  });
  return router;
}
