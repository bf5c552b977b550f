import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { bearerToken, ctx } from '../platform/http/context.ts';
import { Forbidden, HttpError, Unauthorized, UnsupportedMediaType } from '../platform/errors.ts';
import type { Tenant } from '../storage/ports.ts';
import type { OperatorKeys } from '../tenants/operator-key.ts';
import type { TokenAuthenticator } from '../tenants/tokens.ts';

/** What an admin caller may touch: everything (operator) or one tenant (tenant-admin token). */
export type AdminScope = { readonly kind: 'operator' } | { readonly kind: 'tenant'; readonly slug: string };

const scopes = new WeakMap<Request, AdminScope>();

export function adminScope(req: Request): AdminScope {
  const scope = scopes.get(req);
  if (!scope) throw new Unauthorized('a valid bearer token is required');
  return scope;
}

/**
 * A suspended tenant's admins are shut out with it (docs/admin-api.md): its SCIM tokens and its
 * sign-ins are refused, so its configuration is not theirs to change either. The operator is not.
 */
export function refuseDisabled(tenant: Tenant): void {
  if (tenant.status === 'disabled')
    throw new HttpError(403, 'tenant_disabled', 'this tenant is disabled; the operator can enable it again');
}

/**
 * Authenticates the operator key or a tenant-admin token (`Authorization: Bearer …`); an admin
 * token of a disabled tenant is refused.
 */
export function adminAuth(keys: OperatorKeys, tokens: TokenAuthenticator): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const bearer = bearerToken(req);
    if (!bearer) throw new Unauthorized('a valid bearer token is required');
    const context = ctx(req);
    if (keys.matches(bearer)) {
      scopes.set(req, { kind: 'operator' });
      context.actor = { type: 'operator', id: null };
      next();
      return;
    }
    const { token, tenant } = await tokens.authenticate('admin', bearer);
    refuseDisabled(tenant);
    scopes.set(req, { kind: 'tenant', slug: tenant.slug });
    context.actor = { type: 'admin_token', id: token.id };
    context.tenant = tenant.slug;
    next();
  };
}

export function requireOperator(req: Request): void {
  if (adminScope(req).kind !== 'operator') throw new Forbidden('only the operator key may do this');
}

/** Route-group guard: only the operator key passes. */
export function operatorOnly(req: Request, _res: Response, next: NextFunction): void {
  requireOperator(req);
  next();
}

/**
 * Route-group guard for everything under `/tenants/:slug`: the operator, or an admin token of
 * that tenant. Mounted once in front of the group, so a route added to it is closed by default.
 */
export function tenantAccess(req: Request, _res: Response, next: NextFunction): void {
  const slug = String(req.params.slug);
  const scope = adminScope(req);
  if (scope.kind === 'tenant' && scope.slug !== slug)
    throw new Forbidden('this token belongs to another tenant');
  ctx(req).tenant = slug;
  next();
}

/** The tenant slug of a route under `/tenants/:slug` (checked by `tenantAccess`). */
export const slugOf = (req: Request): string => String(req.params.slug);

/** Requests with a body must say it is JSON (415 otherwise), so a form post cannot pass as one. */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is(['application/json', 'application/*+json']))
    throw new UnsupportedMediaType('send the body as application/json');
  next();
}
