import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import helmet from 'helmet';
import type { Container } from './container.ts';
import { requestContext } from './platform/http/context.ts';
import { notFoundRoute, renderJsonError } from './platform/http/json-errors.ts';
import { adminAuth } from './admin/auth.ts';
import { createTenantRouter } from './admin/tenants.ts';
import { createOperationsRouter } from './platform/http/operations.ts';
import { createScimHandler, isScimUrl } from './scim/http.ts';
import { createSsoRouter } from './signin/router.ts';
import { createSsoAdminRouter } from './admin/sso.ts';

/** The gateway's request listener, for `http.createServer` (and supertest). */
export type App = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The HTTP surface. SCIM answers on Node's own request and response (src/scim/http.ts); the
 * rest is Express. Each router parses its own bodies (the OpenID Provider must see raw bodies)
 * and renders its own errors in its protocol's shape; what falls through is admin JSON.
 */
export function createApp(container: Container): App {
  const { config, log, metrics } = container;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');
  // No automatic weak ETags (a hash of every body): SCIM sets real, version-based ETags itself.
  app.set('etag', false);
  app.use(requestContext(log, metrics));
  app.use(helmet());

  app.use(createOperationsRouter(container));
  // Sign-in and the product-facing OpenID Provider: mounted before any body parser (the
  // provider reads raw bodies itself).
  app.use(createSsoRouter(container));

  const admin = express.Router();
  admin.use(adminAuth(container.operatorKeys, container.tokens));
  admin.use(createSsoAdminRouter(container));
  admin.use('/tenants', createTenantRouter(container.tenants, config.bodyLimit));
  admin.use(notFoundRoute);
  admin.use(renderJsonError);
  app.use('/admin', admin);

  app.use(notFoundRoute);
  app.use(renderJsonError);

  const scim = createScimHandler(container);
  return (req, res) => {
    if (isScimUrl(req.url ?? '')) scim(req, res);
    else app(req, res);
  };
}
