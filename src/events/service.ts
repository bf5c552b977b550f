import { AUDIT_TYPES, CHANGE_TYPES } from '../audit/events.ts';
import { NotFound } from '../platform/errors.ts';
import type { AuditStore, Tenant, TenantStore } from '../storage/ports.ts';
import { cursorOf, eventView } from './view.ts';
import type { EventView } from './view.ts';

export interface EventPage {
  readonly data: readonly EventView[];
  /** Where to continue; the caller's own cursor when nothing new has committed. */
  readonly nextCursor: string;
  readonly hasMore: boolean;
}

export interface EventQuery {
  readonly after: number | null;
  readonly limit: number;
  /** Only these types; undefined: every type. */
  readonly types?: readonly string[];
}

/** Reads the tenant's event stream: the events API, and the audit trail (changes only). */
export function createEventService(deps: { readonly tenants: TenantStore; readonly audit: AuditStore }) {
  async function tenantOf(slug: string): Promise<Tenant> {
    const tenant = await deps.tenants.getBySlug(slug);
    if (!tenant) throw new NotFound(`no tenant ${slug}`, 'tenant_not_found');
    return tenant;
  }

  async function page(slug: string, query: EventQuery): Promise<EventPage> {
    const tenant = await tenantOf(slug);
    const events = await deps.audit.list(tenant.id, query.after, query.limit, query.types);
    const last = events.at(-1);
    return {
      data: events.map((e) => eventView(e, tenant.slug)),
      nextCursor: cursorOf(last ? last.seq : (query.after ?? 0)),
      hasMore: events.length === query.limit,
    };
  }

  return {
    /** Every event type a caller may ask for (`types=`). */
    types: AUDIT_TYPES,
    list: page,
    /** The last `limit` events of the stream, newest first (the admin page's "Events"). */
    async recent(slug: string, limit: number): Promise<readonly EventView[]> {
      const tenant = await tenantOf(slug);
      const head = await deps.audit.head(tenant.id);
      const events = await deps.audit.list(tenant.id, Math.max(0, head - limit), limit);
      return events.map((e) => eventView(e, tenant.slug)).reverse();
    },
    /** The audit trail: the stream's changes with their actor, oldest first. */
    audit: (slug: string, after: number | null, limit: number) =>
      page(slug, { after, limit, types: CHANGE_TYPES }),
  };
}

export type EventService = ReturnType<typeof createEventService>;
