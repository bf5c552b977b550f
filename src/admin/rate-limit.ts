import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Unauthorized } from '../platform/errors.ts';
import { bearerToken, ctx } from '../platform/http/context.ts';
import { clientAddress } from '../platform/http/client-address.ts';
import type { SurfaceLimits } from '../platform/rate-limit.ts';
import type { Tenant } from '../storage/ports.ts';
import type { TenantLimits } from '../tenants/rate-limits.ts';

/** What the admin router needs for its limits (docs/decisions/0090-rate-limits.md). */
export interface AdminLimitDeps {
  readonly surface: SurfaceLimits;
  readonly trustProxy: boolean;
  /** The operator key's limit, and every address's (not per tenant: the operator has none). */
  readonly perToken: number;
  readonly perAddress: number;
  /** A tenant's own limit for its admin tokens. */
  readonly of: (tenant: Tenant) => TenantLimits;
  /** The tenant of an authenticated tenant-admin token (its limit); null for the operator. */
  readonly tenantOf: (slug: string) => Promise<Tenant | undefined>;
}

const addresses = new WeakMap<Request, string>();

/**
 * The admin chain around `adminAuth`: `[lockout, counted(adminAuth), admit]`. The lockout is
 * checked before the credential is looked at; a refused credential is counted; an authenticated
 * caller is counted against its token (the operator key counts as one token) and its address.
 */
export function adminRateLimits(
  deps: AdminLimitDeps,
  auth: RequestHandler,
): [RequestHandler, RequestHandler, RequestHandler] {
  const lockout = async (req: Request, _res: Response, next: NextFunction) => {
    const address = clientAddress(req, deps.trustProxy);
    addresses.set(req, address);
    await deps.surface.checkLockout(address, '');
    next();
  };

  const counted = async (req: Request, res: Response, next: NextFunction) => {
    try {
      await auth(req, res, next);
    } catch (err) {
      // Only a presented credential is a guess; a request without one is not counted.
      if (err instanceof Unauthorized && bearerToken(req) !== undefined)
        await deps.surface.failed(addresses.get(req) ?? 'unknown', '');
      throw err;
    }
  };

  const admit = async (req: Request, _res: Response, next: NextFunction) => {
    const actor = ctx(req).actor;
    const address = addresses.get(req) ?? 'unknown';
    let perToken = deps.perToken;
    const slug = ctx(req).tenant;
    if (actor?.type === 'admin_token' && slug) {
      const tenant = await deps.tenantOf(slug);
      if (tenant) perToken = deps.of(tenant).adminPerToken;
    }
    deps.surface.admit(actor?.id ?? 'operator', perToken, address, deps.perAddress);
    next();
  };

  return [lockout, counted, admit];
}
