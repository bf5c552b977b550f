import type { Tenant } from '../storage/ports.ts';

/** A tenant as the admin API and the CLI show it (connections, which hold sealed secrets, stay out). */
export const tenantView = (t: Tenant) => ({
  id: t.id,
  slug: t.slug,
  name: t.name,
  domains: t.domains,
  status: t.status,
  settings: t.settings,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
  version: t.version,
});
