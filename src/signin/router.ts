import express from 'express';
import type { Router } from 'express';
import { mountedAt } from '../platform/http/context.ts';
import { renderSignInError } from './error-page.ts';
import { createInteractionRouter } from './interactions.ts';
import type { InteractionDeps } from './interactions.ts';

/**
 * The sign-in surfaces: the provider's interactions (`/interaction/:uid…`) and each upstream
 * connection's routes (`/sso/{slug}/saml/*`, `/sso/{slug}/oidc/*`), with one error renderer for all of them.
 */
export function createSignInRouter(
  deps: InteractionDeps & { readonly connections: Readonly<Record<'saml' | 'oidc', Router>> },
): Router {
  const router = express.Router();
  router.use(createInteractionRouter(deps));
  for (const [kind, connection] of Object.entries(deps.connections))
    router.use(`/sso/:slug/${kind}`, mountedAt(`/sso/:slug/${kind}`), connection);
  router.use(['/interaction', '/sso'], renderSignInError);
  return router;
}
