import type { Tenant, TenantStore } from '../storage/ports.ts';

export type TenantFinder = Pick<TenantStore, 'getBySlug' | 'findByDomain'>;

/** The active tenant with this slug, or undefined (unknown and disabled look the same). */
export async function activeTenant(tenants: TenantFinder, slug: string): Promise<Tenant | undefined> {
  const tenant = await tenants.getBySlug(slug);
  return tenant?.status === 'active' ? tenant : undefined;
}

/** The tenant an authorization request names: `tenant=<slug>`, else the `login_hint` email domain. */
export async function resolveTenant(
  tenants: TenantFinder,
  params: { readonly tenant?: unknown; readonly login_hint?: unknown },
): Promise<Tenant | undefined> {
  if (typeof params.tenant === 'string' && params.tenant !== '') return activeTenant(tenants, params.tenant);
  if (typeof params.login_hint === 'string') {
    const at = params.login_hint.lastIndexOf('@');
    if (at < 1) return undefined;
    const tenant = await tenants.findByDomain(params.login_hint.slice(at + 1).toLowerCase());
    return tenant?.status === 'active' ? tenant : undefined;
  }
  return undefined;
}
