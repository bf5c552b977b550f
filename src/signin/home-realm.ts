import type { Storage, Tenant } from '../storage/ports.ts';

/** The tenant an authorization request names: `tenant=<slug>`, else the `login_hint` email domain. */
export async function resolveTenant(
  storage: Storage,
  params: { readonly tenant?: unknown; readonly login_hint?: unknown },
): Promise<Tenant | undefined> {
  if (typeof params.tenant === 'string' && params.tenant !== '') {
    const tenant = await storage.tenants.getBySlug(params.tenant);
    return tenant?.status === 'active' ? tenant : undefined;
  }
  if (typeof params.login_hint === 'string') {
    const at = params.login_hint.lastIndexOf('@');
    if (at < 1) return undefined;
    const tenant = await storage.tenants.findByDomain(params.login_hint.slice(at + 1).toLowerCase());
    return tenant?.status === 'active' ? tenant : undefined;
  }
  return undefined;
}
