import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import type Provider from 'oidc-provider';
import type { Container } from '../container.ts';
import { createProvider } from '../provider/provider.ts';
import { createInteractionRouter } from './interactions.ts';
import { createSamlRouter, startSamlLogin } from '../connections/saml/router.ts';
import { newReference, sendErrorPage } from './error-page.ts';
import { ctx } from '../platform/http/context.ts';

/**
 * Endpoint URLs follow the Host header (X-Forwarded-Host behind a trusted proxy), so only the
 * public host reaches the provider.
 */
function hostAllowList(publicUrl: string, trustProxy: boolean) {
  const host = new URL(publicUrl).host.toLowerCase();
  return (req: Request, res: Response, next: NextFunction): void => {
    const forwarded = trustProxy ? req.get('x-forwarded-host')?.split(',')[0]?.trim() : undefined;
    if ((forwarded ?? req.headers.host ?? '').toLowerCase() === host) {
      next();
      return;
    }
    res.status(400).json({ error: 'invalid_request', error_description: 'unexpected Host header' });
  };
}

/**
 * Sign-in surfaces: the product-facing OpenID Provider (`/oauth/*`, discovery at the root), its
 * interactions, and the per-tenant SAML SP (`/sso/{slug}/saml/*`). Mounted before any body
 * parser: the provider reads raw bodies itself.
 */
export function createSsoRouter(container: Container): Router {
  let ready: Promise<Provider> | undefined;
  let handler: ((req: Request, res: Response) => void) | undefined;
  // Built on first use: keys come from the store, and a failure is retried on the next request.
  const provider = (): Promise<Provider> => {
    ready ??= createProvider(container).catch((err: unknown) => {
      ready = undefined;
      throw err;
    });
    return ready;
  };
  const router = express.Router();
  const allowHost = hostAllowList(container.config.publicUrl, container.config.trustProxy);

  const serve = async (req: Request, res: Response): Promise<void> => {
    const op = await provider();
    handler ??= op.callback();
    handler(req, res);
  };
  router.use('/oauth', allowHost, serve);
  // Discovery lives at the root (issuer = public URL, OIDC Discovery §4); the provider derives its
  // mount path from originalUrl minus url, so present the request as if it came through /oauth.
  router.get('/.well-known/openid-configuration', allowHost, async (req, res) => {
    req.originalUrl = `/oauth${req.url}`;
    await serve(req, res);
  });
  router.use('/interaction', allowHost);
  router.use(
    createInteractionRouter(container, provider, (tenant, uid) => startSamlLogin(container, tenant, uid)),
  );
  router.use('/sso/:slug/saml', createSamlRouter(container));
  router.use(['/interaction', '/sso'], (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const reference = newReference();
    ctx(req).log.error({ err, reference }, 'sign-in failed');
    if (res.headersSent) return void res.end();
    sendErrorPage(res, 500, {
      title: 'Sign-in failed',
      message: 'Something went wrong on our side.',
      reference,
    });
  });
  return router;
}
