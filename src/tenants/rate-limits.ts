import type { Tenant } from '../storage/ports.ts';
import { TenantSettingsSchema } from './settings.ts';

/** Per-minute request limits that apply to one tenant's callers (0: no limit). */
export interface TenantLimits {
  readonly scimPerToken: number;
  readonly scimPerAddress: number;
  readonly adminPerToken: number;
}

/**
 * The limits of a tenant: its `settings.rateLimits` over the gateway's defaults (config). Read on
 * every SCIM request, so the parse is kept per tenant record (records are immutable; a changed
 * tenant is a new object, and the token cache hands out the same one for a second).
 */
export function createTenantLimits(defaults: TenantLimits): (tenant: Tenant) => TenantLimits {
  const parsed = new WeakMap<Tenant, TenantLimits>();
  return (tenant) => {
    let limits = parsed.get(tenant);
    if (!limits) {
      const settings = TenantSettingsSchema.safeParse(tenant.settings);
      const own = settings.success ? settings.data.rateLimits : undefined;
      limits = {
        scimPerToken: own?.scimPerToken ?? defaults.scimPerToken,
        scimPerAddress: own?.scimPerAddress ?? defaults.scimPerAddress,
        adminPerToken: own?.adminPerToken ?? defaults.adminPerToken,
      };
      parsed.set(tenant, limits);
    }
    return limits;
  };
}
