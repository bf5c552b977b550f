/**
 * The queries of the event stream, webhooks and the SCIM log, as pure functions: the adapter sends
 * exactly these, and test/storage/mongo-query.test.ts runs them with mingo over the same records
 * as SQLite (docs/decisions/0003-mongo-verified-with-mingo.md).
 */
import type { TenantId, Timestamp } from '../ports.ts';

export type Query = Record<string, unknown>;

/** `_id` of the operator scope's sequence (tenant ids are UUIDs, so it cannot clash). */
export const OPERATOR_SCOPE = 'operator';

export const sequenceKey = (tenantId: TenantId | null): string => tenantId ?? OPERATOR_SCOPE;

/** A scope's events after `after`, of `types` when given; sort `{seq: 1}`. */
export function eventsQuery(
  tenantId: TenantId | null,
  after: number | null,
  types?: readonly string[],
): Query {
  return {
    tenantId,
    seq: { $gt: after ?? 0 },
    ...(types === undefined ? {} : { type: { $in: [...types] } }),
  };
}

/** Endpoints due at `now` and free (never leased, or the lease expired); sort `{nextAttemptAt: 1}`. */
export function dueEndpointsQuery(now: Timestamp): Query {
  return {
    $and: [
      { $or: [{ nextAttemptAt: null }, { nextAttemptAt: { $lte: now } }] },
      { $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }] },
    ],
  };
}

/** An endpoint's deliveries before the `eventSeq` cursor; sort `{eventSeq: -1}`. */
export function deliveriesQuery(tenantId: TenantId, endpointId: string, before: number | null): Query {
  return { tenantId, endpointId, ...(before === null ? {} : { eventSeq: { $lt: before } }) };
}

/** A tenant's SCIM log before the id cursor; sort `{_id: -1}`. */
export function scimLogQuery(tenantId: TenantId, before: string | null): Query {
  return { tenantId, ...(before === null ? {} : { _id: { $lt: before } }) };
}

/** Records past their retention (also what the TTL index removes, a minute or so later). */
export function expiredQuery(now: Timestamp): Query {
  return { expiresAt: { $lt: new Date(now) } };
}
