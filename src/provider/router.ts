import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import type Provider from 'oidc-provider';

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

export interface ProviderRouterDeps {
  readonly publicUrl: string;
  readonly trustProxy: boolean;
  readonly provider: () => Promise<Provider>;
}

/**
 * The product-facing OpenID Provider (`/oauth/*`, discovery at the root), and the Host check in
 * front of the interactions. Mounted before any body parser: the provider reads raw bodies itself.
 */
export function createProviderRouter(deps: ProviderRouterDeps): Router {
  const router = express.Router();
  const allowHost = hostAllowList(deps.publicUrl, deps.trustProxy);
  let handler: ((req: Request, res: Response) => void) | undefined;

  const serve = async (req: Request, res: Response): Promise<void> => {
    const op = await deps.provider();
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
  return router;
}
