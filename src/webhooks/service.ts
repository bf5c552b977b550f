import type { AuditContext } from '../audit/events.ts';
import { isAuditType } from '../audit/events.ts';
import type { AuditRecorder } from '../audit/record.ts';
import { ipLiteral, isBlockedAddress } from '../platform/address-guard.ts';
import { BadRequest, HttpError, NotFound } from '../platform/errors.ts';
import { newId, newSecret } from '../platform/ids.ts';
import type { SecretBox } from '../platform/secrets.ts';
import type {
  Tenant,
  TenantStore,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookStore,
} from '../storage/ports.ts';

/** Endpoints per tenant: each one is polled and holds a cursor. */
const MAX_ENDPOINTS = 10;
const MAX_URL_LENGTH = 2048;

/** The context a webhook secret is sealed under: a ciphertext moved to another row does not open. */
export const secretContext = (e: Pick<WebhookEndpoint, 'tenantId' | 'id'>): string =>
  `tenant:${e.tenantId}:webhook:${e.id}`;

const refuse = (message: string) => new BadRequest(message);

function withoutQuery(href: string): string {
  const url = new URL(href);
  return `${url.origin}${url.pathname}`;
}

/** The target URL, refused when it could reach inside our network (docs/webhooks.md#targets). */
export function checkTargetUrl(raw: unknown, allowPrivate: boolean): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_URL_LENGTH)
    throw refuse(`url: an https URL of at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('url: not a URL');
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:'))
    throw refuse('url: must use https');
  if (url.username || url.password) throw refuse('url: must not carry credentials');
  const literal = ipLiteral(url);
  const local =
    literal === null ? /^localhost\.?$|\.localhost\.?$/i.test(url.hostname) : isBlockedAddress(literal);
  if (local && !allowPrivate) throw refuse('url: points at a private, loopback or link-local address');
  return url.href;
}

function checkTypes(raw: unknown): string[] | null {
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > 50)
    throw refuse('types: a non-empty list of event types');
  const types = [...new Set(raw.map(String))];
  const unknown = types.filter((t) => !isAuditType(t));
  if (unknown.length > 0 || raw.some((t) => typeof t !== 'string'))
    throw refuse(`types: unknown event type ${unknown[0] ?? ''}`.trim());
  return types.sort();
}

function parseInput(body: unknown, allowPrivate: boolean): { url: string; types: string[] | null } {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw refuse('expected a JSON object');
  const { url, types, ...rest } = body as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw refuse(`${extra}: not a webhook field (url, types)`);
  return { url: checkTargetUrl(url, allowPrivate), types: checkTypes(types) };
}

export const deliveryView = (d: WebhookDelivery) => ({
  id: d.id,
  eventId: d.eventId,
  eventType: d.eventType,
  sequence: d.eventSeq,
  status: d.status,
  attempts: d.attempts,
  firstAttemptAt: d.firstAttemptAt,
  lastAttemptAt: d.lastAttemptAt,
  nextAttemptAt: d.nextAttemptAt,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
});

const endpointView = (e: WebhookEndpoint, last: WebhookDelivery | undefined) => ({
  id: e.id,
  url: e.url,
  types: e.types,
  createdAt: e.createdAt,
  lastDelivery: last ? deliveryView(last) : null,
});

export interface WebhookServiceDeps {
  readonly tenants: TenantStore;
  readonly webhooks: WebhookStore;
  readonly audit: AuditRecorder;
  readonly secrets: SecretBox;
  readonly allowPrivate: boolean;
}

/** A tenant's webhook endpoints (docs/webhooks.md); the dispatcher delivers to them. */
export function createWebhookService(deps: WebhookServiceDeps) {
  const { webhooks, audit, secrets } = deps;

  async function tenantOf(slug: string): Promise<Tenant> {
    const tenant = await deps.tenants.getBySlug(slug);
    if (!tenant) throw new NotFound(`no tenant ${slug}`, 'tenant_not_found');
    return tenant;
  }

  async function endpointOf(tenant: Tenant, id: string): Promise<WebhookEndpoint> {
    const found = await webhooks.get(tenant.id, id);
    if (!found) throw new NotFound(`no webhook ${id}`);
    return found;
  }

  return {
    /** Creates an endpoint; its secret is returned here only (stored sealed with the master key). */
    async create(context: AuditContext, slug: string, body: unknown) {
      const tenant = await tenantOf(slug);
      const input = parseInput(body, deps.allowPrivate);
      const id = newId();
      const secret = `whsec_${newSecret(32)}`;
      const created = await audit.change(context, async (tx, record) => {
        if ((await tx.webhooks.list(tenant.id)).length >= MAX_ENDPOINTS)
          throw new HttpError(409, 'conflict', `a tenant has at most ${MAX_ENDPOINTS} webhooks`);
        const endpoint: WebhookEndpoint = {
          tenantId: tenant.id,
          id,
          url: input.url,
          types: input.types,
          secret: secrets.encrypt(secret, secretContext({ tenantId: tenant.id, id })),
          createdAt: new Date().toISOString(),
          // Events from now on: the head read in this unit, whose own event comes after it.
          cursor: await tx.audit.head(tenant.id),
          nextAttemptAt: null,
          leaseOwner: null,
          leaseUntil: null,
        };
        await tx.webhooks.insert(endpoint);
        record({
          type: 'webhook.created',
          tenantId: tenant.id,
          target: { type: 'webhook', id },
          // Without the query: receivers often carry a token there, and events never hold secrets.
          data: { url: withoutQuery(input.url), types: input.types },
        });
        return endpoint;
      });
      return { ...endpointView(created, undefined), secret };
    },

    async list(slug: string) {
      const tenant = await tenantOf(slug);
      const endpoints = await webhooks.list(tenant.id);
      return Promise.all(
        endpoints.map(async (e) => endpointView(e, (await webhooks.deliveries(tenant.id, e.id, null, 1))[0])),
      );
    },

    async get(slug: string, id: string) {
      const tenant = await tenantOf(slug);
      const e = await endpointOf(tenant, id);
      return endpointView(e, (await webhooks.deliveries(tenant.id, e.id, null, 1))[0]);
    },

    async remove(context: AuditContext, slug: string, id: string): Promise<void> {
      const tenant = await tenantOf(slug);
      await endpointOf(tenant, id);
      await audit.change(context, async (tx, record) => {
        if (!(await tx.webhooks.remove(tenant.id, id))) throw new NotFound(`no webhook ${id}`);
        record({ type: 'webhook.deleted', tenantId: tenant.id, target: { type: 'webhook', id }, data: {} });
      });
    },

    /** An endpoint's deliveries, newest first; `before` is a `sequence` cursor. */
    async deliveries(slug: string, id: string, before: number | null, limit: number) {
      const tenant = await tenantOf(slug);
      await endpointOf(tenant, id);
      const found = await webhooks.deliveries(tenant.id, id, before, limit);
      const last = found.at(-1);
      return {
        data: found.map(deliveryView),
        nextCursor: found.length === limit && last ? String(last.eventSeq) : null,
      };
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
