import express from 'express';
import type { Request, Router } from 'express';
import { refuseProtoKeys, requireUtf8 } from '../platform/http/json.ts';
import { UnsupportedMediaType } from '../platform/errors.ts';
import type { SamlService } from '../connections/saml/service.ts';
import { slugOf } from './auth.ts';
import { JSON_TYPES, auditContext } from './body.ts';

const XML_TYPES = ['application/samlmetadata+xml', 'application/xml', 'text/xml'];

function metadataInput(req: Request): { xml: string } | { json: unknown } {
  if (typeof req.body === 'string' && req.is(XML_TYPES)) return { xml: req.body };
  if (req.is(JSON_TYPES)) return { json: req.body as unknown };
  throw new UnsupportedMediaType(
    'send IdP metadata as application/samlmetadata+xml, application/xml or JSON',
  );
}

/** `/admin/tenants/{slug}/saml`: the tenant's SAML connection (behind `tenantAccess`). */
export function createSamlAdminRouter(saml: SamlService, bodyLimit: string): Router {
  const router = express.Router({ mergeParams: true });
  const json = express.json({
    limit: bodyLimit,
    type: JSON_TYPES,
    reviver: refuseProtoKeys,
    verify: requireUtf8,
  });
  const xml = express.text({ limit: bodyLimit, type: XML_TYPES });

  router.put('/', xml, json, async (req, res) => {
    res.json(await saml.put(auditContext(req), slugOf(req), metadataInput(req)));
  });
  router.get('/', async (req, res) => {
    res.json(await saml.get(slugOf(req)));
  });
  router.delete('/', async (req, res) => {
    await saml.remove(auditContext(req), slugOf(req));
    res.status(204).end();
  });
  return router;
}
