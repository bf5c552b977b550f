import { readFileSync } from 'node:fs';
import express from 'express';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { Forbidden, NotFound } from '../../platform/errors.ts';
import type { OperatorKeys } from '../../tenants/operator-key.ts';
import type { TokenAuthenticator } from '../../tenants/tokens.ts';
import type { TenantService } from '../../tenants/service.ts';
import {
  csrfGuard,
  isOperator,
  loadSession,
  operatorOnly,
  requireSession,
  sessionOf,
  tenantGuard,
} from './access.ts';
import { UI } from './layout.ts';
import { cookieNames } from './cookies.ts';
import { checkOrigin, readForm } from './forms.ts';
import { tenantsPage } from './pages/tenants.ts';
import { frameOf, renderUiError, send } from './render.ts';
import type { UiSessions } from './sessions.ts';
import type { SetupLinks } from '../../tenants/setup-links.ts';
import { addRedeemRoutes, addSetupLinkPages } from './setup-link-routes.ts';
import { addTestResult, addTestStart } from './test-sign-in.ts';
import type { TestSignInDeps } from './test-sign-in.ts';
import { addSignInRoutes } from './sign-in.ts';
import type { SignInDeps } from './sign-in.ts';
import { addTenantPages } from './tenant-pages.ts';
import type { TenantPageDeps } from './tenant-pages.ts';

export interface AdminUiDeps extends TenantPageDeps {
  readonly bodyLimit: string;
  readonly lockout: SignInDeps['lockout'];
  readonly operatorKeys: OperatorKeys;
  readonly tokens: TokenAuthenticator;
  readonly tenants: TenantPageDeps['tenants'] & Pick<TenantService, 'bySlug' | 'list'>;
  readonly sessions: UiSessions;
  readonly setupLinks: SetupLinks;
  readonly signIn: TestSignInDeps['signIn'];
  readonly saml: TenantPageDeps['saml'] & TestSignInDeps['saml'];
  readonly oidc: TenantPageDeps['oidc'] & TestSignInDeps['oidc'];
}

const ASSETS: Readonly<Record<string, { readonly type: string; readonly file: string }>> = {
  'ui.css': { type: 'text/css; charset=utf-8', file: 'ui.css' },
  'ui.js': { type: 'text/javascript; charset=utf-8', file: 'ui.js' },
};

/** The stylesheet and the script, read once at start. */
function assetRoute() {
  const bodies = new Map(
    Object.entries(ASSETS).map(([name, a]) => [
      name,
      readFileSync(new URL(`./assets/${a.file}`, import.meta.url)),
    ]),
  );
  return (req: Request, res: Response, next: NextFunction): void => {
    const name = String(req.params.name);
    const asset = ASSETS[name];
    const body = bodies.get(name);
    if (!asset || !body) return next(new NotFound('no such file'));
    res.set({ 'Content-Type': asset.type, 'Cache-Control': 'public, max-age=300' }).send(body);
  };
}

/** Every POST: from our own origin (403), a form (415) within the body limit (413). */
function postedForm(limit: string, origin: string): RequestHandler[] {
  const fromUs: RequestHandler = (req, _res, next) => {
    checkOrigin(req, origin);
    next();
  };
  return [fromUs, ...readForm(limit)].map(
    (step): RequestHandler =>
      (req, res, next) =>
        req.method === 'POST' ? step(req, res, next) : next(),
  );
}

/**
 * `/admin/ui`: the admin page for tenant admins and the operator (docs/admin-ui.md). Server-rendered
 * HTML over the same services as the admin JSON API. Every POST is checked for origin and CSRF
 * token before any route sees it; every page of a tenant sits behind `tenantGuard`. Errors are
 * pages, never admin JSON.
 */
export function createAdminUiRouter(deps: AdminUiDeps): Router {
  const cookies = cookieNames(deps.publicUrl);
  const router = express.Router();
  router.get('/assets/:name', assetRoute());
  router.use(...postedForm(deps.bodyLimit, new URL(deps.publicUrl).origin));
  router.use(loadSession({ ...deps, cookies }));
  router.use(csrfGuard({ cookies }));

  addSignInRoutes(router, { ...deps, cookies });
  addRedeemRoutes(router, { ...deps, cookies });
  addTestResult(router, deps);

  router.get('/tenants', async (req, res) => {
    if (!sessionOf(req)) return res.redirect(303, `${UI}/sign-in`);
    if (!isOperator(requireSession(req))) throw new Forbidden('only the operator can pick a tenant');
    send(res, 200, tenantsPage(frameOf(req), await deps.tenants.list()));
  });

  const tenant = express.Router({ mergeParams: true });
  tenant.use(tenantGuard(deps));
  addTenantPages(tenant, deps);
  addTestStart(tenant, deps);
  tenant.use('/setup-links', operatorOnly);
  addSetupLinkPages(tenant, { ...deps, cookies });
  router.use('/t/:slug', tenant);

  router.use((req: Request) => {
    throw new NotFound(`There is no page at ${req.originalUrl.split('?')[0] ?? ''}.`);
  });
  router.use(renderUiError);
  return router;
}
