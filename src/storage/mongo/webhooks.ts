import type { DeliveryStatus, TenantId, WebhookDelivery, WebhookEndpoint, WebhookStore } from '../ports.ts';
import { StorageError } from '../ports.ts';
import type { Scope } from './common.ts';
import { inSession } from './common.ts';
import { fields, num, str, strOrNull } from './documents.ts';
import { writing } from './errors.ts';
import { deliveriesQuery, dueEndpointsQuery } from './event-queries.ts';

export function endpointToDocument(e: WebhookEndpoint): Record<string, unknown> {
  const { id, types, ...rest } = e;
  return { _id: id, ...rest, ...(types === null ? {} : { types: [...types] }) };
}

export function documentToEndpoint(doc: unknown): WebhookEndpoint {
  const d = fields(doc, 'webhook');
  const types = d['types'];
  return {
    tenantId: str(d, 'tenantId') as TenantId,
    id: str(d, '_id'),
    url: str(d, 'url'),
    types: Array.isArray(types) ? types.map(String) : null,
    secret: str(d, 'secret'),
    createdAt: str(d, 'createdAt'),
    cursor: num(d, 'cursor'),
    nextAttemptAt: strOrNull(d, 'nextAttemptAt'),
    leaseOwner: strOrNull(d, 'leaseOwner'),
    leaseUntil: strOrNull(d, 'leaseUntil'),
  };
}

export function deliveryToDocument(x: WebhookDelivery): Record<string, unknown> {
  const { id, ...rest } = x;
  return { _id: id, ...rest };
}

const STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed'];

export function documentToDelivery(doc: unknown): WebhookDelivery {
  const d = fields(doc, 'webhook delivery');
  const status = STATUSES.find((s) => s === d['status']);
  if (!status) throw new StorageError('stored delivery status is unknown');
  const code = d['lastStatusCode'];
  return {
    tenantId: str(d, 'tenantId') as TenantId,
    id: str(d, '_id'),
    endpointId: str(d, 'endpointId'),
    eventId: str(d, 'eventId'),
    eventSeq: num(d, 'eventSeq'),
    eventType: str(d, 'eventType'),
    status,
    attempts: num(d, 'attempts'),
    firstAttemptAt: str(d, 'firstAttemptAt'),
    lastAttemptAt: str(d, 'lastAttemptAt'),
    nextAttemptAt: strOrNull(d, 'nextAttemptAt'),
    lastStatusCode: typeof code === 'number' ? code : null,
    lastError: strOrNull(d, 'lastError'),
  };
}

function checkLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new StorageError(`invalid limit ${limit}`);
}

export function createWebhookStore(scope: Scope): WebhookStore {
  const { webhooks, deliveries } = scope.models;
  const session = scope.session;
  const write = inSession(scope);
  const parse = (doc: unknown) => (doc == null ? undefined : documentToEndpoint(doc));

  return {
    async insert(endpoint) {
      await writing(() => webhooks.create([endpointToDocument(endpoint)], write));
    },
    async get(tenantId, id) {
      return parse(await webhooks.findOne({ tenantId, _id: id }).session(session).lean());
    },
    async list(tenantId) {
      const docs = await webhooks.find({ tenantId }).sort({ _id: 1 }).session(session).lean();
      return docs.map(documentToEndpoint);
    },
    async remove(tenantId, id) {
      const { deletedCount } = await webhooks.deleteOne({ tenantId, _id: id }, write);
      if (deletedCount === 0) return false;
      await deliveries.deleteMany({ tenantId, endpointId: id }, write);
      return true;
    },
    async replaceSecret(tenantId, id, expected, secret) {
      const { matchedCount } = await webhooks.updateOne(
        { tenantId, _id: id, secret: expected },
        { $set: { secret } },
        write,
      );
      return matchedCount > 0;
    },
    // One atomic single-document update per endpoint: of two dispatchers racing for one
    // endpoint, only one matches the free-lease condition.
    async claim(owner, now, leaseUntil, limit) {
      checkLimit(limit);
      const claimed: WebhookEndpoint[] = [];
      while (claimed.length < limit) {
        const doc: unknown = await webhooks
          .findOneAndUpdate(
            dueEndpointsQuery(now),
            { $set: { leaseOwner: owner, leaseUntil } },
            { sort: { nextAttemptAt: 1 }, returnDocument: 'after', ...write },
          )
          .lean();
        if (doc == null) break;
        claimed.push(documentToEndpoint(doc));
      }
      return claimed;
    },
    async release(tenantId, id, owner, progress) {
      const { matchedCount } = await webhooks.updateOne(
        { tenantId, _id: id, leaseOwner: owner },
        { $set: { ...progress, leaseOwner: null, leaseUntil: null } },
        write,
      );
      return matchedCount > 0;
    },
    async saveDelivery(delivery) {
      const { _id, ...doc } = deliveryToDocument(delivery);
      await deliveries.replaceOne({ tenantId: delivery.tenantId, _id }, doc, { upsert: true, ...write });
    },
    async findDelivery(tenantId, endpointId, eventId) {
      const doc: unknown = await deliveries
        .findOne({ tenantId, endpointId, eventId })
        .session(session)
        .lean();
      return doc == null ? undefined : documentToDelivery(doc);
    },
    async deliveries(tenantId, endpointId, before, limit) {
      checkLimit(limit);
      if (limit === 0) return [];
      const docs = await deliveries
        .find(deliveriesQuery(tenantId, endpointId, before))
        .sort({ eventSeq: -1 })
        .limit(limit)
        .session(session)
        .lean();
      return docs.map(documentToDelivery);
    },
  };
}
