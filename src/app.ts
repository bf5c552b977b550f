import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import type { Router } from 'express';
import helmet from 'helmet';
import type { Container } from './container.ts';
import { requestContext } from './platform/http/context.ts';
import { notFoundRoute, renderJsonError } from './platform/http/json-errors.ts';
import { createOperationsRouter } from './platform/http/operations.ts';
import { createAdminRouter } from './admin/router.ts';
import { createAdminUiRouter } from './admin/ui/router.ts';
import { createScimHandler, isScimUrl } from './scim/http.ts';
import { createProviderRouter } from './provider/router.ts';
import { createSignInRouter } from './signin/router.ts';
import { createSamlRouter } from './connections/saml/router.ts';
import { createOidcRouter } from './connections/oidc/router.ts';
import { chooseConnection } from './signin/connection-choice.ts';

/** The admin JSON API's router with its narrow services (the app mounts it at `/admin`; tests walk its routes). */
export function adminRouter(c: Container): Router {
  const { config } = c;
  return createAdminRouter({
    bodyLimit: config.bodyLimit,
    operatorKeys: c.operatorKeys,
    tokens: c.tokens,
    tenants: c.tenants,
    saml: c.saml,
    oidc: c.oidc,
    clients: c.clients,
    events: { events: c.events, tenants: c.storage.tenants, scimLog: c.storage.scimLog },
    webhooks: c.webhooks,
    limits: {
      surface: c.rateLimits.admin,
      trustProxy: config.trustProxy,
      perToken: config.rateLimitAdminPerToken,
      perAddress: config.rateLimitAdminPerAddress,
      of: c.tenantLimits,
      tenantOf: (slug) => c.storage.tenants.getBySlug(slug),
    },
  });
}

/** The admin page's router (mounted at `/admin/ui`, before the JSON API; tests walk its routes). */
export function adminUiRouter(c: Container): Router {
  const { config } = c;
  return createAdminUiRouter({
    publicUrl: config.publicUrl,
    bodyLimit: config.bodyLimit,
    lockout: { surface: c.rateLimits.admin, trustProxy: config.trustProxy },
    operatorKeys: c.operatorKeys,
    tokens: c.tokens,
    tenants: c.tenants,
    saml: c.saml,
    oidc: c.oidc,
    events: c.events,
    scimLog: c.storage.scimLog,
    directory: c.directorySearch,
    sessions: c.uiSessions,
    setupLinks: c.setupLinks,
    signIn: c.signIn,
  });
}

/** The gateway's request listener, for `http.createServer` (and supertest). */
export type App = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The HTTP surface: mounts the routers, each given the narrow services it uses. SCIM answers on
 * Node's own request and response (src/scim/http.ts); the rest is Express. Each router parses
 * its own bodies (the OpenID Provider must see raw bodies) and renders its own errors in its
 * protocol's shape; what falls through is admin JSON.
 */
export function createApp(c: Container): App {
  const { config, log, metrics } = c;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');
  // No automatic weak ETags (a hash of every body): SCIM sets real, version-based ETags itself.
  app.set('etag', false);
  app.use(requestContext(log, metrics));
  app.use(helmet());

  app.use(createOperationsRouter({ storage: c.storage, metrics }));
  // The product-facing OpenID Provider and sign-in: before any body parser (the provider reads
  // raw bodies itself).
  const { publicUrl, trustProxy, bodyLimit } = config;
  app.use(createProviderRouter({ publicUrl, trustProxy, provider: c.provider }));
  app.use(
    createSignInRouter({
      signIn: c.signIn,
      provider: c.provider,
      // Home-realm discovery picks the tenant; the tenant's connection (or its default) picks the IdP.
      startUpstream: async (tenant, uid, loginHint) => {
        const kind = chooseConnection(tenant);
        if (kind === 'oidc') return c.oidc.startLogin(tenant, uid, loginHint);
        return kind === 'saml' ? c.saml.startLogin(tenant, uid) : undefined;
      },
      connections: {
        saml: createSamlRouter({ publicUrl, bodyLimit, saml: c.saml, signIn: c.signIn }),
        oidc: createOidcRouter({ publicUrl, oidc: c.oidc, signIn: c.signIn }),
      },
    }),
  );
  // The admin page, before the JSON API's router (which wants a bearer token on everything under /admin).
  app.use('/admin/ui', adminUiRouter(c));
  app.use('/admin', adminRouter(c));
  app.use(notFoundRoute);
  app.use(renderJsonError);

  const scim = createScimHandler({
    publicUrl,
    bodyLimit,
    log,
    metrics,
    tokens: c.tokens,
    services: { storage: c.storage, accounts: c.directory.accounts, teams: c.directory.teams },
    requestLog: c.scimLog,
    limits: { surface: c.rateLimits.scim, of: c.tenantLimits, trustProxy },
  });
  return (req, res) => {
    if (isScimUrl(req.url ?? '')) scim(req, res);
    else app(req, res);
  };
}
