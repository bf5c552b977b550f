import express from 'express';
import type { Router } from 'express';
import { notFoundRoute, renderJsonError } from '../platform/http/json-errors.ts';
import { mountedAt } from '../platform/http/context.ts';
import type { OperatorKeys } from '../tenants/operator-key.ts';
import type { TokenAuthenticator } from '../tenants/tokens.ts';
import type { TenantService } from '../tenants/service.ts';
import type { SamlService } from '../connections/saml/service.ts';
import type { OidcService } from '../connections/oidc/service.ts';
import type { ClientService } from '../provider/clients.ts';
import type { WebhookService } from '../webhooks/service.ts';
import { adminAuth, operatorOnly, tenantAccess } from './auth.ts';
import { adminRateLimits } from './rate-limit.ts';
import type { AdminLimitDeps } from './rate-limit.ts';
import { createClientsRouter } from './clients.ts';
import { createEventsRouter } from './events.ts';
import type { EventRoutesDeps } from './events.ts';
import { createSamlAdminRouter } from './saml.ts';
import { createOidcAdminRouter } from './oidc.ts';
import { createTenantRouter, createTenantsRouter } from './tenants.ts';
import { createWebhooksRouter } from './webhooks.ts';

export interface AdminDeps {
  readonly bodyLimit: string;
  readonly operatorKeys: OperatorKeys;
  readonly tokens: TokenAuthenticator;
  readonly tenants: TenantService;
  readonly saml: SamlService;
  readonly oidc: OidcService;
  readonly clients: ClientService;
  readonly events: EventRoutesDeps;
  readonly webhooks: WebhookService;
  readonly limits: AdminLimitDeps;
}

/**
 * `/admin/*`. Authorization is declared once per route group, never per handler: every route
 * under `/tenants/:slug` sits behind `tenantAccess`, every route under `/clients` behind
 * `operatorOnly`, so a route added to a group is closed by default (docs/admin-api.md).
 */
export function createAdminRouter(deps: AdminDeps): Router {
  const { bodyLimit } = deps;
  const admin = express.Router();
  // Lockout, authentication, request limits (docs/decisions/0090-rate-limits.md).
  admin.use(...adminRateLimits(deps.limits, adminAuth(deps.operatorKeys, deps.tokens)));

  admin.use('/clients', operatorOnly, createClientsRouter(deps.clients, bodyLimit));
  admin.use('/tenants', createTenantsRouter(deps.tenants, bodyLimit));

  const tenant = express.Router({ mergeParams: true });
  tenant.use(tenantAccess);
  tenant.use('/saml', createSamlAdminRouter(deps.saml, bodyLimit));
  tenant.use('/oidc', createOidcAdminRouter(deps.oidc, bodyLimit));
  tenant.use('/webhooks', createWebhooksRouter(deps.webhooks, bodyLimit));
  tenant.use(createEventsRouter(deps.events));
  tenant.use(createTenantRouter(deps.tenants, bodyLimit));
  admin.use('/tenants/:slug', mountedAt('/tenants/:slug'), tenant);

  admin.use(notFoundRoute);
  admin.use(renderJsonError);
  return admin;
}
